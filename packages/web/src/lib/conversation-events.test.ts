import type { ConversationEvent } from '@lumina/sdk';
import { describe, expect, it } from 'vitest';
import { conversationEventAction, reconnectDelayMs } from './conversation-events';

const CONVERSATION = '0190a4c2-0000-7000-8000-000000000001';
const OTHER_CONVERSATION = '0190a4c2-0000-7000-8000-000000000002';
const SHOWN = '0190a4c2-0000-7000-8000-000000000003';
const NEW_REPLY = '0190a4c2-0000-7000-8000-000000000004';

const start = (messageId: string): ConversationEvent => ({
  messageId,
  seq: 1,
  part: {
    type: 'message-start',
    messageId,
    parentId: SHOWN,
    turnId: SHOWN,
    role: 'assistant',
    participant: null,
    model: 'ollama/llama3.2',
    createdAt: '2026-01-03T00:00:00.000Z',
  },
});

const idle = { busy: false, knows: (id: string) => id === SHOWN };

describe('conversationEventAction', () => {
  it('shows a title given to this conversation, even one sent after the reply ended', () => {
    const event: ConversationEvent = {
      messageId: NEW_REPLY,
      seq: 0,
      part: { type: 'title', conversationId: CONVERSATION, title: 'Tide times' },
    };
    expect(conversationEventAction(CONVERSATION, event, idle)).toEqual({
      kind: 'title',
      title: 'Tide times',
    });
    // While this tab streams too: a title is never drawn twice, it only replaces the header text.
    expect(conversationEventAction(CONVERSATION, event, { ...idle, busy: true })).toEqual({
      kind: 'title',
      title: 'Tide times',
    });
    const elsewhere = { ...event, part: { ...event.part, conversationId: OTHER_CONVERSATION } };
    expect(conversationEventAction(CONVERSATION, elsewhere, idle)).toEqual({ kind: 'none' });
  });

  it('fetches the branch for a message the page does not show, started in another tab', () => {
    expect(conversationEventAction(CONVERSATION, start(NEW_REPLY), idle)).toEqual({
      kind: 'refetch',
      messageId: NEW_REPLY,
    });
  });

  it('ignores starts of shown messages and every start while this tab streams its own reply', () => {
    expect(conversationEventAction(CONVERSATION, start(SHOWN), idle)).toEqual({ kind: 'none' });
    expect(conversationEventAction(CONVERSATION, start(NEW_REPLY), { ...idle, busy: true })).toEqual({
      kind: 'none',
    });
  });

  it('ignores the parts of replies: the page draws a reply from its own stream', () => {
    const delta: ConversationEvent = {
      messageId: NEW_REPLY,
      seq: 2,
      part: { type: 'text-delta', delta: 'Hi' },
    };
    expect(conversationEventAction(CONVERSATION, delta, idle)).toEqual({ kind: 'none' });
  });
});

describe('reconnectDelayMs', () => {
  it('waits 1 s, then doubles up to 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20].map(reconnectDelayMs)).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });
});
