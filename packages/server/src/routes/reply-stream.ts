import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendNumberedEvents } from '../http/sse.js';
import { streamPartSchema } from '../realtime/stream-parts.js';
import type { ReplyService, StartedReply } from '../services/reply.service.js';

/**
 * The 200 answer of every route that streams a reply, for the OpenAPI document: each event is a
 * `StreamPart` (realtime/stream-parts.ts). Never serialized by Fastify: the routes write the
 * stream themselves (http/sse.ts).
 */
export const replyStreamResponse = {
  200: {
    description:
      "The reply as Server-Sent Events, one `StreamPart` per event: `event:` is the part's `type`, `data:` the rest of the part as JSON, `id:` its sequence number within the reply (send the last one as `Last-Event-ID` to resume). The stream ends after `finish`.",
    content: { 'text/event-stream': { schema: streamPartSchema } },
  },
} as const;

/**
 * Streams a reply this request just started, as SSE from its first part. When the client goes
 * away the reply keeps being written (and stored) unless CHAT_CONTINUE_ON_DISCONNECT is false,
 * in which case it is cancelled.
 */
export async function streamStartedReply(
  request: FastifyRequest,
  reply: FastifyReply,
  replies: ReplyService,
  started: StartedReply & { userId: string },
  continueOnDisconnect: boolean,
): Promise<void> {
  reply.header('x-lumina-reply-id', started.replyId);
  await sendNumberedEvents(request, reply, async function* (signal) {
    let finished = false;
    try {
      for await (const event of replies.followStarted(started.replyId, signal)) {
        if (event.part.type === 'finish') finished = true;
        yield event;
      }
    } finally {
      if (signal.aborted && !finished && !continueOnDisconnect) {
        await replies.cancel(started.userId, started.replyId).catch(() => {});
      }
    }
  });
}

/** Resumes any reply of the user's as SSE after `afterSeq`; leaving never cancels it. */
export async function resumeReply(
  request: FastifyRequest,
  reply: FastifyReply,
  replies: ReplyService,
  userId: string,
  replyId: string,
  afterSeq: number,
): Promise<void> {
  // Resolve (and authorize) before the stream starts, so a 404 is a plain HTTP error.
  await replies.getReply(userId, replyId);
  reply.header('x-lumina-reply-id', replyId);
  await sendNumberedEvents(request, reply, (signal) => replies.follow(userId, replyId, afterSeq, signal));
}
