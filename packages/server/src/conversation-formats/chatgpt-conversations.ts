import { z } from 'zod';
import { AppError } from '../errors.js';
import { conversationFileErrors } from './conversation-format-errors.js';
import type { ImportedConversation, ImportedMessage } from './imported-conversation.js';

const seconds = z.number().nullable().optional();

const messageSchema = z.looseObject({
  id: z.string().optional(),
  author: z.looseObject({ role: z.string(), name: z.string().nullable().optional() }),
  create_time: seconds,
  content: z.looseObject({
    content_type: z.string(),
    parts: z.array(z.unknown()).nullable().optional(),
    text: z.string().nullable().optional(),
    language: z.string().nullable().optional(),
  }),
  status: z.string().nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  recipient: z.string().nullable().optional(),
});
type ChatGptMessage = z.infer<typeof messageSchema>;

const nodeSchema = z.looseObject({
  parent: z.string().nullable().optional(),
  children: z.array(z.string()).nullable().optional(),
  message: messageSchema.nullable().optional(),
});
type ChatGptNode = z.infer<typeof nodeSchema>;

const conversationSchema = z.looseObject({
  title: z.string().nullable().optional(),
  create_time: seconds,
  mapping: z.record(z.string(), nodeSchema),
  current_node: z.string().nullable().optional(),
  is_archived: z.boolean().nullable().optional(),
});

export type ChatGptImport =
  | { ok: true; conversation: ImportedConversation }
  | { ok: false; title?: string | undefined; error: AppError };

/**
 * Reads a ChatGPT data export's `conversations.json` (an array of conversations; a single
 * conversation object is accepted too). Each conversation's `mapping` is a real tree: it stays one,
 * `current_node` becomes the active branch. Nodes that are not part of the visible conversation
 * (the empty root, hidden system context, custom instructions, tool calls and their output, model
 * thoughts) are left out and their children hang from the nearest message kept. One result per
 * conversation, so one broken conversation does not stop the others.
 *
 * @example parseChatGptExport(JSON.parse(fs.readFileSync('conversations.json', 'utf8')))
 */
export function parseChatGptExport(value: unknown): ChatGptImport[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((item, index) => {
    const title = typeof item?.title === 'string' ? item.title : undefined;
    try {
      return { ok: true, conversation: parseConversation(item, index) };
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const details = { ...err.details, conversationIndex: index };
      return { ok: false, title, error: new AppError(err.status, err.code, err.message, details) };
    }
  });
}

/** Whether a parsed JSON value looks like a ChatGPT export (one conversation, or a list of them). */
export function isChatGptExport(value: unknown): boolean {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'object' && first !== null && 'mapping' in first;
}

function parseConversation(value: unknown, index: number): ImportedConversation {
  const parsed = conversationSchema.safeParse(value);
  if (!parsed.success) {
    throw conversationFileErrors.invalid(
      `Conversation ${index + 1} is not a ChatGPT conversation`,
      {},
      parsed.error.issues,
    );
  }
  const { mapping, title, create_time, current_node, is_archived, ...rest } = parsed.data;
  checkTree(mapping);

  const conversationAt = fromSeconds(create_time);
  const messages: ImportedMessage[] = [];
  const keptParent = new Map<string, string | null>(); // node → nearest kept node at or above it
  const timeOf = new Map<string, Date>();
  const children = childrenOf(mapping);
  // Depth-first from the roots, so siblings keep their order and a skipped node's children move up.
  // `reasoning`: the model's thoughts left out above, for the next reply kept below them.
  const stack = [...(children.get(null) ?? [])]
    .reverse()
    .map((key) => ({ key, parent: null as string | null, reasoning: '' }));
  while (stack.length > 0) {
    const { key, parent, reasoning: above } = stack.pop()!;
    const message = mapping[key]!.message;
    const content = message ? visibleContent(message) : undefined;
    let here = parent;
    let reasoning = above;
    if (message && content) {
      const createdAt =
        fromSeconds(message.create_time) ??
        (parent ? timeOf.get(parent) : undefined) ??
        conversationAt ??
        new Date();
      const imported = toImported(key, parent, message, content, createdAt);
      if (reasoning && imported.role === 'assistant')
        imported.parts = [
          { type: 'reasoning', text: reasoning },
          ...(imported.content ? [{ type: 'text' as const, text: imported.content }] : []),
        ];
      messages.push(imported);
      timeOf.set(key, createdAt);
      here = key;
      reasoning = '';
    } else if (message) {
      const thought = thoughtsOf(message);
      if (thought) reasoning = reasoning ? `${reasoning}\n\n${thought}` : thought;
    }
    keptParent.set(key, here);
    for (const child of [...(children.get(key) ?? [])].reverse())
      stack.push({ key: child, parent: here, reasoning });
  }
  if (messages.length === 0) throw conversationFileErrors.empty(`Conversation “${title ?? index + 1}”`);

  messages[0]!.metadata = {
    ...messages[0]!.metadata,
    importedConversation: { format: 'chatgpt-json', title, create_time, current_node, is_archived, ...rest },
  };
  return {
    format: 'chatgpt-json',
    title: title?.trim() || 'ChatGPT conversation',
    titleSource: 'user',
    archived: is_archived === true,
    createdAt: conversationAt ?? messages[0]!.createdAt,
    avatar: { name: 'ChatGPT' },
    activeLeafKey: (current_node && keptParent.get(current_node)) ?? null,
    messages,
  };
}

