import type { MessageRow } from '../db/schema/index.js';
import { type MessagePart, textOfParts } from '../domain/message-parts.js';
import { dataUrl, type ExportedAttachments, filePartsOf } from './exported-attachment.js';

/** What a message line is written from (a stored message row has all of it). */
export type SillyTavernExportMessage = Pick<
  MessageRow,
  'id' | 'role' | 'content' | 'model' | 'durationMs' | 'metadata' | 'createdAt' | 'speakerAvatarId'
> & { parts?: MessagePart[] | null | undefined };

/**
 * One line of the chat: the message shown on the branch and, for a reply, every reply to the same
 * message in sibling order (it among them). SillyTavern keeps the other answers as swipes.
 */
export interface SillyTavernExportTurn {
  shown: SillyTavernExportMessage;
  /** The shown message and its alternatives, oldest first; empty or one: no swipes. */
  swipes?: SillyTavernExportMessage[] | undefined;
  /** The attachments these messages name, by url (read only for lines that have some). */
  attachments?: ExportedAttachments | undefined;
}

export interface SillyTavernExportNames {
  /** The user's display name (header `user_name`, and the `name` of their messages). */
  userName: string;
  /** The avatar's name (header `character_name`, and the `name` of its replies). */
  characterName: string;
  /** Names of the other avatars that speak in the conversation, by avatar id. */
  speakers?: ReadonlyMap<string, string> | undefined;
}

export interface SillyTavernHeaderInput extends SillyTavernExportNames {
  createdAt: Date;
  /** SillyTavern's per-chat settings, when the conversation came from a SillyTavern chat. */
  chatMetadata?: Record<string, unknown> | undefined;
}

type Line = Record<string, unknown>;

/**
 * A conversation as a SillyTavern chat file (JSON lines), produced one line at a time so a long
 * conversation is never held as one string: the header (`user_name`, `character_name`,
 * `create_date`, `chat_metadata`), then one line per message of the visible branch. The other
 * replies to the same message become the line's `swipes`, with `swipe_id` on the one shown and
 * a `swipe_info` entry (time, generation time, model, reasoning) per swipe. Tool messages have no
 * SillyTavern counterpart and are left out; a reply's tool calls are not written; attachments
 * become `extra.image` and `extra.file` (attachmentExtra).
 *
 * @example for await (const line of toSillyTavernJsonl(header, turns)) stream.write(line)
 */
export async function* toSillyTavernJsonl(
  header: SillyTavernHeaderInput,
  turns: AsyncIterable<SillyTavernExportTurn> | Iterable<SillyTavernExportTurn>,
): AsyncGenerator<string> {
  yield `${JSON.stringify(sillyTavernHeader(header))}\n`;
  for await (const turn of turns) {
    const line = sillyTavernMessageLine(turn, header);
    if (line) yield `${JSON.stringify(line)}\n`;
  }
}

/** The header line as SillyTavern writes it. */
export function sillyTavernHeader(input: SillyTavernHeaderInput): Line {
  return {
    user_name: input.userName,
    character_name: input.characterName,
    create_date: sillyTavernDate(input.createdAt),
    chat_metadata: input.chatMetadata ?? {},
  };
}

/** One message line, or undefined for a message SillyTavern has no place for (a tool message). */
export function sillyTavernMessageLine(
  turn: SillyTavernExportTurn,
  names: SillyTavernExportNames,
): Line | undefined {
  const { shown } = turn;
  if (shown.role === 'tool') return undefined;
  const own = describe(shown, turn.attachments);
  const line: Line = {
    name: speakerName(shown, names),
    is_user: shown.role === 'user',
    is_system: false,
    send_date: own.send_date,
    mes: own.text,
    extra: own.extra,
    ...own.generation,
  };
  const swipes = (turn.swipes ?? []).filter((m) => m.role === shown.role);
  const selected = swipes.findIndex((m) => m.id === shown.id);
  if (shown.role !== 'assistant' || swipes.length < 2 || selected < 0) return line;
  const described = swipes.map((swipe, index) =>
    index === selected ? own : describe(swipe, turn.attachments),
  );
  return {
    ...line,
    swipe_id: selected,
    swipes: described.map((swipe) => swipe.text),
    swipe_info: described.map((swipe) => ({
      send_date: swipe.send_date,
      ...swipe.generation,
      extra: swipe.extra,
    })),
  };
}

