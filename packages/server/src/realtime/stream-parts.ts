import { z } from 'zod';

/**
 * The one stream contract: every part a reply stream carries, over SSE (`event:` = type,
 * `data:` = the part as JSON, `id:` = its sequence number), over WebSocket (the part with
 * `replyId`), on the reply bus between instances, and on a conversation's event stream (with
 * `messageId`). Registered in the OpenAPI document (`StreamPart`), so the SDK and the web app
 * use the generated type; nobody writes a copy by hand (ARCHITECTURE.md, style rule 10).
 */

/** Tokens and cost of one reply; the only usage shape on the wire. */
export const usageSchema = z
  .object({
    inputTokens: z.int().nonnegative(),
    outputTokens: z.int().nonnegative(),
    costUsd: z.number().nullable().describe('USD, null when the model has no known price'),
  })
  .meta({ id: 'Usage' });
export type Usage = z.infer<typeof usageSchema>;

/** Who speaks a message: an avatar, or a person (a user of this server). */
export const speakerSchema = z
  .object({
    kind: z.enum(['avatar', 'user']),
    id: z.uuid(),
  })
  .meta({ id: 'Speaker' });
export type Speaker = z.infer<typeof speakerSchema>;

export const REPLY_END_STATUSES = ['complete', 'cancelled', 'error', 'interrupted'] as const;
export type ReplyEndStatus = (typeof REPLY_END_STATUSES)[number];

const timingsSchema = z
  .object({
    timeToFirstTokenMs: z.int().nullable(),
    durationMs: z.int().nullable(),
  })
  .meta({ id: 'ReplyTimings' });

export const messageStartPartSchema = z.object({
  type: z.literal('message-start'),
  messageId: z.uuid(),
  parentId: z.uuid().nullable(),
  /** The turn this message belongs to (everything one user message started); null before turns existed. */
  turnId: z.uuid().nullable(),
  role: z.enum(['user', 'assistant', 'system', 'tool']),
  /** Who speaks it; null for messages stored before speakers were recorded. */
  participant: speakerSchema.nullable(),
  model: z.string().nullable(),
  /** The text so far; present when this part replaces what a client holds (a resume, an edit). */
  content: z.string().optional(),
  createdAt: z.iso.datetime({ offset: true }),
});

export const streamPartSchema = z
  .discriminatedUnion('type', [
    messageStartPartSchema,
    z.object({ type: z.literal('text-delta'), delta: z.string() }),
    z.object({ type: z.literal('reasoning-delta'), delta: z.string() }),
    z.object({
      type: z.literal('tool-call'),
      toolCallId: z.string(),
      toolName: z.string(),
      input: z.unknown(),
    }),
    z.object({
      type: z.literal('tool-result'),
      toolCallId: z.string(),
      toolName: z.string(),
      output: z.unknown(),
      isError: z.boolean(),
    }),
    /** The fallback chain moved on: this model writes the rest of the reply. */
    z.object({ type: z.literal('model'), modelId: z.string() }),
    usageSchema.extend({ type: z.literal('usage') }),
    z.object({ type: z.literal('title'), conversationId: z.uuid(), title: z.string() }),
    z.object({
      type: z.literal('finish'),
      status: z.enum(REPLY_END_STATUSES),
      finishReason: z.string().nullable(),
      timings: timingsSchema.nullable(),
    }),
    z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
  ])
  .meta({ id: 'StreamPart' });

export type StreamPart = z.infer<typeof streamPartSchema>;
export type StreamPartType = StreamPart['type'];
export type StreamPartOf<T extends StreamPartType> = Extract<StreamPart, { type: T }>;
