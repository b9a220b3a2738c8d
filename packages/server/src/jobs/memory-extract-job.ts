import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { Database } from '../db/database.js';
import type { MemoryCandidate, MemoryItem, MemoryScope, UserMemorySettings } from '../domain/memory.js';
import { storedAvatarId } from '../domain/memory.js';
import {
  type ExtractionTurn,
  extractMemories,
  filterCandidates,
  type JunkReason,
  type ObjectModels,
} from '../memory/extract-memories.js';
import { commandMemory, forgetMatches, parseMemoryCommand } from '../memory/memory-commands.js';
import {
  type AppliedDecisions,
  applyDecisions,
  bestHits,
  type CandidateWithSimilar,
  type DecisionContext,
  decideMemories,
  type OfferedMemory,
  SIMILAR_PER_CANDIDATE,
  similaritySearchText,
} from '../memory/memory-decisions.js';
import { createAvatarRepository } from '../repositories/avatar.repository.js';
import { createConversationRepository } from '../repositories/conversation.repository.js';
import { createMemoryRepository } from '../repositories/memory.repository.js';
import {
  pinnedMemories,
  type QueryVector,
  searchMemories,
} from '../repositories/memory-search.repository.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import { BACKGROUND_JOBS } from './background-jobs.js';
import type { JobQueue } from './job-queue.js';

export const memoryExtractJobData = z.object({
  userId: z.uuid(),
  conversationId: z.uuid(),
  /** The finished reply; its branch holds the user message it answers. */
  replyId: z.uuid(),
});

export type MemoryExtractJobData = z.infer<typeof memoryExtractJobData>;

/** Turns before the exchange the memory model reads for reference (issue 13: 2–4). */
export const EARLIER_TURNS = 4;
/** Profile items shown to the extraction, so it does not propose them again. */
const PROFILE_SHOWN = 30;

export interface MemoryExtractDeps {
  db: Database;
  models: ObjectModels;
  /** The user's memory settings (user_settings.value.memory). */
  memorySettings(
    userId: string,
  ): Promise<
    Pick<UserMemorySettings, 'enabled' | 'extractionModel'> &
      Partial<Pick<UserMemorySettings, 'embeddingModel'>>
  >;
  /** The vector of a text with the user's embedding model; null without one (full text only). */
  embedQuery?:
    | ((userId: string, text: string) => Promise<{ model: string; vector: number[] } | null>)
    | undefined;
  /** Queues the embedding of what was stored (jobs/memory-embed-job.ts). */
  enqueueEmbedding?: ((userId: string) => Promise<unknown>) | undefined;
  /**
   * Holds the job while replies of this process are being written (jobs/quiet-gate.ts), so the
   * extraction's model call and statements do not slow the next turn; absent: no waiting.
   */
  waitForQuiet?: ((signal: AbortSignal) => Promise<unknown>) | undefined;
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>;
}

/** What one run did; logged, and what the tests and measurements read. */
export interface MemoryExtractionReport {
  /** Why nothing was looked at, when so. */
  skipped: null | 'gone' | 'not_finished' | 'memory_off' | 'avatar_memory_off' | 'incognito';
  command: 'remember' | 'forget' | null;
  /** The model's answer did not fit the schema: nothing from it was stored. */
  badOutput: string | null;
  rejected: Partial<Record<JunkReason, number>>;
  added: MemoryItem[];
  updated: MemoryItem[];
  invalidated: MemoryItem[];
  noop: number;
}

/**
 * Stores the extraction of one reply as a durable job. Never awaited by the reply beyond storing
 * the job row (one insert), so the model calls of extraction never delay the answer.
 */
export function enqueueMemoryExtraction(
  jobs: Pick<JobQueue, 'enqueue'>,
  data: MemoryExtractJobData,
): Promise<string | null> {
  return jobs.enqueue(BACKGROUND_JOBS.memoryExtract, data);
}

