import type { Conversation } from '../domain/conversation.js';
import type { Message } from '../domain/message.js';
import type { PlanContext } from '../services/turns/turn-planner.js';

/**
 * A conversation, plan contexts with predictable ids and messages in memory, for the turn and
 * compare planners' unit tests (no database).
 * @example const answer = message({ id: 'a', role: 'assistant', parentId: 'q' });
 */
export const USER = '00000000-0000-7000-8000-0000000000a1';
export const AVATAR = '00000000-0000-7000-8000-0000000000b1';
export const now = new Date('2026-01-01T00:00:00Z');

export const conversation: Conversation = {
  id: '00000000-0000-7000-8000-0000000000c1',
  ownerId: USER,
  avatarId: AVATAR,
  title: '',
  titleSource: 'auto',
  tags: [],
  pinned: false,
  archived: false,
  activeLeafId: null,
  model: null,
  messageCount: 0,
  lastMessageAt: null,
  createdAt: now,
  updatedAt: now,
};

export function context(): PlanContext {
  let next = 0;
  return {
    userId: USER,
    conversation,
    now,
    newId: () => `00000000-0000-7000-8000-${String(++next).padStart(12, '0')}`,
  };
}

export function message(fields: Partial<Message> & Pick<Message, 'id' | 'role' | 'parentId'>): Message {
  const content = fields.content ?? '';
  return {
    conversationId: conversation.id,
    ownerId: USER,
    content,
    parts: content === '' ? [] : [{ type: 'text', text: content }],
    turnId: null,
    speakerAvatarId: null,
    speakerUserId: null,
    tokenCount: null,
    tokenCounter: null,
    status: 'complete',
    error: null,
    model: null,
    finishReason: null,
    inputTokens: null,
    outputTokens: null,
    costUsd: null,
    timeToFirstTokenMs: null,
    durationMs: null,
    writerId: null,
    summary: null,
    metadata: {},
    createdAt: now,
    updatedAt: now,
    ...fields,
  };
}
