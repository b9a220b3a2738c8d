import { z } from 'zod';
import { MESSAGE_STATUSES } from '../domain/message-parts.js';
import { type StreamPart, streamPartSchema } from './stream-parts.js';

/**
 * The frames of the conversation WebSocket (`/ws/conversations`, docs/conversations.md), both
 * ways. Registered in the OpenAPI document (`SocketClientFrame`, `SocketServerFrame`) although
 * the upgrade route itself is not an operation there, so clients use generated types for them
 * as for the SSE stream.
 */

/** The client's own label for a frame; every frame it causes carries it back. */
const ref = z.string().max(100).optional();

/** Uploaded attachments a message carries, as on the HTTP routes (docs/attachments.md). */
const attachments = z.array(z.uuid()).max(100).optional();

export const socketClientFrameSchema = z
  .discriminatedUnion('type', [
    z.object({
      type: z.literal('send'),
      ref,
      conversationId: z.uuid(),
      content: z.string(),
      parentId: z.uuid().optional(),
      attachments,
    }),
    z.object({ type: z.literal('regenerate'), ref, messageId: z.uuid() }),
    z.object({ type: z.literal('continue'), ref, messageId: z.uuid() }),
    z.object({ type: z.literal('edit'), ref, messageId: z.uuid(), content: z.string(), attachments }),
    z.object({ type: z.literal('cancel'), ref, messageId: z.uuid() }),
    z.object({
      type: z.literal('resume'),
      ref,
      messageId: z.uuid(),
      lastEventId: z.number().int().min(0).optional(),
    }),
  ])
  .meta({ id: 'SocketClientFrame' });
export type SocketClientFrame = z.infer<typeof socketClientFrameSchema>;

/** What a reply's part carries over the socket besides the part itself. */
const replyEnvelope = {
  /** The part's sequence number within the reply (the SSE `id:`; `lastEventId` of a resume). */
  id: z.int().positive(),
  replyId: z.uuid(),
  ref,
};

/**
 * One part of a reply: a `StreamPart` with its envelope. Spelled out member by member (not an
 * intersection) so the published JSON Schema accepts exactly these objects.
 */
const socketReplyFrameSchema = z.discriminatedUnion(
  'type',
  streamPartSchema.options.map((part) => part.extend(replyEnvelope)) as unknown as [
    z.ZodObject<z.ZodRawShape & { type: z.ZodLiteral<string> }>,
  ],
);

/** A frame refused, or a failure outside any reply (no `replyId`). */
const socketErrorFrameSchema = z.object({
  type: z.literal('error'),
  code: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
  ref,
});

/** The answer to a `cancel` frame: the reply as it was stopped. */
const socketCancelledFrameSchema = z.object({
  type: z.literal('cancelled'),
  messageId: z.uuid(),
  status: z.enum(MESSAGE_STATUSES),
  ref,
});

export const socketServerFrameSchema = z
  .union([socketReplyFrameSchema, socketErrorFrameSchema, socketCancelledFrameSchema])
  .meta({ id: 'SocketServerFrame' });

/** A reply's part as the socket sends it. */
export type SocketReplyFrame = StreamPart & { id: number; replyId: string; ref?: string | undefined };
export type SocketServerFrame =
  | SocketReplyFrame
  | z.infer<typeof socketErrorFrameSchema>
  | z.infer<typeof socketCancelledFrameSchema>;