/**
 * Registers `memory-extract`: after each finished exchange, the user's "remember that …" /
 * "forget that …" and what the memory model finds worth keeping are compared with the avatar's
 * memories and stored (memory/). A model that fails for a passing reason fails the attempt, and
 * the queue retries with back-off; an answer that breaks the schema is logged and stored nowhere.
 */
export function registerMemoryExtractJob(jobs: JobQueue, deps: MemoryExtractDeps): void {
  jobs.register(BACKGROUND_JOBS.memoryExtract, {
    schema: memoryExtractJobData,
    retryLimit: 3,
    backoff: { delayMs: 5_000, exponential: true },
    timeoutMs: 180_000,
    concurrency: 2,
    handler: async (data, { signal }) => {
      await deps.waitForQuiet?.(signal);
      signal.throwIfAborted();
      const report = await runMemoryExtraction(deps, data, signal);
      if (report.skipped) return;
      deps.log.info(
        {
          conversationId: data.conversationId,
          replyId: data.replyId,
          command: report.command,
          added: report.added.length,
          updated: report.updated.length,
          invalidated: report.invalidated.length,
          noop: report.noop,
          rejected: report.rejected,
          ...(report.badOutput ? { badOutput: report.badOutput } : {}),
        },
        'memory extraction',
      );
    },
  });
}

const emptyReport = (skipped: MemoryExtractionReport['skipped']): MemoryExtractionReport => ({
  skipped,
  command: null,
  badOutput: null,
  rejected: {},
  added: [],
  updated: [],
  invalidated: [],
  noop: 0,
});

