import type { MessageError, MessageStatus } from '../db/schema/conversations.js';
import type { ConversationPrompt } from '../domain/conversation-prompt.js';
import type { GenerationSettings } from '../domain/generation-settings.js';
import type { MessagePart, MessageRole } from '../domain/message-parts.js';
import type { ImportedAttachment } from './exported-attachment.js';

/** The formats a conversation file can be read from. */
export type ConversationFileFormat = 'lumina-json' | 'sillytavern-jsonl' | 'chatgpt-json';

/** Largest conversation file accepted (a heavy ChatGPT history export runs to tens of MB). */
export const MAX_CONVERSATION_FILE_BYTES = 50 * 1024 * 1024;
/** Most messages one imported conversation may hold. */
export const MAX_IMPORTED_MESSAGES = 100_000;
/** Longest single message accepted from a file (chat input has its own, smaller limit). */
export const MAX_IMPORTED_MESSAGE_CHARS = 1_000_000;

/** What a file says about the avatar: enough to find it again, or to create a stand-in. */
export interface ImportedAvatar {
  /** The avatar's id on the server that exported it (Lumina JSON only). */
  id?: string | undefined;
  name: string;
  nickname?: string | null | undefined;
  description?: string | undefined;
  persona?: string | undefined;
  traits?: string[] | undefined;
  backstory?: string | undefined;
  scenario?: string | undefined;
  greeting?: string | undefined;
  alternateGreetings?: string[] | undefined;
  exampleDialogue?: string | undefined;
  tags?: string[] | undefined;
}

/**
 * One message as a codec read it. `key` and `parentKey` are ids local to the file; the importer
 * gives every message a fresh UUIDv7.
 */
export interface ImportedMessage {
  key: string;
  parentKey: string | null;
  role: MessageRole;
  content: string;
  /**
   * The message in parts, when the source has more than its text (reasoning, tool calls, files):
   * then these are stored and `content` becomes the text of their text parts.
   */
  parts?: MessagePart[] | undefined;
  status?: MessageStatus | undefined;
  error?: MessageError | null | undefined;
  model?: string | null | undefined;
  finishReason?: string | null | undefined;
  inputTokens?: number | null | undefined;
  outputTokens?: number | null | undefined;
  costUsd?: number | null | undefined;
  timeToFirstTokenMs?: number | null | undefined;
  durationMs?: number | null | undefined;
  summary?: string | null | undefined;
  /** Whatever the source had that no column holds. */
  metadata?: Record<string, unknown> | undefined;
  createdAt: Date;
}

/** One conversation read from a file, ready to be planned and stored. */
export interface ImportedConversation {
  format: ConversationFileFormat;
  title: string;
  titleSource?: 'auto' | 'user' | undefined;
  tags?: string[] | undefined;
  pinned?: boolean | undefined;
  archived?: boolean | undefined;
  model?: string | null | undefined;
  /** The conversation's own system prompt and author's note (Lumina JSON). */
  prompt?: Pick<ConversationPrompt, 'systemPrompt' | 'authorsNote'> | undefined;
  /** Sampling settings that override the avatar's in this conversation (Lumina JSON). */
  generation?: GenerationSettings | undefined;
  createdAt: Date;
  avatar: ImportedAvatar;
  /** The last message of the branch that was showing; null: the newest leaf. */
  activeLeafKey: string | null;
  messages: ImportedMessage[];
  /**
   * Files the messages' file parts name, carried in the file (Lumina JSON): stored anew for the
   * importer, and the parts pointed at them.
   */
  attachments?: ImportedAttachment[] | undefined;
}
