import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/database.js';
import type { WriterLocks } from '../db/storage.js';
import { createMessageRepository } from '../repositories/message.repository.js';

/**
 * Replies a dead process left `streaming` become `interrupted` (their text up to the last flush
 * stays). This process holds its writer lock while it lives; at start-up and then every
 * `intervalMs`, writers of `streaming` rows that nobody holds are dead.
 */
export function createReplyRecoveryService(deps: {
  db: Database;
  locks: WriterLocks;
  writerId: string;
  log: FastifyBaseLogger;
  intervalMs?: number;
}) {
  const messages = createMessageRepository(deps.db);
  let timer: NodeJS.Timeout | undefined;

  async function sweep(): Promise<number> {
    const writers = await messages.streamingWriters(deps.writerId);
    const dead: string[] = [];
    for (const writer of writers) if (!(await deps.locks.isHeld(writer))) dead.push(writer);
    if (dead.length === 0) return 0;
    const count = await messages.markInterrupted(dead);
    if (count > 0) deps.log.info({ count }, 'replies left streaming by a stopped server marked interrupted');
    return count;
  }

  return {
    sweep,
    /** Never fails start-up: a database that is away now is retried on the next sweep. */
    async start(): Promise<void> {
      try {
        await deps.locks.hold(deps.writerId);
        await sweep();
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
