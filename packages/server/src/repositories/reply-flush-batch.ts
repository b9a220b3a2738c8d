import { sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { type MessagePart, textOfParts } from '../domain/message-parts.js';
import { type MessageProgress, withConsistentParts } from './message.repository.js';

interface Pending {
  content: string;
  parts: MessagePart[];
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
}

export interface ReplyFlushBatchOptions {
  db: Database;
  /** How often the pending text of every streaming reply is written (CHAT_FLUSH_INTERVAL_MS). */
  intervalMs: number;
  /** Told when a write fails (the first failure in a row only: while the database is away that is every tick). */
  onWriteFailed?: (err: unknown, replies: number) => void;
}

/** A reply's parts as its run writes them: `version` moves on every change (services/turns/reply-parts.ts). */
export interface TrackedReplyParts {
  list(): MessagePart[];
  version(): number;
}

interface Tracked {
  parts: TrackedReplyParts;
  written: number;
}

/**
 * Saves the text of every streaming reply of this process in ONE statement per tick, instead
 * of one UPDATE per reply per tick: with 200 replies streaming, 2 statements a second instead of
 * 400 (bench/chat.mjs; docs/performance.md). A reply hands over its whole text so far whenever
 * it grows; the newest text of each reply is written at the next tick. The write only touches
 * rows still `streaming`, so a late tick can never overwrite a reply that has been finished.
 *
 * A failed write is retried at the next tick (each write carries the whole text so far), and
 * the callers waiting on it learn that it failed (to log it).
 *
 * How a reply run uses it, either way:
 * - `const handle = batch.track(replyId, parts)` when the row exists: at each tick the batch
 *   reads the parts of every tracked reply whose `version` moved (nothing is done per token);
 *   `await handle.stop()` before storing how the reply ended. This is the shape of
 *   services/turns' `ReplyFlusher`: `const flusher: ReplyFlusher = (id, parts) => batch.track(id, parts)`.
 * - or push: `batch.flush(replyId, text)` whenever it grows, `await batch.settle(replyId)` before
 *   the finish.
 * Either way no write holding older text is still in flight when `finish` writes the final row.
 * @example
 * const batch = createReplyFlushBatch({ db, intervalMs: 500 });
 * const handle = batch.track(reply.id, parts); … await handle.stop(); await messages.finish(reply.id, fields);
 */
export function createReplyFlushBatch(options: ReplyFlushBatchOptions) {
  const { db, intervalMs } = options;
  let pending = new Map<string, Pending>();
  const tracked = new Map<string, Tracked>();
  let failing = false;
  let inFlight: { ids: Set<string>; done: Promise<void> } | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  const schedule = () => {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = null;
      void tick();
    }, intervalMs);
    // A batch waiting for its tick must not keep a finished process alive.
    timer.unref();
  };

  /** Writes everything pending in one statement; one write at a time. */
  async function tick(): Promise<void> {
    if (inFlight) {
      // The next tick comes after the write in flight: what arrived meanwhile waits for it.
      await inFlight.done;
      if (pending.size > 0) schedule();
      return;
    }
    // Tracked replies whose parts moved since their last write join what was pushed.
    const versions = new Map<string, number>();
    for (const [id, entry] of tracked) {
      const version = entry.parts.version();
      if (version === entry.written || pending.has(id)) continue;
      const parts = entry.parts.list();
      pending.set(id, { content: textOfParts(parts), parts, waiters: [] });
      versions.set(id, version);
    }
    if (pending.size === 0) {
      if (tracked.size > 0) schedule();
      return;
    }
    const batch = pending;
    pending = new Map();
    // Sorted ids: two instances' batches lock rows in the same order (each reply has one
    // writer, so they never share a row, but a finish or sweep may touch one meanwhile).
    const ids = [...batch.keys()].sort();
    const rows = JSON.stringify(
      ids.map((id) => ({ id, content: batch.get(id)!.content, parts: batch.get(id)!.parts })),
    );
    const done = db
      .execute(sql`update messages as m
          set content = v.content, parts = v.parts, updated_at = now()
          from jsonb_to_recordset(${rows}::jsonb) as v(id uuid, content text, parts jsonb)
          where m.id = v.id and m.status = 'streaming'`)
      .then(
        () => {
          failing = false;
          for (const entry of batch.values()) for (const waiter of entry.waiters) waiter.resolve();
          for (const [id, version] of versions) {
            const entry = tracked.get(id);
            if (entry) entry.written = version;
          }
        },
        (err: unknown) => {
          if (!failing) options.onWriteFailed?.(err, batch.size);
          failing = true;
          for (const [id, entry] of batch) {
            for (const waiter of entry.waiters) waiter.reject(err);
            // Pushed text is retried at the next tick, unless newer text (or a settle) came
            // meanwhile; a tracked reply is read again then anyway (its version did not move).
            if (!versions.has(id) && !pending.has(id) && !settled.has(id)) {
              pending.set(id, { ...entry, waiters: [] });
            }
          }
        },
      )
      .finally(() => {
        inFlight = null;
        settled.clear();
        if (pending.size > 0 || tracked.size > 0) schedule();
      });
    inFlight = { ids: new Set(ids), done };
    await done;
  }

  // Replies settled while a write holding them was in flight: a failed write does not requeue them.
  const settled = new Set<string>();

  /**
   * Forgets the reply's pending text (its waiters resolve: the final write supersedes it) and
   * waits for a write in flight that holds it. Call before storing how the reply ended.
   */
  async function settle(id: string): Promise<void> {
    const entry = pending.get(id);
    if (entry) {
      pending.delete(id);
      for (const waiter of entry.waiters) waiter.resolve();
    }
    if (inFlight?.ids.has(id)) {
      settled.add(id);
      await inFlight.done;
    }
  }

  /** Writes what is pending now and waits for it (shutdown, tests). */
  async function drain(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    // One attempt: a write that fails leaves its replies pending for the next tick.
    if (inFlight) await inFlight.done;
    if (pending.size > 0 || tracked.size > 0) await tick();
  }

  return {
    /**
     * Writes reply `id`'s parts at every tick where their `version` moved, until `stop`, which
     * waits for a write in flight that holds them (at most `waitMs`, so a database that does not
     * answer cannot hold the end of a reply; the finish then has its own wait).
     */
    track(id: string, parts: TrackedReplyParts, waitMs = 5_000): { stop(): Promise<void> } {
      tracked.set(id, { parts, written: parts.version() });
      schedule();
      return {
        stop: async () => {
          tracked.delete(id);
          let timeout: NodeJS.Timeout | undefined;
          await Promise.race([
            settle(id),
            new Promise<void>((resolve) => {
              timeout = setTimeout(resolve, waitMs);
            }),
          ]).finally(() => clearTimeout(timeout));
        },
      };
    },

    /**
     * Hands over what reply `id` has written so far (its whole text, or its parts). Resolves
     * when a write holding this text (or newer text of the same reply) is done; rejects when
     * that write failed (it is retried at the next tick).
     */
    flush(id: string, progress: MessageProgress): Promise<void> {
      if (closed) return Promise.resolve();
      const row = withConsistentParts(
        typeof progress === 'string' ? { content: progress } : { parts: progress.parts },
      );
      return new Promise<void>((resolve, reject) => {
        const entry = pending.get(id);
        const waiters = [...(entry?.waiters ?? []), { resolve, reject }];
        pending.set(id, { content: row.content ?? '', parts: row.parts ?? [], waiters });
        schedule();
      });
    },

    settle,

    drain,

    /** Replies with pushed text waiting for the next tick. */
    pendingCount: () => pending.size,
    /** Replies being tracked. */
    trackedCount: () => tracked.size,

    /** Writes what is pending, then accepts no more (later flushes resolve at once). */
    async close(): Promise<void> {
      await drain();
      closed = true;
      tracked.clear();
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

export type ReplyFlushBatch = ReturnType<typeof createReplyFlushBatch>;
