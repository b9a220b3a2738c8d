import { z } from 'zod';
import type { Database } from '../db/database.js';
import type { UserMemorySettings } from '../domain/memory.js';
import { AppError } from '../errors.js';
import { EMBED_BATCH_SIZE, type Embedder } from '../memory/embedder.js';
import { ensureVectorIndex } from '../memory/vector-index.js';
import {
  createEmbeddingRepository,
  EMBEDDING_SOURCE_TABLES,
  type EmbeddingSource,
  type PendingText,
} from '../repositories/embedding.repository.js';
import { BACKGROUND_JOBS } from './background-jobs.js';
import type { JobQueue } from './job-queue.js';

export const memoryEmbedJobData = z.object({
  userId: z.uuid(),
  /** Look at all the user's messages, not only the recent ones (see `enqueueEmbedding`). */
  full: z.boolean().default(false),
});

/**
 * The messages a run that is not `full` looks at: those written in the last 30 days. Finding
 * that nothing is pending among a million embedded messages takes seconds (measured: 0.4–1.6 s
 * for 200,000 on this machine); among a month's, milliseconds — and a run follows every reply.
 */
export const RECENT_MESSAGES_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Texts one run embeds at most; then it enqueues its own continuation. Bounded runs keep one
 * user's re-embedding of a million messages from holding a worker (and its time limit) for
 * hours, and let other users' jobs in between.
 */
export const EMBED_RUN_TEXTS = 2_000;

/** Refusals that trying again cannot fix until the user changes a setting (which enqueues anew). */
const SETTLED_REFUSALS = new Set(['local_only', 'model_not_found', 'model_cannot_embed']);

export interface MemoryEmbedJobDeps {
  db: Database;
  embedder: Pick<Embedder, 'currentModel' | 'embedTexts'>;
  /** The user's memory settings: nothing is embedded with memory off; messages only with `recallMessages`. */
  settingsFor: (userId: string) => Promise<Pick<UserMemorySettings, 'enabled' | 'recallMessages'>>;
  log: { info(fields: object, message: string): void; warn(fields: object, message: string): void };
  /** Texts per run (tests make it small). */
  runTexts?: number;
  batchSize?: number;
  /** The wait before the first retry (doubling after); tests shorten it. */
  retryDelayMs?: number;
}

export interface EmbedRunOptions {
  /** All messages (after a model change, a rebuild, an import), not only the recent ones. */
  full?: boolean;
  signal?: AbortSignal;
}

/** What one run did, for the log and the tests. */
export interface EmbedRunResult {
  model: string | null;
  embedded: Record<EmbeddingSource, number>;
  /** More is pending: the run enqueued its continuation. */
  continued: boolean;
}

/**
 * Stores a `memory-embed` job for the user: everything of theirs lacking a vector of their
 * current embedding model gets one in the background. One waiting job per user and kind (a second
 * call while one waits is a no-op), so call it freely: after a reply, after a memory is written
 * or edited, after a document is chunked. Pass `full: true` when older messages may lack vectors
 * (the embedding model or `recallMessages` changed, a conversation was imported, a rebuild);
 * otherwise messages of the last 30 days are looked at (memories and chunks always all).
 * Without a queue (tests, tools) it does nothing.
 */
export async function enqueueEmbedding(
  jobs: Pick<JobQueue, 'enqueue'> | undefined,
  userId: string,
  options: { full?: boolean } = {},
): Promise<void> {
  const full = options.full === true;
  await jobs?.enqueue(
    BACKGROUND_JOBS.memoryEmbed,
    { userId, full },
    { singletonKey: full ? `${userId}:full` : userId },
  );
}

/**
 * Registers the embedding job. Each run embeds up to `EMBED_RUN_TEXTS` texts in batches —
 * memories first (the most recalled), then document chunks, then messages — storing each batch
 * as soon as its vectors arrive, so a provider failure mid-run loses nothing already done; the
 * job is retried with back-off and picks up what is still pending.
 */
