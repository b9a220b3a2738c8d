import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendNumberedEvents } from '../http/sse.js';
import type { ReplyService } from '../services/reply.service.js';

/**
 * Streams a reply as SSE from `afterSeq` on. When the client goes away the reply keeps being
 * written (and stored) unless CHAT_CONTINUE_ON_DISCONNECT is false, in which case it is cancelled.
 */
export async function streamReply(
  request: FastifyRequest,
  reply: FastifyReply,
  replies: ReplyService,
  userId: string,
  replyId: string,
  afterSeq: number,
  continueOnDisconnect: boolean,
  /** True when this request started the reply (no need to look it up again). */
  started = false,
): Promise<void> {
  reply.header('x-lumina-reply-id', replyId);
  // Resolve (and authorize) before the stream starts, so a 404 is a plain HTTP error.
  if (!started) await replies.getReply(userId, replyId);
  await sendNumberedEvents(request, reply, async function* (signal) {
    let finished = false;
    try {
      const events = started
        ? replies.followStarted(replyId, signal)
        : replies.follow(userId, replyId, afterSeq, signal);
      for await (const event of events) {
        if (event.part.type === 'finish') finished = true;
        yield event;
      }
    } finally {
      if (signal.aborted && !finished && !continueOnDisconnect) {
        await replies.cancel(userId, replyId).catch(() => {});
      }
    }
  });
}