/** Every parent must be in the mapping and no node may be its own ancestor. */
function checkTree(mapping: Record<string, ChatGptNode>): void {
  const state = new Map<string, 'walking' | 'done'>();
  for (const start of Object.keys(mapping)) {
    const path: string[] = [];
    let key: string | null = start;
    while (key !== null && !state.has(key)) {
      state.set(key, 'walking');
      path.push(key);
      const parent: string | null = mapping[key]!.parent ?? null;
      if (parent !== null && !Object.hasOwn(mapping, parent))
        throw conversationFileErrors.treeInvalid('dangling_parent', key);
      key = parent;
    }
    if (key !== null && state.get(key) === 'walking') throw conversationFileErrors.treeInvalid('cycle', key);
    for (const done of path) state.set(done, 'done');
  }
}

/** Children by parent (null: the roots), in the order the parent lists them, then by time. */
function childrenOf(mapping: Record<string, ChatGptNode>): Map<string | null, string[]> {
  const byParent = new Map<string | null, string[]>();
  for (const [key, node] of Object.entries(mapping)) {
    const parent = node.parent ?? null;
    const list = byParent.get(parent);
    if (list) list.push(key);
    else byParent.set(parent, [key]);
  }
  for (const [parent, list] of byParent) {
    const listed = parent === null ? [] : (mapping[parent]!.children ?? []);
    const rank = (key: string) => {
      const at = listed.indexOf(key);
      return at < 0 ? Number.MAX_SAFE_INTEGER : at;
    };
    const time = (key: string) => mapping[key]!.message?.create_time ?? Number.MAX_SAFE_INTEGER;
    list.sort((a, b) => rank(a) - rank(b) || time(a) - time(b));
  }
  return byParent;
}

interface VisibleContent {
  text: string;
  /** Non-text parts (image and audio pointers), kept in metadata. */
  assets: unknown[];
}

/** The text a person saw for this message, or undefined when it is not part of the conversation. */
function visibleContent(message: ChatGptMessage): VisibleContent | undefined {
  const role = message.author.role;
  if (role !== 'user' && role !== 'assistant' && role !== 'system') return undefined; // tool output
  if (message.metadata?.is_visually_hidden_from_conversation === true) return undefined;
  if (role === 'assistant' && message.recipient && message.recipient !== 'all') return undefined; // a tool call
  const { content } = message;
  let result: VisibleContent;
  switch (content.content_type) {
    case 'text':
      result = { text: textParts(content.parts ?? []).join('\n'), assets: [] };
      break;
    case 'multimodal_text': {
      const assets = (content.parts ?? []).filter((p) => typeof p !== 'string' && !transcript(p));
      const images = assets.filter((p) =>
        /image/.test(String((p as { content_type?: unknown }).content_type)),
      );
      result = {
        text: [...images.map(() => '[image]'), ...textParts(content.parts ?? [])].join('\n'),
        assets,
      };
      break;
    }
    case 'code': {
      const code = content.text ?? '';
      const fence = '`'.repeat(Math.max(3, ...(code.match(/`+/g) ?? []).map((r) => r.length + 1)));
      result = {
        text: code.trim() ? `${fence}${content.language ?? ''}\n${code}\n${fence}` : '',
        assets: [],
      };
      break;
    }
    default:
      return undefined; // thoughts, reasoning recaps, custom instructions, browsing displays …
  }
  return result.text.trim() || result.assets.length > 0 ? result : undefined;
}

/**
 * The text of a `thoughts` message (what reasoning models show folded as "Thought for …"): each
 * thought's content, or its summary when it has none. Undefined for any other message.
 */
function thoughtsOf(message: ChatGptMessage): string | undefined {
  if (message.content.content_type !== 'thoughts') return undefined;
  const thoughts = (message.content as { thoughts?: unknown }).thoughts;
  if (!Array.isArray(thoughts)) return undefined;
  const texts = thoughts.flatMap((thought) => {
    const { content, summary } = (thought ?? {}) as { content?: unknown; summary?: unknown };
    const text = typeof content === 'string' && content.trim() ? content : summary;
    return typeof text === 'string' && text.trim() ? [text] : [];
  });
  return texts.length > 0 ? texts.join('\n\n') : undefined;
}

/** Strings, and the text of audio transcriptions, in order. */
function textParts(parts: unknown[]): string[] {
  return parts.flatMap((p) => (typeof p === 'string' ? [p] : transcript(p) ? [transcript(p)!] : []));
}

function transcript(part: unknown): string | undefined {
  const p = part as { content_type?: unknown; text?: unknown } | null;
  return p?.content_type === 'audio_transcription' && typeof p.text === 'string' ? p.text : undefined;
}

function toImported(
  key: string,
  parentKey: string | null,
  message: ChatGptMessage,
  content: VisibleContent,
  createdAt: Date,
): ImportedMessage {
  const role = message.author.role as ImportedMessage['role'];
  const meta = message.metadata ?? {};
  const finish = (meta.finish_details as { type?: unknown } | undefined)?.type;
  const { content: raw, ...rest } = message;
  const { parts: _parts, text: _text, ...contentInfo } = raw;
  return {
    key,
    parentKey,
    role,
    content: content.text,
    status:
      message.status === 'in_progress' ? 'interrupted' : finish === 'interrupted' ? 'cancelled' : 'complete',
    model: role === 'assistant' && typeof meta.model_slug === 'string' ? meta.model_slug : null,
    finishReason:
      role !== 'assistant' || typeof finish !== 'string'
        ? null
        : finish === 'max_tokens'
          ? 'length'
          : finish === 'stop'
            ? 'stop'
            : finish,
    createdAt,
    metadata: {
      source: 'chatgpt',
      chatgpt: {
        nodeId: key,
        ...rest,
        content: contentInfo,
        ...(content.assets.length > 0 ? { assets: content.assets } : {}),
      },
    },
  };
}

function fromSeconds(value: number | null | undefined): Date | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  const date = new Date(value * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
