import { describe, expect, it } from 'vitest';
import { groupConversations } from './conversation-groups';
import type { Conversation } from './conversations';

const base: Conversation = {
  id: 'x',
  avatarId: 'a',
  title: '',
  titleSource: 'auto',
  tags: [],
  pinned: false,
  archived: false,
  incognito: false,
  activeLeafId: null,
  model: null,
  prompt: { systemPrompt: null, authorsNote: null },
  generation: {},
  messageCount: 1,
  participants: [],
  lastMessageAt: null,
  createdAt: '2026-03-01T08:00:00.000Z',
  updatedAt: '2026-03-01T08:00:00.000Z',
};

describe('groupConversations', () => {
  it('puts pinned first, then today, then earlier, leaving empty groups out', () => {
    const now = new Date(2026, 2, 10, 15, 0);
    const today = new Date(2026, 2, 10, 9, 0).toISOString();
    const yesterday = new Date(2026, 2, 9, 23, 0).toISOString();
    const groups = groupConversations(
      [
        { ...base, id: 't', lastMessageAt: today },
        { ...base, id: 'p', pinned: true, lastMessageAt: yesterday },
        { ...base, id: 'e', lastMessageAt: yesterday },
      ],
      now,
    );
    expect(groups.map((g) => [g.label, g.conversations.map((c) => c.id)])).toEqual([
      ['Pinned', ['p']],
      ['Today', ['t']],
      ['Earlier', ['e']],
    ]);
    expect(groupConversations([{ ...base, lastMessageAt: today }], now).map((g) => g.key)).toEqual(['today']);
  });
});
