import { z } from 'zod';
import type { Database } from '../db/database.js';
import { createConversationRepository } from '../repositories/conversation.repository.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import type { ConversationContextService } from '../services/conversation-context.service.js';
import type { ConversationTitleService } from '../services/conversation-title.service.js';
import type { JobQueue } from './job-queue.js';

/** The jobs the server runs, by name: what a producer enqueues. */
export const BACKGROUND_JOBS = {
  /** Summarize older turns of a conversation whose context is nearly full. */
  summary: 'conversation-summary',
  /** Name a conversation after its first exchange. */
  title: 'conversation-title',
  /** Mark replies whose writer died `interrupted` (services/reply-recovery.service.ts). */
  replyRecovery: 'reply-recovery',
  /** Delete attachments no message used for a day (jobs/attachment-purge-job.ts). */
  attachmentPurge: 'attachment-purge',
  /** Delete incognito conversations idle past CHAT_INCOGNITO_IDLE_MINUTES (jobs/incognito-purge-job.ts). */
  incognitoPurge: 'incognito-purge',
  /** Extract memories from a finished exchange (memory/, issue 13). */
  memoryExtract: 'memory-extract',
  /** Embed memories, messages and document chunks that lack a vector of the user's embedding model. */
  memoryEmbed: 'memory-embed',
  /** Read, chunk and index a knowledge document of an avatar. */
  knowledgeIndex: 'knowledge-index',
} as const;

/** How often the cluster-wide recovery sweep runs (one job per interval across instances). */
export const REPLY_RECOVERY_INTERVAL_MS = 30_000;

export const summaryJobData = z.object({
  userId: z.uuid(),
  conversationId: z.uuid(),
  /** The message the branch to summarize ends at (the reply that just finished). */
  leafId: z.uuid(),
});

export const titleJobData = z.object({
  userId: z.uuid(),
  conversationId: z.uuid(),
  /** The finished reply; its branch holds the user message it answers. */
  replyId: z.uuid(),
});

export interface BackgroundJobDeps {
  db: Database;
  context: Pick<ConversationContextService, 'build' | 'summarizeAfterReply'>;
  titles: ConversationTitleService;
  /**
   * Tells followers of the conversation its new title, named after the reply `replyId` (app.ts
   * wires it to `bus.announceTitle`: the conversation events stream carries it as a `title` part,
   * since the reply's own stream has usually ended by the time the job runs).
   */
  onTitle?: (conversationId: string, replyId: string, title: string) => void;
  /** CHAT_SUMMARY_TIMEOUT_MS: a summary run makes up to four model calls. */
  summaryTimeoutMs: number;
}

/**
 * Registers the server's background jobs on the queue. Summaries are unique per conversation, so
 * two instances (or two quick replies) never summarize the same conversation at once; titles are
 * unique per conversation too, and skip a conversation that already has a title.
 */
export function registerBackgroundJobs(jobs: JobQueue, deps: BackgroundJobDeps): void {
  const conversations = createConversationRepository(deps.db);
  const messages = createMessageRepository(deps.db);

  /** The conversation and the branch ending at `leafId`, or nothing when either was deleted since. */
  async function load(userId: string, conversationId: string, leafId: string) {
    const conversation = await conversations.findOwned(userId, conversationId);
    if (!conversation) return undefined;
    const branch = await messages.branch(userId, leafId);
    if (branch.at(-1)?.id !== leafId || branch[0]?.conversationId !== conversationId) return undefined;
    return { conversation, branch };
  }

  jobs.register(BACKGROUND_JOBS.summary, {
    schema: summaryJobData,
    unique: true,
    retryLimit: 2,
    backoff: { delayMs: 30_000 },
    timeoutMs: deps.summaryTimeoutMs * 4 + 30_000,
    concurrency: 2,
    handler: async ({ userId, conversationId, leafId }) => {
      const found = await load(userId, conversationId, leafId);
      if (!found) return; // deleted meanwhile: nothing to summarize
      const outcome = await deps.context.summarizeAfterReply(userId, found.conversation, found.branch);
      // A failed summary is retried (the model may be back); the error is kept on the job.
      if (outcome.status === 'failed') throw new Error(outcome.reason);
    },
  });

  jobs.register(BACKGROUND_JOBS.title, {
    schema: titleJobData,
    unique: true,
    retryLimit: 1,
    timeoutMs: 30_000,
    concurrency: 2,
    handler: async ({ userId, conversationId, replyId }) => {
      const found = await load(userId, conversationId, replyId);
      if (!found) return;
      const { conversation, branch } = found;
      if (conversation.titleSource !== 'auto' || conversation.title !== '') return; // named already
      const userText = branch.findLast((m) => m.role === 'user')?.content ?? '';
      if (userText === '') return;
      const { chain } = await deps.context.build(userId, conversation, branch);
      const title = await deps.titles.titleFor(userId, {
        userText,
        replyText: branch.at(-1)!.content,
        chain,
        avatarId: conversation.avatarId,
      });
      await conversations.setAutoTitle(conversation.id, title);
      deps.onTitle?.(conversation.id, replyId, title);
    },
  });
}

/**
 * Runs the cluster-wide half of reply recovery as a scheduled job: replies left `streaming` by a
 * writer whose lock nobody holds any more are marked `interrupted`. Any one instance can tell
 * (a dead process's session lock is gone for everyone), so one sweep per interval across the
 * cluster is enough, instead of one per instance. The process-local half (this process's own
 * orphans, its own writer lock) stays on a timer in every process.
 */
export function registerReplyRecoveryJob(
  jobs: JobQueue,
  recovery: { sweepDeadWriters(): Promise<number> },
): void {
  jobs.register(BACKGROUND_JOBS.replyRecovery, {
    schema: z.object({}),
    // The next interval is the retry: a sweep that failed (the database was away) just runs again.
    retryLimit: 0,
    timeoutMs: REPLY_RECOVERY_INTERVAL_MS - 5_000,
    handler: async () => {
      await recovery.sweepDeadWriters();
    },
  });
  jobs.schedule(BACKGROUND_JOBS.replyRecovery, { everyMs: REPLY_RECOVERY_INTERVAL_MS });
}
