import type { FastifyBaseLogger } from 'fastify';
import type { MessageRepository } from '../../repositories/message.repository.js';
import { settleWithin } from './reply-late-store.js';
import type { ReplyParts } from './reply-parts.js';

/** Flushing of one reply, from its first part until `stop`. */
export interface FlushHandle {
  /** Stops flushing; waits (at most the finish wait) for a flush still in progress. */
  stop(): Promise<void>;
}

/**
 * Keeps a streaming reply's row up to date with what it has written, so a follower reading the
 * database and a crash lose at most one interval. The interval flusher below writes each reply on
 * its own timer; a flusher batching every streaming reply into one write per tick (issue 11
 * point 6) fits the same signature.
 */
export type ReplyFlusher = (replyId: string, parts: ReplyParts) => FlushHandle;

/** One UPDATE per reply per `intervalMs` while it has new parts; never two at once for a reply. */
export function intervalFlusher(deps: {
  messages: Pick<MessageRepository, 'flush'>;
  intervalMs: number;
  /** A flush stuck on a database that does not answer holds the end of a reply this long at most. */
  waitMs: number;
  log: Pick<FastifyBaseLogger, 'warn' | 'debug'>;
}): ReplyFlusher {
  return (replyId, parts) => {
    let flushed = parts.version();
    let flushing: Promise<void> | undefined;
    let failures = 0;
    const flush = () => {
      if (flushing || parts.version() === flushed) return;
      const version = parts.version();
      // A failed flush is retried by the next one (each writes the whole reply); while the
      // database is away that is every interval, so only the first failure in a row is a warning.
      flushing = deps.messages
        .flush(replyId, { parts: parts.list() })
        .then(() => {
          flushed = version;
          failures = 0;
        })
        .catch((err) => deps.log[failures++ === 0 ? 'warn' : 'debug']({ err, replyId }, 'flush failed'))
        .finally(() => {
          flushing = undefined;
        });
    };
    const timer = setInterval(flush, deps.intervalMs);
    return {
      async stop() {
        clearInterval(timer);
        if (flushing) await settleWithin(flushing, deps.waitMs);
      },
    };
  };
}
