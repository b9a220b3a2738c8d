import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { enqueueEmbedding } from '../jobs/memory-embed-job.js';
import type { Embedder } from '../memory/embedder.js';
import { createEmbeddingRepository, type EmbeddingCounts } from '../repositories/embedding.repository.js';

export interface EmbeddingProgress {
  /** The user's embedding model; null: recall is full text only. */
  model: string | null;
  /** The dimension of the model's vectors, once one was made; null before. */
  dimensions: number | null;
  memories: EmbeddingCounts;
  messages: EmbeddingCounts;
  /** Chunks of the avatars' knowledge documents. */
  documents: EmbeddingCounts;
  /** Items still lack a vector of the model and the background job is there to make them. */
  running: boolean;
}

/**
 * How far the background embedding of a user's memories, messages and documents is
 * (`GET /api/memories/embedding`), and starting it over (`POST …/rebuild`).
 */
export function createMemoryEmbeddingService(deps: {
  db: Database;
  embedder: Pick<Embedder, 'currentModel' | 'dimensionsOf' | 'forget'>;
  jobs: JobQueue | undefined;
}) {
  const repository = createEmbeddingRepository(deps.db);

  async function progress(userId: string): Promise<EmbeddingProgress> {
    const model = await deps.embedder.currentModel(userId);
    const counts = await repository.counts(userId, model);
    const pending = Object.values(counts).some((c) => c.embedded < c.total);
    return {
      model,
      dimensions: model ? await deps.embedder.dimensionsOf(userId, model) : null,
      ...counts,
      running: model !== null && pending && deps.jobs !== undefined,
    };
  }

  return {
    progress,

    /**
     * Enqueues the embedding job; with `reset`, first deletes every vector of the user so all is
     * embedded again (e.g. after the model behind the same name changed its dimension).
     */
    async rebuild(userId: string, options: { reset: boolean }): Promise<EmbeddingProgress> {
      if (!deps.jobs)
        throw new AppError(503, 'jobs_unavailable', 'Background jobs are not running on this server');
      if (options.reset) {
        const model = await deps.embedder.currentModel(userId);
        await repository.clearVectors(userId);
        deps.embedder.forget(userId, model ?? undefined);
      }
      await enqueueEmbedding(deps.jobs, userId, { full: true });
      return progress(userId);
    },
  };
}

export type MemoryEmbeddingService = ReturnType<typeof createMemoryEmbeddingService>;
