import { z } from 'zod';
import { ATTACHMENT_LIMITS } from '../domain/attachment.js';
import type { MessagePart, MessageRole } from '../domain/message-parts.js';
import { assertJsonTextDepth, MAX_JSON_DEPTH } from '../json-depth.js';
import { conversationFileErrors } from './conversation-format-errors.js';
import type { ImportedAttachment } from './exported-attachment.js';
import type { ImportedConversation, ImportedMessage } from './imported-conversation.js';
import { shortReason } from './json-text.js';
import { parseSillyTavernDate } from './sillytavern-date.js';

const when = z.union([z.string(), z.number()]);
// Chub writes a swipe as `{message}`; SillyTavern flattens that on import, and so do we.
const swipeText = z.union([z.string(), z.looseObject({ message: z.string() }).transform((s) => s.message)]);

const headerSchema = z.looseObject({
  user_name: z.string().optional(),
  character_name: z.string().optional(),
  create_date: when.optional(),
  chat_metadata: z.record(z.string(), z.unknown()).optional(),
});

const messageSchema = z.looseObject({
  name: z.string().optional(),
  is_user: z.boolean().optional(),
  is_system: z.boolean().optional(),
  send_date: when.optional(),
  mes: z.string(),
  swipes: z.array(swipeText).optional(),
  swipe_id: z.number().int().nullable().optional(),
  swipe_info: z.array(z.unknown()).nullable().optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
  gen_started: when.optional(),
  gen_finished: when.optional(),
});
type MessageLine = z.infer<typeof messageSchema>;

const swipeInfoSchema = z.looseObject({
  send_date: when.optional(),
  gen_started: when.optional(),
  gen_finished: when.optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
});
type SwipeInfo = z.infer<typeof swipeInfoSchema>;

/** Names SillyTavern writes in the header when the real ones live elsewhere. */
const PLACEHOLDER_NAMES = new Set(['', 'unused']);

/**
 * Reads a SillyTavern chat file (JSONL): an optional header line (`user_name`, `character_name`,
 * `create_date`, `chat_metadata`), then one message per line. SillyTavern chats are a single line
 * of turns whose alternatives are kept as `swipes`; here each swipe becomes a sibling message and
 * the selected one (`swipe_id`) carries the conversation on. Fields with no column here are kept
 * in each message's `metadata.sillyTavern`, the header in the first message's
 * `metadata.importedConversation`.
 *
 * @example parseSillyTavernChat(fs.readFileSync('Seraphina - 2025-09-26@15h04m33s.jsonl', 'utf8'), 'Seraphina - 2025-09-26@15h04m33s.jsonl')
 */
export function parseSillyTavernChat(text: string, fileName: string): ImportedConversation {
  const lines = readLines(text);
  let header: z.infer<typeof headerSchema> | undefined;
  if (lines[0] && !('mes' in lines[0].value) && looksLikeHeader(lines[0].value)) {
    const parsed = headerSchema.safeParse(lines.shift()!.value);
    if (!parsed.success) throw lineInvalid(1, parsed.error);
    header = parsed.data;
  }
  if (lines.length === 0) throw conversationFileErrors.empty('The chat');

  const entries = lines.map(({ number, value }) => {
    const parsed = messageSchema.safeParse(value);
    if (!parsed.success) throw lineInvalid(number, parsed.error);
    return { number, line: parsed.data };
  });

  const characterName =
    realName(header?.character_name) ??
    entries
      .map(({ line }) => (roleOf(line) === 'assistant' ? realName(line.name) : undefined))
      .find(Boolean) ??
    realName(stem(fileName).split(' - ')[0]) ??
    'Imported character';
  const createdAt =
    parseSillyTavernDate(header?.create_date) ??
    entries.map(({ line }) => parseSillyTavernDate(line.send_date)).find((d) => d !== undefined) ??
    new Date();

  const messages: ImportedMessage[] = [];
  const attachments: ImportedAttachment[] = [];
  let parentKey: string | null = null;
  let previousAt = createdAt;
  for (const { number, line } of entries) {
    const { mes, swipes, swipe_id, swipe_info, ...rest } = line;
    const role = roleOf(line);
    const at = parseSillyTavernDate(line.send_date) ?? previousAt;
    const common = {
      parentKey,
      role,
      metadata: {
        source: 'sillytavern',
        ...(realName(line.name) ? { speakerName: line.name } : {}),
      },
    };
    if (!swipes || swipes.length < 2) {
      const key = `line-${number}`;
      const files = attachedFiles(key, line.extra);
      attachments.push(...files.attachments);
      messages.push({
        ...common,
        key,
        content: mes,
        createdAt: at,
        ...generation(line, line.extra, role),
        ...withFiles(withReasoning(mes, line.extra), mes, files.parts),
        metadata: {
          ...common.metadata,
          sillyTavern: { ...rest, extra: files.extra, ...(swipes ? { swipes } : {}) },
        },
      });
      parentKey = key;
      previousAt = at;
      continue;
    }
    const selected = selectedSwipe(swipes, swipe_id, mes);
    // The line's attachments belong to the swipe it shows.
    const files = attachedFiles(`line-${number}`, line.extra);
    attachments.push(...files.attachments);
    for (const [index, swipe] of swipes.entries()) {
      const info = swipeInfo(swipe_info?.[index]);
      const isSelected = index === selected;
      const swipeMeta = {
        swipeIndex: index,
        swipeCount: swipes.length,
        ...(info ? { swipeInfo: info } : {}),
      };
      messages.push({
        ...common,
        key: `line-${number}-swipe-${index}`,
        // `mes` is what SillyTavern shows for the selected swipe (an edit lands there first).
        content: isSelected ? mes : swipe,
        createdAt: parseSillyTavernDate(info?.send_date) ?? at,
        ...generation(isSelected ? line : (info ?? {}), isSelected ? line.extra : info?.extra, role),
        ...(isSelected
          ? withFiles(withReasoning(mes, line.extra), mes, files.parts)
          : withReasoning(swipe, info?.extra)),
        metadata: {
          ...common.metadata,
          sillyTavern: isSelected
            ? { ...rest, extra: files.extra, ...swipeMeta }
            : { name: line.name, is_user: line.is_user, is_system: line.is_system, ...swipeMeta },
        },
      });
    }
    parentKey = `line-${number}-swipe-${selected}`;
    previousAt = at;
  }
  messages[0]!.metadata = {
    ...messages[0]!.metadata,
    importedConversation: { format: 'sillytavern-jsonl', fileName, ...(header ? { header } : {}) },
  };

  const title = stem(fileName);
  return {
    format: 'sillytavern-jsonl',
    title: title && !/^(upload|blob|chat)$/i.test(title) ? title : `Chat with ${characterName}`,
    titleSource: 'auto',
    createdAt,
    avatar: { name: characterName.slice(0, 100) },
    activeLeafKey: parentKey,
    messages,
    ...(attachments.length > 0 ? { attachments } : {}),
  };
}

