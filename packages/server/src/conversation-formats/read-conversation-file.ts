import type { AppError } from '../errors.js';
import { jsonTextDepth, MAX_JSON_DEPTH } from '../json-depth.js';
import { isChatGptExport, parseChatGptExport } from './chatgpt-conversations.js';
import { conversationFileErrors } from './conversation-format-errors.js';
import {
  type ConversationFileFormat,
  type ImportedConversation,
  MAX_CONVERSATION_FILE_BYTES,
} from './imported-conversation.js';
import { parseJsonText } from './json-text.js';
import { LUMINA_CONVERSATION_FORMAT, parseLuminaJson } from './lumina-json.js';
import { parseSillyTavernChat } from './sillytavern-chat.js';

export type ConversationFileEntry =
  | { ok: true; conversation: ImportedConversation }
  | { ok: false; title?: string | undefined; error: AppError };

export interface ConversationFile {
  format: ConversationFileFormat;
  /** One entry per conversation in the file (a ChatGPT export holds many). */
  conversations: ConversationFileEntry[];
}

/**
 * Reads a conversation file of any supported format, recognised by its content (the name is
 * only a hint): a Lumina JSON file, a SillyTavern chat (JSONL) or a ChatGPT `conversations.json`.
 * Throws an AppError for a file that cannot be read at all.
 *
 * @example readConversationFile(bytes, 'conversations.json').conversations.length // one per chat
 */
export function readConversationFile(bytes: Buffer, fileName: string): ConversationFile {
  if (bytes.length > MAX_CONVERSATION_FILE_BYTES)
    throw conversationFileErrors.tooLarge(MAX_CONVERSATION_FILE_BYTES, bytes.length);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw conversationFileErrors.unsupported('it is not UTF-8 text');
  }
  const start = text.trimStart();
  if (start === '') throw conversationFileErrors.empty();

  if (start.startsWith('[')) {
    const value = parseJsonText(text);
    if (Array.isArray(value) && value.length === 0) throw conversationFileErrors.empty();
    if (isChatGptExport(value)) return { format: 'chatgpt-json', conversations: parseChatGptExport(value) };
    throw conversationFileErrors.unsupported('a JSON list, but not of ChatGPT conversations');
  }
  if (!start.startsWith('{')) throw conversationFileErrors.unsupported('it does not start with JSON');

  const whole = tryJson(text);
  if (whole.ok) {
    const value = whole.value as Record<string, unknown>;
    if (value.format === LUMINA_CONVERSATION_FORMAT) return single('lumina-json', parseLuminaJson(value));
    if (isChatGptExport(value)) return { format: 'chatgpt-json', conversations: parseChatGptExport(value) };
    if (!isSillyTavernLine(value))
      throw conversationFileErrors.unsupported('a JSON object of no known conversation format');
  } else if (!isSillyTavernLine(tryJson(firstLine(start)).value) && !/\.jsonl$/i.test(fileName)) {
    // Neither one JSON document nor JSON lines: report where the JSON breaks.
    parseJsonText(text);
  }
  return single('sillytavern-jsonl', parseSillyTavernChat(text, fileName));
}

function single(format: ConversationFileFormat, conversation: ImportedConversation): ConversationFile {
  return { format, conversations: [{ ok: true, conversation }] };
}

/**
 * Too deep counts as "not one JSON document" here, unparsed: the caller then reads the file as
 * JSON lines (each line checked on its own) or reports json_too_deep through parseJsonText.
 */
function tryJson(text: string): { ok: boolean; value?: unknown } {
  if (jsonTextDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]!;
}

/** A SillyTavern chat's header line or one of its message lines. */
function isSillyTavernLine(value: unknown): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  return ['mes', 'chat_metadata', 'user_name', 'character_name', 'create_date'].some((k) => k in value);
}