export function registerMemoryEmbedJob(jobs: JobQueue, deps: MemoryEmbedJobDeps): void {
  const run = createMemoryEmbedRun(deps, jobs);
  jobs.register(BACKGROUND_JOBS.memoryEmbed, {
    schema: memoryEmbedJobData,
    unique: true,
    retryLimit: 6,
    // 30 s, 1 min, 2 min, … about half an hour in all: a provider that restarts is waited for.
    backoff: { delayMs: deps.retryDelayMs ?? 30_000, exponential: true },
    timeoutMs: 10 * 60 * 1000,
    concurrency: 2,
    handler: async ({ userId, full }, { signal }) => {
      await run(userId, { full, signal });
    },
  });
}

/** One run for one user (exported for the job's tests, which drive it without a worker). */
export function createMemoryEmbedRun(deps: MemoryEmbedJobDeps, jobs?: Pick<JobQueue, 'enqueue'>) {
  const repository = createEmbeddingRepository(deps.db);
  const runTexts = deps.runTexts ?? EMBED_RUN_TEXTS;
  const batchSize = deps.batchSize ?? EMBED_BATCH_SIZE;

  const sources: Array<{
    source: EmbeddingSource;
    pending: (
      userId: string,
      model: string,
      limit: number,
      afterId: string | null,
      since: Date | null,
    ) => Promise<PendingText[]>;
    store: typeof repository.storeMemoryVectors;
  }> = [
    { source: 'memory', pending: repository.pendingMemories, store: repository.storeMemoryVectors },
    { source: 'chunk', pending: repository.pendingChunks, store: repository.storeChunkVectors },
    { source: 'message', pending: repository.pendingMessages, store: repository.storeMessageVectors },
  ];

  return async function run(userId: string, options: EmbedRunOptions = {}): Promise<EmbedRunResult> {
    const { signal } = options;
    const full = options.full === true;
    const since = full ? null : new Date(Date.now() - RECENT_MESSAGES_MS);
    const embedded: Record<EmbeddingSource, number> = { memory: 0, chunk: 0, message: 0 };
    const settings = await deps.settingsFor(userId);
    const model = settings.enabled ? await deps.embedder.currentModel(userId) : null;
    if (!model) return { model: null, embedded, continued: false };

    let budget = runTexts;
    let continued = false;
    try {
      for (const { source, pending, store } of sources) {
        if (source === 'message' && !settings.recallMessages) continue;
        // Keyset paging: an item the store skipped (edited meanwhile) is not read again this run.
        let afterId: string | null = null;
        while (budget > 0) {
          signal?.throwIfAborted();
          const items: PendingText[] = await pending(
            userId,
            model,
            Math.min(batchSize, budget),
            afterId,
            source === 'message' ? since : null,
          );
          if (items.length === 0) break;
          afterId = items.at(-1)!.id;
          const result = await deps.embedder.embedTexts(
            userId,
            items.map((item) => item.content),
            signal,
          );
          // The model changed (or was unset) since the run began: the next run starts over with it.
          if (!result || result.model !== model) {
            continued = true;
            budget = 0;
            break;
          }
          await ensureVectorIndex(deps.db, EMBEDDING_SOURCE_TABLES[source], result.vectors[0]!.length);
          embedded[source] += await store(
            userId,
            model,
            items.map((item, i) => ({ ...item, vector: result.vectors[i]! })),
          );
          budget -= items.length;
        }
      }
    } catch (err) {
      if (err instanceof AppError && SETTLED_REFUSALS.has(err.code)) {
        deps.log.warn(
          { userId, model, code: err.code },
          'embedding refused: nothing embedded until the settings change',
        );
        return { model, embedded, continued: false };
      }
      deps.log.warn(
        { userId, model, code: (err as { code?: unknown }).code, embedded },
        'embedding failed: the rest is tried again later',
      );
      throw err;
    }
    if (budget <= 0) {
      // Out of budget (or the model changed): whatever is left is the next run's.
      continued = true;
      await enqueueEmbedding(jobs, userId, { full });
    }
    const total = embedded.memory + embedded.chunk + embedded.message;
    if (total > 0)
      deps.log.info({ userId, model, embedded, continued }, 'embedded memories, documents and messages');
    return { model, embedded, continued };
  };
}