/** The extraction of one reply (the job's work, callable on its own for measurements). */
export async function runMemoryExtraction(
  deps: MemoryExtractDeps,
  { userId, conversationId, replyId }: MemoryExtractJobData,
  signal?: AbortSignal,
): Promise<MemoryExtractionReport> {
  const conversation = await createConversationRepository(deps.db).findOwned(userId, conversationId);
  if (!conversation) return emptyReport('gone');
  // An incognito conversation leaves nothing behind (issue 13, point 8).
  if (conversation.incognito) return emptyReport('incognito');
  const branch = await createMessageRepository(deps.db).branch(userId, replyId);
  const reply = branch.at(-1);
  if (!reply || reply.id !== replyId || reply.conversationId !== conversationId) return emptyReport('gone');
  if (reply.role !== 'assistant' || reply.status !== 'complete') return emptyReport('not_finished');
  const messageIndex = branch.findLastIndex((m) => m.role === 'user');
  const message = branch[messageIndex];
  if (!message || message.content.trim() === '') return emptyReport('not_finished');

  // The avatar that spoke the reply (in a group conversation, not always the conversation's own):
  // its memory policy says whether and where the exchange is remembered.
  const avatar = await createAvatarRepository(deps.db).findVisible(
    userId,
    reply.speakerAvatarId ?? conversation.avatarId,
  );
  if (!avatar?.memory.enabled) return emptyReport('avatar_memory_off');
  const settings = await deps.memorySettings(userId);
  if (!settings.enabled) return emptyReport('memory_off');

  const scope: MemoryScope = { avatarId: avatar.id, shared: avatar.memory.scope === 'shared' };
  const model = settings.extractionModel ?? conversation.model ?? avatar.defaultModel ?? undefined;
  const store = createMemoryRepository(deps.db);
  const report = emptyReport(null);
  const context = (origin: DecisionContext['origin']): DecisionContext => ({
    ownerId: userId,
    avatarId: storedAvatarId(scope),
    origin,
    sourceMessageIds: [message.id],
    sourceConversationId: conversationId,
    validFrom: message.createdAt,
  });
  const merge = (applied: AppliedDecisions) => {
    report.added.push(...applied.added);
    report.updated.push(...applied.updated);
    report.invalidated.push(...applied.invalidated);
    report.noop += applied.noop;
  };

  /** The most similar current memories in the avatar's scope, by text and, with a model, vector. */
  async function similarTo(text: string, k = SIMILAR_PER_CANDIDATE): Promise<OfferedMemory[]> {
    const embedded = await deps.embedQuery?.(userId, text);
    const vector: QueryVector | undefined = embedded
      ? { model: embedded.model, values: embedded.vector }
      : undefined;
    const hits = await searchMemories(deps.db, userId, scope, {
      text: similaritySearchText(text),
      vector,
      k: k * 2,
    });
    return bestHits(hits, text, k);
  }

  /** Compares the candidates with what is stored and stores the outcome. */
  async function decideAndApply(candidates: MemoryCandidate[], origin: DecisionContext['origin']) {
    if (candidates.length === 0) return;
    const items: CandidateWithSimilar[] = [];
    for (const candidate of candidates)
      items.push({ candidate, similar: await similarTo(candidate.content) });
    const outcome = await decideMemories(deps.models, {
      userId,
      model,
      items,
      ...(signal ? { signal } : {}),
    });
    if (outcome.fallback)
      deps.log.warn({ replyId, reason: outcome.fallback }, 'memory decisions fell back to add');
    const offered = new Map(items.flatMap((i) => i.similar.map((m) => [m.id, m] as const)));
    merge(await applyDecisions(store, context(origin), outcome.decisions, offered));
  }

  const command = parseMemoryCommand(message.content);
  report.command = command?.type ?? null;
  if (command?.type === 'forget') {
    // Forgetting ends the matching memories, and chat history recall no longer offers the messages
    // they were learnt from; nothing is extracted from a message that asks it.
    const found = await similarTo(command.about, 10);
    for (const item of forgetMatches(command.about, found)) {
      const ended = await store.forget(userId, item.id);
      if (ended) report.invalidated.push(ended);
    }
    // The request itself repeats what is to be forgotten: it is not recalled either.
    await store.excludeFromRecall(userId, [message.id]);
  } else {
    if (command?.type === 'remember') {
      const candidate = await commandMemory(deps.models, {
        userId,
        model,
        content: command.content,
        ...(signal ? { signal } : {}),
      });
      const { kept, rejected } = candidate ? filterCandidates([candidate]) : { kept: [], rejected: [] };
      for (const r of rejected) report.rejected[r.reason] = (report.rejected[r.reason] ?? 0) + 1;
      if (!candidate) report.badOutput = 'the remembered text could not be rewritten';
      await decideAndApply(kept, 'command');
    }
    const turn = (m: { role: string; content: string; createdAt: Date }): ExtractionTurn => ({
      role: m.role === 'user' ? 'user' : 'assistant',
      content: m.content,
      at: m.createdAt,
    });
    const earlier = branch
      .slice(0, messageIndex)
      .filter((m) => (m.role === 'user' || m.role === 'assistant') && m.content.trim() !== '')
      .slice(-EARLIER_TURNS)
      .map(turn);
    const profile = await pinnedMemories(deps.db, userId, scope, PROFILE_SHOWN);
    const outcome = await extractMemories(deps.models, {
      userId,
      avatarId: avatar.id,
      model,
      earlier,
      message: turn(message),
      reply: turn(reply),
      profile: profile.map((p) => p.content),
      ...(signal ? { signal } : {}),
    });
    if (outcome.status === 'bad_output') {
      report.badOutput = outcome.reason;
      deps.log.warn(
        { replyId, modelId: outcome.modelId, reason: outcome.reason },
        'memory extraction answer rejected: it does not match the schema; nothing stored',
      );
    } else {
      for (const r of outcome.rejected) report.rejected[r.reason] = (report.rejected[r.reason] ?? 0) + 1;
      await decideAndApply(outcome.candidates, 'extracted');
    }
  }

  // New memories need vectors, and so does the exchange itself (chat history recall): with an
  // embedding model set, every finished exchange queues the (per-user singleton) embedding job.
  const embeds = report.added.length + report.updated.length > 0 || settings.embeddingModel != null;
  if (embeds && deps.enqueueEmbedding) {
    await deps
      .enqueueEmbedding(userId)
      .catch((err) => deps.log.warn({ err, userId }, 'queueing the embedding failed'));
  }
  return report;
}
