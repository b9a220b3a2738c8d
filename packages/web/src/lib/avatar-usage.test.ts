import { describe, expect, it } from 'vitest';
import { describeUsage } from './avatars';

describe('an avatar’s usage line', () => {
  const now = Date.parse('2026-11-21T12:00:00Z');

  it('says when an avatar was never used', () => {
    expect(describeUsage(undefined, now)).toBe('No chats yet');
    expect(describeUsage({ conversations: 0, messages: 0, lastUsedAt: null }, now)).toBe('No chats yet');
  });

  it('counts chats and messages and says when it was last used', () => {
    expect(describeUsage({ conversations: 1, messages: 1, lastUsedAt: '2026-11-21T10:00:00Z' }, now)).toBe(
      '1 chat · 1 message · used 2 hours ago',
    );
    expect(describeUsage({ conversations: 12, messages: 1340, lastUsedAt: null }, now)).toBe(
      '12 chats · 1,340 messages',
    );
  });
});
