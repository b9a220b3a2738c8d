import type { FastifyBaseLogger } from 'fastify';

/**
 * Stores replies whose final write failed or did not answer (the database is away): the first
 * attempt may still land (then the reply is stored as it really ended); else `write` is tried
 * again with back-off (250 ms doubling to 5 s) until `forMs` is spent or `stopped()` (the
 * server shuts down). A reply still `streaming` after that is an orphan the recovery sweep marks
 * once the database answers (this process's, or another instance's after this one stopped).
 */
export function createLateReplyStore(deps: {
  /** An attempt that does not answer within this counts as failed. */
  attemptMs: number;
  forMs: number;
  stopped: () => boolean;
  log: FastifyBaseLogger;
}) {
  const storing = new Set<string>();
  // If a timed-out attempt lands later, it stores the same reply; the last write wins.
  const landed = async (attempt: Promise<unknown>) => 'row' in (await settleWithin(attempt, deps.attemptMs));

  return {
    /** Whether the reply is still being stored (it is this process's, not an orphan). */
    has: (replyId: string) => storing.has(replyId),

    /** `write` stores the reply as it is to be kept; it may run more than once (make it idempotent). */
    store(replyId: string, first: Promise<unknown>, write: () => Promise<unknown>): void {
      storing.add(replyId);
      const until = Date.now() + deps.forMs;
      void (async () => {
        let stored = await landed(first);
        for (
          let delay = 250;
          !stored && !deps.stopped() && Date.now() < until;
          delay = Math.min(delay * 2, 5_000)
        ) {
          await new Promise((resolve) => setTimeout(resolve, delay).unref());
          stored = await landed(write());
        }
        if (stored) deps.log.info({ replyId }, 'reply stored after the database came back');
        else deps.log.warn({ replyId }, 'reply not stored; the recovery sweep marks it interrupted');
      })().finally(() => storing.delete(replyId));
    },
  };
}

/**
 * How `promise` settled within `ms`: its value, its error, or neither yet.
 * @example const outcome = await settleWithin(messages.finishReply(reply, fields), 5_000); if ('row' in outcome) …
 */
export async function settleWithin<T>(
  promise: Promise<T>,
  ms: number,
): Promise<{ row: T } | { err: unknown } | { slow: true }> {
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<{ slow: true }>((resolve) => {
    timer = setTimeout(() => resolve({ slow: true }), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        (row) => ({ row }),
        (err: unknown) => ({ err }),
      ),
      slow,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
