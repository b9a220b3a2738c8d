import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../errors.js';
import type { ConversationEvent } from '../realtime/conversation-events.js';
import type { ConversationAnnouncement, ReplyBus, ReplyEvent } from '../realtime/reply-bus.js';

/** Replies one events connection follows at once; more wait for a slot (docs/security.md). */
export const MAX_FOLLOWED_REPLIES = 16;
/** Replies that may wait for a slot; beyond that, the newest announcements are not followed. */
const MAX_WAITING_REPLIES = 256;

export interface ConversationEventsDeps {
  /** The conversation, if it is the user's (else throws 404). */
  getConversation(userId: string, conversationId: string): Promise<unknown>;
  /** A reply's parts from a sequence number on, ending with `finish` (bus, else database). */
  followReply(
    userId: string,
    replyId: string,
    afterSeq: number,
    signal: AbortSignal,
  ): AsyncIterable<ReplyEvent>;
  /** The conversation's replies still `streaming` in the database, oldest first. */
  streamingReplies(conversationId: string, limit: number): Promise<string[]>;
  bus: Pick<ReplyBus, 'onAnnouncement'>;
  log: FastifyBaseLogger;
  maxFollowed?: number;
}

/**
 * A conversation's event stream: every reply of the conversation, as it is written, through one
 * connection. The writer announces each reply it starts on the conversation's channel of the
 * reply bus (every instance hears it); on connect, the replies the database still shows
 * `streaming` are followed too. Each reply is followed like a per-reply stream (bus, then the
 * database), so a writer that dies still ends with what is stored and `finish`.
 */
export function createConversationEventsService(deps: ConversationEventsDeps) {
  const maxFollowed = deps.maxFollowed ?? MAX_FOLLOWED_REPLIES;

  return {
    /**
     * Checks the conversation is the user's (a 404 before any stream starts), then answers the
     * events from now on, until `signal` aborts.
     */
    async open(
      userId: string,
      conversationId: string,
    ): Promise<(signal: AbortSignal) => AsyncGenerator<ConversationEvent>> {
      await deps.getConversation(userId, conversationId);
      return (signal) => events(userId, conversationId, signal);
    },
  };

  async function* events(
    userId: string,
    conversationId: string,
    signal: AbortSignal,
  ): AsyncGenerator<ConversationEvent> {
    const queue: ConversationEvent[] = [];
    let wake: (() => void) | undefined;
    const push = (event: ConversationEvent) => {
      queue.push(event);
      wake?.();
    };
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort);
    const seen = new Set<string>();
    const waiting: string[] = [];
    let active = 0;

    const follow = (replyId: string) => {
      if (signal.aborted) return;
      if (active >= maxFollowed) {
        if (waiting.length < MAX_WAITING_REPLIES) waiting.push(replyId);
        return;
      }
      active += 1;
      void (async () => {
        try {
          for await (const { seq, part } of deps.followReply(userId, replyId, 0, signal)) {
            push({ messageId: replyId, seq, part });
          }
        } catch (err) {
          // Deleted before we followed it: nothing to tell. Anything else is ours to log.
          if (!(err instanceof AppError && err.status === 404)) {
            deps.log.warn({ err, replyId }, 'following a reply for the conversation events failed');
          }
        } finally {
          active -= 1;
          const next = waiting.shift();
          if (next) follow(next);
        }
      })();
    };
    const hear = (announcement: ConversationAnnouncement) => {
      if (announcement.type === 'title') {
        const { replyId, title } = announcement;
        push({ messageId: replyId, seq: 0, part: { type: 'title', conversationId, title } });
        return;
      }
      if (seen.has(announcement.replyId)) return;
      seen.add(announcement.replyId);
      follow(announcement.replyId);
    };

    // Listen before reading the database, so a reply that starts in between is heard (and
    // followed once: `seen`).
    const stop = await deps.bus.onAnnouncement(conversationId, hear);
    try {
      for (const replyId of await deps.streamingReplies(conversationId, maxFollowed)) {
        hear({ type: 'reply', replyId });
      }
      while (!signal.aborted) {
        if (queue.length === 0) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
          continue;
        }
        yield queue.shift()!;
      }
    } finally {
      stop();
      signal.removeEventListener('abort', onAbort);
    }
  }
}

export type ConversationEventsService = ReturnType<typeof createConversationEventsService>;
