import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../lib/conversations';
import { type MessageActions, MessageItem } from './message-item';

afterEach(cleanup);

const REPLY_ID = '0190a4c2-0000-7000-8000-000000000002';

const reply = (fields: Partial<ChatMessage>): ChatMessage =>
  ({
    id: REPLY_ID,
    conversationId: '0190a4c2-0000-7000-8000-000000000001',
    parentId: '0190a4c2-0000-7000-8000-000000000003',
    role: 'assistant',
    content: 'Once upon a time',
    parts: [{ type: 'text', text: 'Once upon a time' }],
    turnId: null,
    speaker: null,
    status: 'complete',
    error: null,
    model: null,
    finishReason: null,
    usage: null,
    timings: null,
    siblingIds: [REPLY_ID],
    hasSummary: false,
    metadata: {},
    createdAt: '2025-03-01T10:00:00.000Z',
    updatedAt: '2025-03-01T10:00:00.000Z',
    ...fields,
  }) as ChatMessage;

function renderItem(message: ChatMessage, { last = true, busy = false } = {}) {
  const continued: string[] = [];
  const actions: MessageActions = {
    onRegenerate() {},
    onContinue: (id) => continued.push(id),
    onEdit() {},
    onSwitch() {},
    onFork() {},
    onDelete() {},
  };
  render(
    <MessageItem
      message={message}
      avatar={{ name: 'Aria', imageUrl: '/api/avatars/a/image' }}
      busy={busy}
      highlighted={false}
      last={last}
      actions={actions}
    />,
  );
  return continued;
}

describe('MessageItem: Continue', () => {
  it.each(['complete', 'cancelled', 'interrupted'] as const)(
    'offers Continue on the last reply when it is %s, next to Regenerate',
    (status) => {
      renderItem(reply({ status }));
      const button = screen.getByRole<HTMLButtonElement>('button', { name: 'Continue reply' });
      expect(button.disabled).toBe(false);
      // Beside Regenerate, in the same row of actions.
      expect(screen.getByRole('button', { name: 'Regenerate reply' }).nextElementSibling).toBe(button);
    },
  );

  it('asks to continue that reply, by click and from the keyboard', async () => {
    const user = userEvent.setup();
    const continued = renderItem(reply({ status: 'cancelled' }));
    await user.click(screen.getByRole('button', { name: 'Continue reply' }));
    expect(continued).toEqual([REPLY_ID]);

    screen.getByRole('button', { name: 'Continue reply' }).focus();
    await user.keyboard('{Enter}');
    await user.keyboard(' ');
    expect(continued).toEqual([REPLY_ID, REPLY_ID, REPLY_ID]);
  });

  it('is not offered while the reply is being written, after an error, or above the last message', () => {
    renderItem(reply({ status: 'streaming' }));
    expect(screen.queryByRole('button', { name: 'Continue reply' })).toBeNull();
    cleanup();

    // A failed reply has "Try again" instead.
    renderItem(reply({ status: 'error', error: { code: 'provider_error', message: 'boom' } }));
    expect(screen.queryByRole('button', { name: 'Continue reply' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Try again' }).textContent).toContain('Try again');
    cleanup();

    renderItem(reply({ status: 'complete' }), { last: false });
    expect(screen.queryByRole('button', { name: 'Continue reply' })).toBeNull();
    cleanup();

    renderItem(reply({ role: 'user', status: 'complete' }));
    expect(screen.queryByRole('button', { name: 'Continue reply' })).toBeNull();
  });

  it('is disabled while another reply of the conversation is being written', async () => {
    const user = userEvent.setup();
    const continued = renderItem(reply({ status: 'complete' }), { busy: true });
    const button = screen.getByRole<HTMLButtonElement>('button', { name: 'Continue reply' });
    expect(button.disabled).toBe(true);
    await user.click(button);
    expect(continued).toEqual([]);
  });
});
