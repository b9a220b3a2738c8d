import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { NewMessageRow } from '../db/schema/index.js';
import { type MessagePart, textOfParts } from '../domain/message-parts.js';
import { conversationFileErrors } from './conversation-format-errors.js';
import {
  type ImportedConversation,
  type ImportedMessage,
  MAX_IMPORTED_MESSAGE_CHARS,
  MAX_IMPORTED_MESSAGES,
} from './imported-conversation.js';
import { orderParentsFirst } from './tree-order.js';

/** A message with its fresh id, in the shape the messages table takes (owner and conversation added on insert). */
export type PlannedMessage = Omit<NewMessageRow, 'conversationId' | 'ownerId'> & {
  id: string;
  parentId: string | null;
  createdAt: Date;
};

export interface ImportPlan {
  /** Parents before children; siblings in the file's order, so their new ids sort the same way. */
  messages: PlannedMessage[];
  activeLeafId: string;
  lastMessageAt: Date;
}

/**
 * Checks that an imported conversation's messages form a tree (no repeated ids, no parent missing
 * from the file, no loops), puts parents before children and gives every message a fresh UUIDv7.
 * Runs before anything is written, so a bad file never leaves half a conversation behind.
 *
 * @example const plan = planConversationImport(parseLuminaJson(value)); // plan.messages[0].parentId === null
 */
export function planConversationImport(
  conversation: ImportedConversation,
  newId: () => string = idSequence(conversation.messages.length),
): ImportPlan {
  const { messages } = conversation;
  if (messages.length === 0) throw conversationFileErrors.empty('The conversation');
  if (messages.length > MAX_IMPORTED_MESSAGES)
    throw conversationFileErrors.tooManyMessages(messages.length, MAX_IMPORTED_MESSAGES);

  const byKey = new Map<string, ImportedMessage>();
  for (const message of messages) {
    if (byKey.has(message.key)) throw conversationFileErrors.treeInvalid('duplicate_id', message.key);
    byKey.set(message.key, message);
    // A message in parts counts its whole stored form (tool inputs and outputs are text too).
    if (sizeOf(message) > MAX_IMPORTED_MESSAGE_CHARS) {
      throw conversationFileErrors.invalid(
        `Message ${message.key} is longer than ${MAX_IMPORTED_MESSAGE_CHARS} characters`,
        { messageId: message.key, limit: MAX_IMPORTED_MESSAGE_CHARS },
      );
    }
  }
  for (const message of messages) {
    if (message.parentKey !== null && !byKey.has(message.parentKey))
      throw conversationFileErrors.treeInvalid('dangling_parent', message.key);
  }
  const { ordered, unreachable } = orderParentsFirst(
    messages,
    (m) => m.key,
    (m) => m.parentKey,
  );
  // Every parent exists, so a message no root reaches has a loop above it.
  if (unreachable.length > 0) throw conversationFileErrors.treeInvalid('cycle', unreachable[0]!.key);

  const idOf = new Map<string, string>();
  for (const message of ordered) idOf.set(message.key, newId());
  const planned = ordered.map((m) => toPlanned(m, idOf));

  let activeKey = conversation.activeLeafKey;
  if (activeKey !== null && !byKey.has(activeKey))
    throw conversationFileErrors.treeInvalid('active_leaf_unknown', activeKey);
  activeKey ??= newestLeaf(ordered);

  let lastMessageAt = planned[0]!.createdAt;
  for (const m of planned) if (m.createdAt > lastMessageAt) lastMessageAt = m.createdAt;
  return { messages: planned, activeLeafId: idOf.get(activeKey)!, lastMessageAt };
}

/**
 * `count` UUIDv7s that increase in the order they are taken (one millisecond, a counter from a
 * random start), from one random draw: drawing per id costs ~45 µs each, seconds for a big import.
 */
export function idSequence(count: number): () => string {
  const random = randomBytes(16 * count + 4);
  const msecs = Date.now();
  // 31 random bits, so counting up through any import stays below 2^32 (no wrap, no carry).
  let seq = random.readUInt32BE(16 * count) >>> 1;
  let taken = 0;
  return () => {
    const bytes = taken < count ? random.subarray(16 * taken, 16 * taken + 16) : randomBytes(16);
    taken++;
    return uuidv7({ random: bytes, msecs, seq: seq++ });
  };
}

/** From the newest root, the newest child at every step: what a fresh view of the tree shows. */
function newestLeaf(ordered: ImportedMessage[]): string {
  const lastChild = new Map<string | null, string>();
  for (const m of ordered) lastChild.set(m.parentKey, m.key);
  let key = lastChild.get(null)!;
  for (let next = lastChild.get(key); next !== undefined; next = lastChild.get(key)) key = next;
  return key;
}

function toPlanned(m: ImportedMessage, idOf: Map<string, string>): PlannedMessage {
  return {
    id: idOf.get(m.key)!,
    parentId: m.parentKey === null ? null : idOf.get(m.parentKey)!,
    role: m.role,
    ...(m.parts ? storableParts(m.key, m.parts) : { content: withoutNul(m.content) }),
    // Nothing is writing an imported reply, so one left mid-stream can only be interrupted.
    status: m.status === 'streaming' ? 'interrupted' : (m.status ?? 'complete'),
    error: m.error ? { code: withoutNul(m.error.code), message: withoutNul(m.error.message) } : null,
    model: nullableText(m.model),
    finishReason: nullableText(m.finishReason),
    inputTokens: m.inputTokens ?? null,
    outputTokens: m.outputTokens ?? null,
    costUsd: m.costUsd ?? null,
    timeToFirstTokenMs: m.timeToFirstTokenMs ?? null,
    durationMs: m.durationMs ?? null,
    summary: nullableText(m.summary),
    metadata: storableMetadata(m.key, m.metadata ?? {}),
    createdAt: m.createdAt,
  };
}

const nullableText = (value: string | null | undefined) => (value == null ? null : withoutNul(value));

// PostgreSQL text and jsonb cannot hold U+0000; files sometimes do.
const withoutNul = (text: string) => (text.includes('\u0000') ? text.replaceAll('\u0000', '') : text);

function sizeOf(message: ImportedMessage): number {
  if (!message.parts) return message.content.length;
  try {
    return JSON.stringify(message.parts).length;
  } catch {
    return 0; // nested past what JSON can write: storableParts refuses it in those words
  }
}

/** Parts as they will be stored (without U+0000), with their text as `content`. */
function storableParts(key: string, parts: MessagePart[]): { parts: MessagePart[]; content: string } {
  const stored = storableMetadata(key, { parts }).parts as MessagePart[];
  return { parts: stored, content: textOfParts(stored) };
}

/** Metadata as it will be stored: serialisable, without U+0000 (checked once, through JSON). */
function storableMetadata(key: string, metadata: Record<string, unknown>): Record<string, unknown> {
  let json: string;
  try {
    json = JSON.stringify(metadata);
  } catch {
    throw conversationFileErrors.invalid(`The metadata of message ${key} is nested too deeply`, {
      messageId: key,
    });
  }
  if (!json.includes('\\u0000')) return metadata;
  return JSON.parse(json, (_key, value: unknown) => {
    if (typeof value === 'string') return withoutNul(value);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutNul(k), v]));
    }
    return value;
  }) as Record<string, unknown>;
}