type FilePart = Extract<MessagePart, { type: 'file' }>;

const IMAGE_DATA_URL = /^data:(image\/(?:png|jpeg|webp|gif));base64,([A-Za-z0-9+/=\s]+)$/;
/** A data URL longer than this cannot hold a picture within the upload limit (base64 is 4/3). */
const MAX_DATA_URL_CHARS = Math.ceil((ATTACHMENT_LIMITS.maxImageBytes * 4) / 3) + 100;

/**
 * What SillyTavern attached to a message, as Lumina attachments: a picture sent inline
 * (`extra.image` as a data URL; a path on a SillyTavern server cannot be read here and stays in
 * the metadata) and documents with their text (`extra.file` / `extra.files`: `{name, text}`),
 * stored as text files. Each is checked like an upload when stored; the file parts name them by
 * a key the importer points at the stored ones. What was taken out of `extra` is not kept twice.
 */
function attachedFiles(
  key: string,
  extra: Record<string, unknown> | undefined,
): { parts: FilePart[]; attachments: ImportedAttachment[]; extra: Record<string, unknown> | undefined } {
  if (!extra) return { parts: [], attachments: [], extra };
  const parts: FilePart[] = [];
  const attachments: ImportedAttachment[] = [];
  const kept: Record<string, unknown> = { ...extra };
  const add = (attachment: Omit<ImportedAttachment, 'url'>, index: number) => {
    const url = `/api/attachments/import-${key}-${index}`;
    attachments.push({ ...attachment, url });
    parts.push({ type: 'file', url, mediaType: attachment.mediaType, name: attachment.name });
  };
  const image =
    typeof extra.image === 'string' && extra.image.length <= MAX_DATA_URL_CHARS
      ? IMAGE_DATA_URL.exec(extra.image)
      : null;
  if (image) {
    const title = typeof extra.title === 'string' && extra.title.trim() ? extra.title.trim() : null;
    const extension = image[1]!.slice('image/'.length).replace('jpeg', 'jpg');
    add(
      {
        name: title ?? `picture.${extension}`,
        mediaType: image[1]!,
        bytes: Buffer.from(image[2]!, 'base64'),
        text: null,
      },
      0,
    );
    delete kept.image;
    delete kept.inline_image;
    delete kept.title;
  }
  const documents = [extra.file, ...(Array.isArray(extra.files) ? extra.files : [])].filter(
    (file): file is { name?: unknown; text: string } =>
      typeof file === 'object' && file !== null && typeof (file as { text?: unknown }).text === 'string',
  );
  const seen = new Set<string>();
  for (const document of documents) {
    const name =
      typeof document.name === 'string' && document.name.trim() ? document.name.trim() : 'document.txt';
    if (seen.has(`${name}\u0000${document.text}`)) continue; // `file` is also the first of `files`
    seen.add(`${name}\u0000${document.text}`);
    const markdown = /\.(md|markdown)$/i.test(name);
    add(
      {
        name,
        mediaType: markdown ? 'text/markdown' : 'text/plain',
        bytes: Buffer.from(document.text, 'utf8'),
        text: document.text,
      },
      parts.length,
    );
  }
  if (documents.length > 0) {
    delete kept.file;
    delete kept.files;
  }
  return { parts, attachments, extra: parts.length > 0 ? kept : extra };
}

