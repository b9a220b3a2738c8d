import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../lib/conversations';
import { type MessageActions, MessageItem } from './message-item';

afterEach(cleanup);

const mine = {
  id: '0190a4c2-0000-7000-8000-000000000003',
  conversationId: '0190a4c2-0000-7000-8000-000000000001',
  parentId: null,
  role: 'user',
  content: 'Hello there',
  parts: [{ type: 'text', text: 'Hello there' }],
  turnId: null,
  speaker: null,
  status: 'complete',
  error: null,
  model: null,
  finishReason: null,
  usage: null,
  timings: null,
  siblingIds: ['0190a4c2-0000-7000-8000-000000000003'],
  hasSummary: false,
  metadata: {},
  createdAt: '2025-03-01T10:00:00.000Z',
  updatedAt: '2025-03-01T10:00:00.000Z',
} as unknown as ChatMessage;

const actions = new Proxy({}, { get: () => () => {} }) as MessageActions;

function renderMine(you: { name: string; pictureUrl: string | null } | null) {
  render(
    <MessageItem
      message={mine}
      avatar={{ name: 'Aria', imageUrl: '/api/avatars/a/image' }}
      busy={false}
      highlighted={false}
      last={false}
      actions={actions}
      you={you}
    />,
  );
}

describe('the person’s messages and their persona (issue 12 point 11)', () => {
  it('show the persona’s picture beside them', () => {
    renderMine({ name: 'Mara', pictureUrl: '/api/settings/personas/p/picture?v=f' });
    expect(screen.getByText('Hello there')).toBeTruthy();
    expect(screen.getByTestId('persona-picture').getAttribute('src')).toBe(
      '/api/settings/personas/p/picture?v=f',
    );
  });

  it('show no picture for a persona without one, or the account', () => {
    renderMine({ name: 'Mara', pictureUrl: null });
    expect(screen.queryByTestId('persona-picture')).toBeNull();
    cleanup();
    renderMine(null);
    expect(screen.queryByTestId('persona-picture')).toBeNull();
  });
});
