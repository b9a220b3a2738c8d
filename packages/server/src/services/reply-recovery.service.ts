import type { FastifyBaseLogger } from 'fastify';
import type { WriterLocks } from '../db/storage.js';
import type { MessageRepository } from '../repositories/message.repository.js';

/**
 * Replies nobody is writing any more become `interrupted` (their text up to the last flush
 * stays). Two halves:
 * - cluster-wide (`sweepDeadWriters`): a `streaming` row of another writer whose writer lock
 *   nobody holds was left by a dead process. Any instance can tell, so with a job queue this runs
 *   as the scheduled `reply-recovery` job (jobs/background-jobs.ts), once per interval across
 *   the cluster; without one, on this process's timer;
 * - process-local (`sweepOwn`): a `streaming` row of this process's own writer id that this
 *   process is not writing (not in `isWriting`) was orphaned: its final write failed (the
 *   database was away) and the writer gave up retrying, so nothing else would ever end it. Only
 *   this process knows what it is still writing, so this stays on its timer, as does taking its
 *   own writer lock again when the connection holding it was lost.
 * At start-up both halves run here; then every `intervalMs` the timer runs the process-local half
 * (and the cluster-wide one when there is no queue). A sweep that fails (the database is away) is
 * retried on the next one, which is how rows are marked once the database is back.
 */
export function createReplyRecoveryService(deps: {
  messages: Pick<
    MessageRepository,
    'streamingWriters' | 'markInterrupted' | 'streamingReplies' | 'interruptReplies'
  >;
  locks: WriterLocks;
  writerId: string;
  /** Whether this process is writing (or still storing) the reply: `replies.isWriting`. */
  isWriting: (replyId: string) => boolean;
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>;
  intervalMs?: number;
  /**
   * True when the `reply-recovery` job runs `sweepDeadWriters` (a job queue is configured): the
   * timer then runs only the process-local half.
   */
  deadWritersOnQueue?: boolean;
}) {
  const { messages } = deps;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  /** One sweep at a time: against a database that hangs, sweeps would otherwise pile up. */
  function sweep(): Promise<number> {
    running ??= sweepOnce().finally(() => {
      running = undefined;
    });
    return running;
  }

  async function sweepOnce(): Promise<number> {
    const own = await sweepOwn();
    return deps.deadWritersOnQueue ? own : own + (await sweepDeadWriters());
  }

  /** Replies of other writers whose lock nobody holds: their process died. */
  async function sweepDeadWriters(): Promise<number> {
    const writers = await messages.streamingWriters(deps.writerId);
    const dead: string[] = [];
    for (const writer of writers) if (!(await deps.locks.isHeld(writer))) dead.push(writer);
    const count = dead.length > 0 ? await messages.markInterrupted(dead) : 0;
    if (count > 0) deps.log.info({ count }, 'replies left streaming by a stopped server marked interrupted');
    return count;
  }

  /** This process's own replies that it no longer writes. */
  async function sweepOwn(): Promise<number> {
    // The lock's connection may have been cut (a database restart) and not taken again; without
    // it, other instances would take this live process for a dead one.
    if (!(await deps.locks.isHeld(deps.writerId))) await deps.locks.hold(deps.writerId);
    // Read before filtering: a reply is registered as in flight before its row is inserted.
    const orphans = (await messages.streamingReplies(deps.writerId)).filter((id) => !deps.isWriting(id));
    const count = (await messages.interruptReplies(orphans)).length;
    if (count > 0) deps.log.info({ count }, 'replies this server stopped writing marked interrupted');
    return count;
  }

  return {
    /** Both halves, or only this process's when the job queue runs the other. */
    sweep,
    sweepDeadWriters,
    /**
     * Never fails start-up: a database that is away now is retried on the next sweep. Start-up
     * runs both halves even with the queue, so a server restarted after a crash (PGlite: the
     * same data dir) answers its first request with its predecessor's replies already ended
     * instead of whenever the first scheduled job runs.
     */
    async start(): Promise<void> {
      try {
        await deps.locks.hold(deps.writerId);
        await sweepOwn();
        await sweepDeadWriters();
      } catch (err) {
        deps.log.warn({ err }, 'reply recovery could not run at start-up');
      }
      timer = setInterval(
        () => void sweep().catch((err) => deps.log.warn({ err }, 'reply recovery failed')),
        deps.intervalMs ?? 30_000,
      );
      timer.unref();
    },
    /** After this process's replies were finished: stop sweeping and let go of the writer lock. */
    async stop(): Promise<void> {
      clearInterval(timer);
      await deps.locks.release(deps.writerId);
    },
  };
}
