import type { MessagePart, MessageRole, MessageStatus } from './message-parts.js';

export { MESSAGE_ROLES, MESSAGE_STATUSES, type MessageRole, type MessageStatus } from './message-parts.js';

/**
 * How a reply that did not complete ended, as stored and streamed. `code` is one of
 * domain/error-codes.ts for everything this server writes; rows from older versions or imports
 * may hold other codes, so readers take it as a string.
 */
export interface MessageError {
  code: string;
  message: string;
}

/**
 * One message of a conversation tree, as the product sees it (the `messages` row satisfies this
 * structurally; repositories hand rows out as it). Siblings share a parent and sort by id
 * (UUIDv7). `summary` is a running summary of the branch from the root through this message.
 */
export interface Message {
  id: string;
  conversationId: string;
  ownerId: string;
  parentId: string | null;
  role: MessageRole;
  /** The text parts joined: what search, previews and plain-text readers use. */
  content: string;
  /** The message in order: text, reasoning, tool calls and results, files. */
  parts: MessagePart[];
  /** The turn: the id of the user message that opened it (a root opens its own); null before turns. */
  turnId: string | null;
  /** Who speaks it: an avatar (replies) or a person (user messages); both null for system text. */
  speakerAvatarId: string | null;
  speakerUserId: string | null;
  /** Prompt tokens of this message as `tokenCounter` counts them. */
  tokenCount: number | null;
  tokenCounter: string | null;
  status: MessageStatus;
  error: MessageError | null;
  model: string | null;
  finishReason: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
  timeToFirstTokenMs: number | null;
  durationMs: number | null;
  /** The server instance writing a `streaming` reply (crash recovery checks whether it lives). */
  writerId: string | null;
  summary: string | null;
  /** Anything an import brought that has no field (SillyTavern swipes, ChatGPT metadata …). */
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

/** A message to store: what the writer decides; the database fills in the rest. */
export type NewMessage = Pick<Message, 'conversationId' | 'ownerId' | 'parentId' | 'role'> &
  Partial<Omit<Message, 'conversationId' | 'ownerId' | 'parentId' | 'role'>>;
