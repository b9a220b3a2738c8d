import { z } from 'zod';
import { AppError } from '../errors.js';
import type { KnowledgeService } from '../services/knowledge.service.js';
import { BACKGROUND_JOBS } from './background-jobs.js';
import type { JobQueue } from './job-queue.js';
import { enqueueEmbedding } from './memory-embed-job.js';

export const knowledgeIndexJobData = z.object({ userId: z.uuid(), documentId: z.uuid() });

/**
 * The queue's scheduled run: deletes knowledge files no document refers to any more (deleting an
 * avatar deletes its documents by cascade, not their files).
 */
const orphanPurgeData = z.object({ purgeOrphanFiles: z.literal(true) });

/** How often the orphaned knowledge files are purged (one run per interval across instances). */
export const KNOWLEDGE_ORPHAN_PURGE_INTERVAL_MS = 60 * 60 * 1000;

/** Attempts after the first: a busy extraction queue or an absent database is waited for. */
export const KNOWLEDGE_INDEX_RETRY_LIMIT = 3;

/**
 * Stores a `knowledge-index` job for one document. One waiting job per document (a second
 * enqueue while one waits is a no-op).
 */
export async function enqueueKnowledgeIndex(
  jobs: Pick<JobQueue, 'enqueue'>,
  userId: string,
  documentId: string,
): Promise<void> {
  await jobs.enqueue(BACKGROUND_JOBS.knowledgeIndex, { userId, documentId }, { singletonKey: documentId });
}

/**
 * Registers the job that reads, chunks and stores one knowledge document
 * (`KnowledgeService.index`), then has its chunks embedded (`memory-embed`). It is durable: a
 * process that dies mid-document loses its lease, and the retry takes the document up again from
 * `indexing`. An unreadable file is not an error of the job (the document is `failed` with its
 * code); anything else is retried, and after the last attempt the document is marked `failed`
 * with that error, so no document stays `indexing` for ever. Once an hour the same queue purges
 * knowledge files left without a document.
 */
export function registerKnowledgeIndexJob(
  jobs: JobQueue,
  knowledge: Pick<KnowledgeService, 'index' | 'giveUp' | 'purgeOrphanFiles'>,
  log?: { warn(fields: object, message: string): void },
): void {
  jobs.register(BACKGROUND_JOBS.knowledgeIndex, {
    schema: z.union([knowledgeIndexJobData, orphanPurgeData]),
    unique: true,
    retryLimit: KNOWLEDGE_INDEX_RETRY_LIMIT,
    backoff: { delayMs: 10_000, exponential: true },
    // Waiting for an extraction turn, the extraction's own time cap, then chunking and storing.
    timeoutMs: 5 * 60 * 1000,
    concurrency: 2,
    handler: async (data, { attempt }) => {
      if ('purgeOrphanFiles' in data) {
        await knowledge.purgeOrphanFiles();
        return;
      }
      const { userId, documentId } = data;
      let outcome: Awaited<ReturnType<typeof knowledge.index>>;
      try {
        outcome = await knowledge.index(userId, documentId);
      } catch (err) {
        if (attempt > KNOWLEDGE_INDEX_RETRY_LIMIT) {
          log?.warn({ err, documentId }, 'knowledge indexing failed for good');
          await knowledge.giveUp(userId, documentId, {
            code: err instanceof AppError ? err.code : 'internal_error',
            message:
              err instanceof AppError
                ? err.message
                : 'The document could not be indexed; delete it and upload it again',
          });
        }
        throw err;
      }
      // The next embedding run (any reply or memory enqueues one) also finds these chunks, so a
      // failed enqueue is logged rather than worth indexing the document again.
      if (outcome === 'ready') {
        await enqueueEmbedding(jobs, userId).catch((err: unknown) =>
          log?.warn({ err, userId }, 'could not enqueue the embedding of new knowledge chunks'),
        );
      }
    },
  });
  jobs.schedule(
    BACKGROUND_JOBS.knowledgeIndex,
    { everyMs: KNOWLEDGE_ORPHAN_PURGE_INTERVAL_MS },
    { purgeOrphanFiles: true },
  );
}