/** The parts of a line that differ between swipes. */
function describe(message: SillyTavernExportMessage, attachments: ExportedAttachments | undefined) {
  const parts = message.parts ?? [];
  const text = parts.length > 0 ? textOfParts(parts) : message.content;
  const reasoning = parts
    .flatMap((part) => (part.type === 'reasoning' && part.text.trim() !== '' ? [part.text] : []))
    .join('\n\n');
  const extra: Line = {};
  if (message.role === 'system') extra.type = 'narrator';
  if (message.role === 'assistant' && message.model) extra.model = message.model;
  if (reasoning) extra.reasoning = reasoning;
  Object.assign(extra, attachmentExtra(message.parts, attachments));
  const generation: Line = {};
  if (message.role === 'assistant' && message.durationMs !== null && message.durationMs >= 0) {
    generation.gen_started = message.createdAt.toISOString();
    generation.gen_finished = new Date(message.createdAt.getTime() + message.durationMs).toISOString();
  }
  return { text, extra, generation, send_date: sillyTavernDate(message.createdAt) };
}

/**
 * A message's attachments as SillyTavern keeps them: its first picture as `extra.image`, a data
 * URL (SillyTavern shows it and, with `inline_image`, sends it to a vision model), and its first
 * document as `extra.file` `{name, size, text}`, the form whose text SillyTavern reads without
 * a file on its server (later documents in `extra.files`, as newer SillyTavern versions list
 * them). SillyTavern holds one picture per message: further pictures are left out, and so is a
 * file whose bytes were not found.
 */
function attachmentExtra(
  parts: MessagePart[] | null | undefined,
  attachments: ExportedAttachments | undefined,
): Line {
  const extra: Line = {};
  const documents: Line[] = [];
  for (const part of filePartsOf(parts)) {
    const file = attachments?.get(part.url);
    if (!file) continue;
    if (part.mediaType.startsWith('image/')) {
      if (extra.image === undefined) {
        extra.image = dataUrl(file);
        extra.inline_image = true;
        extra.title = part.name ?? file.name;
      }
    } else {
      documents.push({ name: part.name ?? file.name, size: file.sizeBytes, text: file.text ?? '' });
    }
  }
  if (documents.length > 0) extra.file = documents[0];
  if (documents.length > 1) extra.files = documents;
  return extra;
}

/**
 * Who a line is from: the speaker an import recorded (a SillyTavern narrator or group member),
 * else the avatar that spoke it, else the user's or the conversation's avatar's name.
 */
function speakerName(message: SillyTavernExportMessage, names: SillyTavernExportNames): string {
  const recorded = message.metadata.speakerName;
  if (typeof recorded === 'string' && recorded.trim()) return recorded.trim();
  if (message.role === 'user') return names.userName;
  if (message.role === 'system') return 'System';
  const speaker = message.speakerAvatarId ? names.speakers?.get(message.speakerAvatarId) : undefined;
  return speaker || names.characterName;
}

/**
 * `2025-09-26@15h04m33s123ms`: SillyTavern's "humanized" date, which it writes for chats (and has
 * written for messages) and every version of it reads, as UTC — so it is written in UTC here. The
 * milliseconds are read back by Lumina (SillyTavern's display ignores them). Messages' ISO dates
 * (what current SillyTavern writes) are not read by SillyTavern releases before late 2024.
 *
 * @example sillyTavernDate(new Date('2024-01-02T03:04:05.006Z')) // '2024-01-02@03h04m05s006ms'
 */
export function sillyTavernDate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getUTCFullYear()}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}` +
    `@${two(date.getUTCHours())}h${two(date.getUTCMinutes())}m${two(date.getUTCSeconds())}s` +
    `${String(date.getUTCMilliseconds()).padStart(3, '0')}ms`
  );
}
