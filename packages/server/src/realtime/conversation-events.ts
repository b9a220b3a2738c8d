import { z } from 'zod';
import { streamPartSchema } from './stream-parts.js';

/**
 * One event of a conversation's event stream (`GET /api/conversations/:id/events`): a part of
 * one of its replies, tagged with the reply it comes from. Over SSE, `event:` is the part's type
 * and `data:` this object as JSON. Registered in the OpenAPI document as `ConversationEvent`.
 */
export const conversationEventSchema = z
  .object({
    messageId: z
      .uuid()
      .describe(
        'The reply whose stream this part comes from (a `message-start` in it may name the user message that opened the turn, sent first)',
      ),
    seq: z
      .int()
      .nonnegative()
      .describe(
        "The part's sequence number in that reply's stream: resume one reply with `GET /api/messages/{messageId}/stream` and this as `Last-Event-ID`. 0 for a title set after the reply's stream ended",
      ),
    part: streamPartSchema,
  })
  .meta({ id: 'ConversationEvent' });

export type ConversationEvent = z.infer<typeof conversationEventSchema>;
