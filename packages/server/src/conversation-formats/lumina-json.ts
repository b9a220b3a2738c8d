import { z } from 'zod';
import type { ConversationRow, MessageRow } from '../db/schema/index.js';
import { ATTACHMENT_LIMITS } from '../domain/attachment.js';
import { conversationPromptSchema, readConversationPrompt } from '../domain/conversation-prompt.js';
import { type GenerationSettings, readGenerationSettings } from '../domain/generation-settings.js';
import { MESSAGE_ROLES, MESSAGE_STATUSES, messagePartSchema } from '../domain/message-parts.js';
import { conversationFileErrors } from './conversation-format-errors.js';
import type { ExportedAttachment } from './exported-attachment.js';
import type { ImportedAvatar, ImportedConversation } from './imported-conversation.js';
import { orderParentsFirst } from './tree-order.js';

export const LUMINA_CONVERSATION_FORMAT = 'lumina-conversation';

const text = z.string();
const count = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);
const datetime = z.iso.datetime({ offset: true });

const avatarSchema = z.object({
  id: z.string().max(100).optional(),
  name: z.string().trim().min(1).max(100),
  nickname: z.string().max(100).nullable().optional(),
  description: text.optional(),
  persona: text.optional(),
  traits: z.array(text.max(60)).max(40).optional(),
  backstory: text.optional(),
  scenario: text.optional(),
  greeting: text.optional(),
  alternateGreetings: z.array(text).max(100).optional(),
  exampleDialogue: text.optional(),
  tags: z.array(text.max(40)).max(40).optional(),
});

const messageSchema = z.object({
  id: z.string().min(1).max(200),
  parentId: z.string().min(1).max(200).nullable(),
  role: z.enum(MESSAGE_ROLES),
  /** The text of the text parts; what files written before parts existed carry alone. */
  content: text,
  /** The message in order (text, reasoning, tool calls and results, files); wins over `content`. */
  parts: z.array(messagePartSchema).max(10_000).optional(),
  status: z.enum(MESSAGE_STATUSES).default('complete'),
  error: z.object({ code: z.string(), message: z.string() }).nullable().default(null),
  model: z.string().nullable().default(null),
  finishReason: z.string().nullable().default(null),
  usage: z
    .object({
      inputTokens: count.nullable(),
      outputTokens: count.nullable(),
      costUsd: z.number().min(0).max(999_999).nullable(),
    })
    .partial()
    .nullable()
    .default(null),
  timings: z
    .object({ timeToFirstTokenMs: count.nullable(), durationMs: count.nullable() })
    .partial()
    .nullable()
    .default(null),
  metadata: z.record(z.string(), z.unknown()).default({}),
  summary: z.string().nullable().default(null),
  createdAt: datetime,
});

/** Most attachments one file may carry (the file's own size limit bounds their bytes). */
export const MAX_FILE_ATTACHMENTS = 1000;
const largestAttachment = Math.max(ATTACHMENT_LIMITS.maxImageBytes, ATTACHMENT_LIMITS.maxDocumentBytes);

/**
 * A file a message's `file` part names, carried in the file so an import elsewhere restores it:
 * `url` is the part's url on the exporting server (the importer stores the file anew and points
 * the parts at the new one), `data` its bytes in base64, `text` a document's extracted text.
 */
const attachmentSchema = z.object({
  url: z.string().startsWith('/api/').max(300),
  name: z.string().min(1).max(ATTACHMENT_LIMITS.maxNameChars),
  mediaType: z.string().min(1).max(200),
  data: z.base64().max(Math.ceil(largestAttachment / 3) * 4),
  text: z.string().max(ATTACHMENT_LIMITS.maxTextChars).nullable().default(null),
});

/** The Lumina conversation file, version 1: one conversation with its whole message tree. */
export const luminaConversationFileSchema = z.object({
  format: z.literal(LUMINA_CONVERSATION_FORMAT),
  version: z.literal(1),
  exportedAt: datetime.optional(),
  conversation: z.object({
    title: z.string(),
    titleSource: z.enum(['auto', 'user']).default('user'),
    tags: z.array(z.string().trim().min(1).max(40)).max(20).default([]),
    pinned: z.boolean().default(false),
    archived: z.boolean().default(false),
    model: z.string().max(300).nullable().default(null),
    /**
     * The conversation's own system prompt and author's note (domain/conversation-prompt.ts); the
     * persona chosen is the exporter's and is not carried. Files written before have none.
     */
    prompt: z
      .object({
        systemPrompt: conversationPromptSchema.shape.systemPrompt,
        authorsNote: conversationPromptSchema.shape.authorsNote,
      })
      .optional(),
    /** Sampling settings that override the avatar's here; read leniently (out of range: dropped). */
    generation: z.record(z.string(), z.unknown()).optional(),
    createdAt: datetime,
    avatar: avatarSchema,
  }),
  activeLeafId: z.string().min(1).max(200).nullable(),
  messages: z.array(messageSchema),
  /** The attachments the messages' file parts name (files written before attachments have none). */
  attachments: z.array(attachmentSchema).max(MAX_FILE_ATTACHMENTS).optional(),
});

export type LuminaConversationFile = z.input<typeof luminaConversationFileSchema>;