/** A message's parts with its attached files after its text (and reasoning). */
function withFiles(
  reasoning: { parts?: MessagePart[] },
  text: string,
  files: FilePart[],
): { parts?: MessagePart[] } {
  if (files.length === 0) return reasoning;
  const before = reasoning.parts ?? (text === '' ? [] : [{ type: 'text' as const, text }]);
  return { parts: [...before, ...files] };
}

/** Parses every non-blank line as a JSON object, with its 1-based line number. */
function readLines(text: string): { number: number; value: Record<string, unknown> }[] {
  const out: { number: number; value: Record<string, unknown> }[] = [];
  const raw = text.replace(/^\uFEFF/, '').split('\n');
  for (const [index, line] of raw.entries()) {
    if (line.trim() === '') continue;
    assertJsonTextDepth(line, MAX_JSON_DEPTH, `line ${index + 1}`);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw conversationFileErrors.badLine(index + 1, shortReason(err instanceof Error ? err.message : ''));
    }
    if (!value || typeof value !== 'object' || Array.isArray(value))
      throw conversationFileErrors.badLine(index + 1, 'expected an object');
    out.push({ number: index + 1, value: value as Record<string, unknown> });
  }
  return out;
}

function looksLikeHeader(value: Record<string, unknown>): boolean {
  return ['chat_metadata', 'user_name', 'character_name', 'create_date'].some((k) => k in value);
}

/**
 * Narrator and other system messages (`extra.type` set, `is_system`) become system messages.
 * A message hidden from the prompt with /hide is also `is_system` but has no type: it keeps its
 * speaker (and `is_system: true` stays in its metadata).
 */
function roleOf(line: MessageLine): MessageRole {
  if (line.is_user) return 'user';
  const type = line.extra?.type;
  if (typeof type === 'string' && (line.is_system || type === 'narrator')) return 'system';
  return 'assistant';
}

/** Model and generation time of a reply, from the message or its swipe's `swipe_info`. */
function generation(
  source: { gen_started?: unknown; gen_finished?: unknown },
  extra: Record<string, unknown> | undefined,
  role: MessageRole,
): Pick<ImportedMessage, 'model' | 'durationMs'> {
  if (role !== 'assistant') return {};
  const model = typeof extra?.model === 'string' && extra.model ? extra.model.slice(0, 300) : null;
  const started = parseSillyTavernDate(source.gen_started);
  const finished = parseSillyTavernDate(source.gen_finished);
  const durationMs = started && finished ? finished.getTime() - started.getTime() : -1;
  return { model, durationMs: durationMs >= 0 && durationMs < 2 ** 31 ? durationMs : null };
}

/**
 * SillyTavern keeps a reply's reasoning (its "thinking" block) in `extra.reasoning`: it becomes a
 * reasoning part before the text. The original stays in the metadata too.
 */
function withReasoning(text: string, extra: Record<string, unknown> | undefined): { parts?: MessagePart[] } {
  const reasoning = extra?.reasoning;
  if (typeof reasoning !== 'string' || reasoning.trim() === '') return {};
  return {
    parts: [
      { type: 'reasoning', text: reasoning },
      ...(text === '' ? [] : [{ type: 'text' as const, text }]),
    ],
  };
}

function selectedSwipe(swipes: string[], swipeId: number | null | undefined, mes: string): number {
  if (typeof swipeId === 'number' && swipeId >= 0 && swipeId < swipes.length) return swipeId;
  const matching = swipes.indexOf(mes);
  return matching >= 0 ? matching : 0;
}

function swipeInfo(value: unknown): SwipeInfo | undefined {
  const parsed = swipeInfoSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

function realName(name: string | undefined): string | undefined {
  const trimmed = name?.trim();
  return trimmed && !PLACEHOLDER_NAMES.has(trimmed) ? trimmed : undefined;
}

/** The file name without folders or extension. */
function stem(fileName: string): string {
  return (fileName.split(/[\\/]/).at(-1) ?? '').replace(/\.(jsonl|json|txt)$/i, '').trim();
}

function lineInvalid(line: number, error: z.ZodError) {
  return conversationFileErrors.invalid(
    `Line ${line} is not a SillyTavern chat message: ${error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || 'line'}: ${i.message}`)
      .join('; ')}`,
    { line },
    error.issues,
  );
}
