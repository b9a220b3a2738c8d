import { sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import type { MessagePart } from '../domain/message-parts.js';
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
 * How a reply run uses it: `batch.flush(replyId, text)` on each delta (not awaited, or awaited
 * only to log a failure); before storing how the reply ended, `await batch.settle(replyId)`, so
 * no batch holding its older text is still in flight when `finish` writes the final row.
 * @example
 * const batch = createReplyFlushBatch({ db, intervalMs: 500 });
 * void batch.flush(reply.id, content).catch((err) => log.warn({ err }, 'flush failed'));
 * await batch.settle(reply.id); await messages.finish(reply.id, fields);
 */
export function createReplyFlushBatch(options: ReplyFlushBatchOptions) {
  const { db, intervalMs } = options;
  let pending = new Map<string, Pending>();
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
    if (pending.size === 0) return;
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
          for (const entry of batch.values()) for (const waiter of entry.waiters) waiter.resolve();
        },
        (err: unknown) => {
          for (const [id, entry] of batch) {
            for (const waiter of entry.waiters) waiter.reject(err);
            // Retried at the next tick, unless newer text (or a settle) came meanwhile.
            if (!pending.has(id) && !settled.has(id)) pending.set(id, { ...entry, waiters: [] });
          }
        },
      )
      .finally(() => {
        inFlight = null;
        settled.clear();
        if (pending.size > 0) schedule();
      });
    inFlight = { ids: new Set(ids), done };
    await done;
  }

  // Replies settled while a write holding them was in flight: a failed write does not requeue them.
  const settled = new Set<string>();

  return {
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

    /**
     * Forgets the reply's pending text (its waiters resolve: the final write supersedes it) and
     * waits for a write in flight that holds it. Call before storing how the reply ended.
     */
    async settle(id: string): Promise<void> {
      const entry = pending.get(id);
      if (entry) {
        pending.delete(id);
        for (const waiter of entry.waiters) waiter.resolve();
      }
      if (inFlight?.ids.has(id)) {
        settled.add(id);
        await inFlight.done;
      }
    },

    /** Writes what is pending now and waits for it (shutdown, tests). */
    async drain(): Promise<void> {
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      // One attempt: a write that fails leaves its replies pending for the next tick.
      if (inFlight) await inFlight.done;
      if (pending.size > 0) await tick();
    },

    /** Replies with text waiting for the next tick. */
    pendingCount: () => pending.size,

    /** Writes what is pending, then accepts no more (later flushes resolve at once). */
    async close(): Promise<void> {
      await this.drain();
      closed = true;
    },
  };
}

export type ReplyFlushBatch = ReturnType<typeof createReplyFlushBatch>;