export interface LuminaExportInput {
  conversation: Pick<
    ConversationRow,
    | 'title'
    | 'titleSource'
    | 'tags'
    | 'pinned'
    | 'archived'
    | 'model'
    | 'createdAt'
    | 'activeLeafId'
    | 'prompt'
    | 'generation'
  >;
  avatar: ImportedAvatar;
  /** Every message of the conversation, in any order. */
  messages: MessageRow[];
  /** The attachments the messages name, embedded so a re-import elsewhere keeps them. */
  attachments?: Iterable<ExportedAttachment>;
  exportedAt?: Date;
}

/**
 * A conversation as a Lumina JSON file: lossless, the whole tree, parents before children.
 *
 * @example JSON.stringify(toLuminaJson({ conversation, avatar, messages }), null, 2)
 */
export function toLuminaJson(input: LuminaExportInput): LuminaConversationFile {
  const { conversation, avatar } = input;
  const { ordered } = orderParentsFirst(
    [...input.messages].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    (m) => m.id,
    (m) => m.parentId,
  );
  return {
    format: LUMINA_CONVERSATION_FORMAT,
    version: 1,
    exportedAt: (input.exportedAt ?? new Date()).toISOString(),
    conversation: {
      title: conversation.title,
      titleSource: conversation.titleSource,
      tags: conversation.tags,
      pinned: conversation.pinned,
      archived: conversation.archived,
      model: conversation.model,
      ...exportedPrompt(conversation.prompt),
      ...exportedGeneration(conversation.generation),
      createdAt: conversation.createdAt.toISOString(),
      avatar,
    },
    activeLeafId: conversation.activeLeafId,
    messages: ordered.map((m) => ({
      id: m.id,
      parentId: m.parentId,
      role: m.role,
      content: m.content,
      parts: m.parts,
      status: m.status,
      error: m.error ?? null,
      model: m.model,
      finishReason: m.finishReason,
      usage:
        m.inputTokens === null && m.outputTokens === null && m.costUsd === null
          ? null
          : { inputTokens: m.inputTokens, outputTokens: m.outputTokens, costUsd: m.costUsd },
      timings:
        m.timeToFirstTokenMs === null && m.durationMs === null
          ? null
          : { timeToFirstTokenMs: m.timeToFirstTokenMs, durationMs: m.durationMs },
      metadata: m.metadata,
      summary: m.summary,
      createdAt: m.createdAt.toISOString(),
    })),
    ...(input.attachments ? { attachments: [...input.attachments].map(embedded) } : {}),
  };
}

const embedded = (file: ExportedAttachment) => ({
  url: file.url,
  name: file.name,
  mediaType: file.mediaType,
  data: Buffer.from(file.bytes).toString('base64'),
  text: file.text,
});

/**
 * Reads a parsed Lumina JSON file. Its ids are kept as keys only: the importer gives every message
 * a fresh id, so importing the same file twice makes two conversations.
 */
export function parseLuminaJson(value: unknown): ImportedConversation {
  const version = (value as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version !== 1) throw conversationFileErrors.versionUnsupported(version);
  const parsed = luminaConversationFileSchema.safeParse(value);
  if (!parsed.success) {
    throw conversationFileErrors.invalid(
      'The Lumina conversation file does not have the expected shape',
      {},
      parsed.error.issues,
    );
  }
  const file = parsed.data;
  return {
    format: 'lumina-json',
    title: file.conversation.title,
    titleSource: file.conversation.titleSource,
    tags: file.conversation.tags,
    pinned: file.conversation.pinned,
    archived: file.conversation.archived,
    model: file.conversation.model,
    ...(file.conversation.prompt ? { prompt: file.conversation.prompt } : {}),
    ...(file.conversation.generation
      ? { generation: readGenerationSettings(file.conversation.generation) }
      : {}),
    createdAt: new Date(file.conversation.createdAt),
    avatar: file.conversation.avatar,
    activeLeafKey: file.activeLeafId,
    ...(file.attachments
      ? {
          attachments: file.attachments.map((a) => ({
            url: a.url,
            name: a.name,
            mediaType: a.mediaType,
            bytes: Buffer.from(a.data, 'base64'),
            text: a.text,
          })),
        }
      : {}),
    messages: file.messages.map((m) => ({
      key: m.id,
      parentKey: m.parentId,
      role: m.role,
      content: m.content,
      parts: m.parts,
      status: m.status,
      error: m.error,
      model: m.model,
      finishReason: m.finishReason,
      inputTokens: m.usage?.inputTokens ?? null,
      outputTokens: m.usage?.outputTokens ?? null,
      costUsd: m.usage?.costUsd ?? null,
      timeToFirstTokenMs: m.timings?.timeToFirstTokenMs ?? null,
      durationMs: m.timings?.durationMs ?? null,
      summary: m.summary,
      metadata: m.metadata,
      createdAt: new Date(m.createdAt),
    })),
  };
}

/** The conversation's prompt controls for the file, when it has any (never the persona: it is the exporter's). */
function exportedPrompt(stored: unknown): {
  prompt?: {
    systemPrompt: string | null;
    authorsNote: ReturnType<typeof readConversationPrompt>['authorsNote'];
  };
} {
  const { systemPrompt, authorsNote } = readConversationPrompt(stored);
  return systemPrompt !== null || authorsNote !== null ? { prompt: { systemPrompt, authorsNote } } : {};
}

/** The conversation's own sampling settings for the file, when it has any. */
function exportedGeneration(stored: unknown): { generation?: GenerationSettings } {
  const generation = readGenerationSettings(stored);
  return Object.keys(generation).length > 0 ? { generation } : {};
}
