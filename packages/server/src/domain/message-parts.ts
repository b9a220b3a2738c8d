import { z } from 'zod';

/**
 * What a message is made of, in order: text, the model's reasoning, tool calls and their
 * results, and references to files (images, audio, documents) stored by Lumina. `messages.parts`
 * stores this list; `messages.content` keeps the text of the `text` parts joined, for search,
 * previews and older readers (db/message-row.ts derives one from the other).
 */
export const messagePartSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('text'), text: z.string() }),
    z.object({ type: z.literal('reasoning'), text: z.string() }),
    z.object({
      type: z.literal('tool-call'),
      toolCallId: z.string().min(1).max(200),
      toolName: z.string().min(1).max(200),
      input: z.unknown(),
    }),
    z.object({
      type: z.literal('tool-result'),
      toolCallId: z.string().min(1).max(200),
      toolName: z.string().min(1).max(200),
      output: z.unknown(),
      isError: z.boolean(),
    }),
    z.object({
      type: z.literal('file'),
      /** A path on this server (`/api/...`); never a remote address. */
      url: z.string().startsWith('/api/'),
      mediaType: z.string().min(1).max(200),
      name: z.string().max(500).optional(),
      /** Bytes of the stored file (absent on parts written before attachments had sizes). */
      sizeBytes: z.number().int().min(0).optional(),
    }),
  ])
  .meta({ id: 'MessagePart' });

export type MessagePart = z.infer<typeof messagePartSchema>;
export type MessagePartType = MessagePart['type'];

export const MESSAGE_ROLES = ['user', 'assistant', 'system', 'tool'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

/**
 * `streaming` while a reply is being written; it ends `complete`, `cancelled` or `error`, or
 * becomes `interrupted` when the process that wrote it died before finishing.
 */
export const MESSAGE_STATUSES = ['complete', 'streaming', 'cancelled', 'error', 'interrupted'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** The text of a message: its `text` parts joined (what search and previews read). */
export const textOfParts = (parts: readonly MessagePart[]): string =>
  parts.map((part) => (part.type === 'text' ? part.text : '')).join('');

/** The parts of a message stored as text only (before parts existed, or a plain text message). */
export const partsOfText = (text: string): MessagePart[] => (text === '' ? [] : [{ type: 'text', text }]);
