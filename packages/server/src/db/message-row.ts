import { partsOfText } from '../domain/message-parts.js';
import type { MessageRow } from './schema/index.js';

/**
 * A complete message row with no usage, timings, error or summary, its parts the one text part of
 * `content` unless given: what a message looks like
 * before it is stored (the reply service builds the context with the user's message before
 * writing it) and the usual starting point of a test.
 * @example messageRow({ id, conversationId, ownerId, parentId: null, role: 'user', content: 'Hi' })
 */
export function messageRow(
  fields: Pick<MessageRow, 'id' | 'conversationId' | 'ownerId' | 'parentId' | 'role' | 'content'> &
    Partial<MessageRow>,
): MessageRow {
  const now = new Date();
  return {
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
    parts: partsOfText(fields.content),
    turnId: null,
    speakerAvatarId: null,
    speakerUserId: null,
    tokenCount: null,
    tokenCounter: null,
    tsv: null,
    createdAt: now,
    updatedAt: now,
    ...fields,
  };
}
