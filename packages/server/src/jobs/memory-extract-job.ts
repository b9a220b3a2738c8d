import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { Database } from '../db/database.js';
import type { Avatar } from '../domain/avatar.js';
import type { Conversation } from '../domain/conversation.js';
import type { MemoryCandidate, MemoryItem, MemoryScope, UserMemorySettings } from '../domain/memory.js';
import { storedAvatarId } from '../domain/memory.js';
import type { Message } from '../domain/message.js';
import {
  type ExtractionTurn,
  extractMemories,
  filterCandidates,
  type JunkReason,
  MAX_EXCHANGES,
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
import type { BatchJob, JobQueue } from './job-queue.js';

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
   * Awaited before the worker fetches extraction jobs, while replies of this process are being
   * written (jobs/quiet-gate.ts), so the extraction's model calls and statements do not slow the
   * next turn, and what arrives meanwhile is read together; absent: no waiting.
   */
  waitForQuiet?: ((signal: AbortSignal) => Promise<unknown>) | undefined;
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>;
}

/** What one run did; logged, and what the tests and measurements read. */
export interface MemoryExtractionReport {
  /** Why nothing was looked at, when so. */
  skipped: null | 'gone' | 'not_finished' | 'memory_off' | 'avatar_memory_off' | 'incognito';
  /** Exchanges read (a user message and its reply each). */
  exchanges: number;
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

/** Jobs one worker fetches at once; each then takes the other waiting jobs of its conversation. */
export const EXTRACTION_BATCH = 8;
/** Waiting jobs of one conversation read together, at most (three extraction calls). */
export const EXTRACTION_PER_CONVERSATION = 3 * MAX_EXCHANGES;

/**
 * Registers `memory-extract`: after each finished exchange, the user's "remember that …" /
 * "forget that …" and what the memory model finds worth keeping are compared with the avatar's
 * memories and stored (memory/). A worker fetches a few waiting jobs ({@link EXTRACTION_BATCH}),
 * then takes every other waiting job of their conversations (up to
 * {@link EXTRACTION_PER_CONVERSATION}), and the exchanges of one conversation are read together
 * ({@link MAX_EXCHANGES} per model call): a conversation answered turn after turn faster than
 * extraction runs costs one call per burst, not one per exchange. A model that fails for a
 * passing reason fails that conversation's jobs, and the queue retries them with back-off; an
 * answer that breaks the schema is logged and stored nowhere.
 */
export function registerMemoryExtractJob(jobs: JobQueue, deps: MemoryExtractDeps): void {
  jobs.register(BACKGROUND_JOBS.memoryExtract, {
    schema: memoryExtractJobData,
    retryLimit: 3,
    backoff: { delayMs: 5_000, exponential: true },
    // For the whole batch: up to EXTRACTION_BATCH conversations of up to three calls each, one
    // after the other, with a slow local model (25 s a call).
    timeoutMs: 600_000,
    concurrency: 2,
    batch: {
      size: EXTRACTION_BATCH,
      // Before fetching, not after: a batch waiting for quiet would hold a worker slot.
      ...(deps.waitForQuiet ? { ready: deps.waitForQuiet } : {}),
      handler: async (batch, { signal, take }) => {
        const failed = new Map<string, Error>();
        for (const fetched of byConversation(batch)) {
          const { userId, conversationId } = fetched[0]!.data;
          // What else of this conversation waits, including what came while waiting for quiet.
          const more = await take(
            'conversationId',
            conversationId,
            EXTRACTION_PER_CONVERSATION - fetched.length,
          );
          const group = [...fetched, ...more.filter((job) => job.data.userId === userId)];
          for (const stray of more.filter((job) => job.data.userId !== userId))
            failed.set(stray.id, new Error('the job names another user for its conversation'));
          const replyIds = group.map((job) => job.data.replyId);
          try {
            const report = await runMemoryExtraction(deps, { userId, conversationId, replyIds }, signal);
            if (report.skipped) continue;
            deps.log.info(
              {
                conversationId,
                replyIds,
                exchanges: report.exchanges,
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
          } catch (err) {
            const error = err instanceof Error ? err : new Error(String(err));
            for (const job of group) failed.set(job.id, error);
          }
        }
        return failed;
      },
    },
  });
}

/** The batch's jobs per conversation (and user), in the order they were queued. */
function byConversation(batch: BatchJob<MemoryExtractJobData>[]): BatchJob<MemoryExtractJobData>[][] {
  const groups = new Map<string, BatchJob<MemoryExtractJobData>[]>();
  for (const job of batch) {
    const key = `${job.data.userId}/${job.data.conversationId}`;
    const group = groups.get(key);
    if (group) group.push(job);
    else groups.set(key, [job]);
  }
  return [...groups.values()];
}

const emptyReport = (skipped: MemoryExtractionReport['skipped']): MemoryExtractionReport => ({
  skipped,
  exchanges: 0,
  command: null,
  badOutput: null,
  rejected: {},
  added: [],
  updated: [],
  invalidated: [],
  noop: 0,
});

/** What to extract from: finished replies of one conversation (oldest first), each with its exchange. */
export interface MemoryExtractionRequest {
  userId: string;
  conversationId: string;
  replyIds: string[];
}

/** A finished reply and the user message it answered, with the branch up to the reply. */
interface Exchange {
  message: Message;
  reply: Message;
  branch: Message[];
  messageIndex: number;
}

/**
 * The extraction of a conversation's finished replies (the job's work, callable on its own for
 * measurements): each reply with the user message it answers; replies to the same message (a
 * regenerated answer) count once, with the newest reply.
 */
export async function runMemoryExtraction(
  deps: MemoryExtractDeps,
  request: MemoryExtractionRequest | MemoryExtractJobData,
  signal?: AbortSignal,
): Promise<MemoryExtractionReport> {
  const { userId, conversationId } = request;
  const replyIds = 'replyIds' in request ? request.replyIds : [request.replyId];
  const conversation = await createConversationRepository(deps.db).findOwned(userId, conversationId);
  if (!conversation) return emptyReport('gone');
  // An incognito conversation leaves nothing behind (issue 13, point 8).
  if (conversation.incognito) return emptyReport('incognito');

  // The newest reply's branch usually holds the others (a conversation answered turn after turn):
  // one statement for the lot; a reply on another branch reads its own.
  const messageRows = createMessageRepository(deps.db);
  const branches: Message[][] = [];
  async function branchTo(replyId: string): Promise<Message[]> {
    for (const branch of branches) {
      const index = branch.findIndex((m) => m.id === replyId);
      if (index !== -1) return branch.slice(0, index + 1);
    }
    const branch = await messageRows.branch(userId, replyId);
    branches.push(branch);
    return branch;
  }
  const ordered = [...new Set(replyIds)];
  if (ordered.length > 1) await branchTo(ordered.at(-1)!);
  const byMessage = new Map<string, Exchange>();
  let why: MemoryExtractionReport['skipped'] = 'gone';
  for (const replyId of ordered) {
    const branch = await branchTo(replyId);
    const reply = branch.at(-1);
    if (!reply || reply.id !== replyId || reply.conversationId !== conversationId) continue;
    if (reply.role !== 'assistant' || reply.status !== 'complete') {
      why = 'not_finished';
      continue;
    }
    const messageIndex = branch.findLastIndex((m) => m.role === 'user');
    const message = branch[messageIndex];
    if (!message || message.content.trim() === '') {
      why = 'not_finished';
      continue;
    }
    byMessage.delete(message.id);
    byMessage.set(message.id, { message, reply, branch, messageIndex });
  }
  const exchanges = [...byMessage.values()].sort(
    (a, b) => a.message.createdAt.getTime() - b.message.createdAt.getTime(),
  );
  if (exchanges.length === 0) return emptyReport(why);

  // The avatar that spoke each reply (in a group conversation, not always the conversation's
  // own): its memory policy says whether and where the exchange is remembered.
  const perAvatar = new Map<string, Exchange[]>();
  for (const exchange of exchanges) {
    const avatarId = exchange.reply.speakerAvatarId ?? conversation.avatarId;
    perAvatar.set(avatarId, [...(perAvatar.get(avatarId) ?? []), exchange]);
  }
  const settings = await deps.memorySettings(userId);
  if (!settings.enabled) return emptyReport('memory_off');
  const report = emptyReport('avatar_memory_off');
  for (const [avatarId, said] of perAvatar) {
    const avatar = await createAvatarRepository(deps.db).findVisible(userId, avatarId);
    if (!avatar?.memory.enabled) continue;
    report.skipped = null;
    await extractForAvatar(deps, { userId, conversation, avatar, exchanges: said, settings, report }, signal);
  }

  // New memories need vectors, and so does the exchange itself (chat history recall): with an
  // embedding model set, every finished exchange queues the (per-user singleton) embedding job.
  const embeds = report.added.length + report.updated.length > 0 || settings.embeddingModel != null;
  if (!report.skipped && embeds && deps.enqueueEmbedding) {
    await deps
      .enqueueEmbedding(userId)
      .catch((err) => deps.log.warn({ err, userId }, 'queueing the embedding failed'));
  }
  return report;
}

/** Commands and extraction for the exchanges one avatar answered; adds to `report`. */
async function extractForAvatar(
  deps: MemoryExtractDeps,
  input: {
    userId: string;
    conversation: Conversation;
    avatar: Avatar;
    exchanges: Exchange[];
    settings: Pick<UserMemorySettings, 'extractionModel'>;
    report: MemoryExtractionReport;
  },
  signal: AbortSignal | undefined,
): Promise<void> {
  const { userId, conversation, avatar, report } = input;
  const conversationId = conversation.id;
  const scope: MemoryScope = { avatarId: avatar.id, shared: avatar.memory.scope === 'shared' };
  const model = input.settings.extractionModel ?? conversation.model ?? avatar.defaultModel ?? undefined;
  const store = createMemoryRepository(deps.db);
  const context = (origin: DecisionContext['origin'], message: Message): DecisionContext => ({
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

  /** Compares the candidates with what is stored and stores the outcome, from `message`. */
  async function decideAndApply(
    candidates: MemoryCandidate[],
    origin: DecisionContext['origin'],
    message: Message,
  ) {
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
      deps.log.warn({ conversationId, reason: outcome.fallback }, 'memory decisions fell back to add');
    const offered = new Map(items.flatMap((i) => i.similar.map((m) => [m.id, m] as const)));
    merge(await applyDecisions(store, context(origin, message), outcome.decisions, offered));
  }

  // "remember that …" and "forget that …" first, in the order they were said.
  const toRead: Exchange[] = [];
  for (const exchange of input.exchanges) {
    const { message } = exchange;
    report.exchanges += 1;
    const command = parseMemoryCommand(message.content);
    if (command) report.command = command.type;
    if (command?.type === 'forget') {
      // Forgetting ends the matching memories, and chat history recall no longer offers the
      // messages they were learnt from; nothing is extracted from a message that asks it.
      const found = await similarTo(command.about, 10);
      for (const item of forgetMatches(command.about, found)) {
        const ended = await store.forget(userId, item.id);
        if (ended) report.invalidated.push(ended);
      }
      // The request itself repeats what is to be forgotten: it is not recalled either.
      await store.excludeFromRecall(userId, [message.id]);
      continue;
    }
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
      await decideAndApply(kept, 'command', message);
    }
    toRead.push(exchange);
  }

  const turn = (m: { role: string; content: string; createdAt: Date }): ExtractionTurn => ({
    role: m.role === 'user' ? 'user' : 'assistant',
    content: m.content,
    at: m.createdAt,
  });
  const profile =
    toRead.length > 0
      ? (await pinnedMemories(deps.db, userId, scope, PROFILE_SHOWN)).map((p) => p.content)
      : [];
  for (let from = 0; from < toRead.length; from += MAX_EXCHANGES) {
    const chunk = toRead.slice(from, from + MAX_EXCHANGES);
    const first = chunk[0]!;
    const earlier = first.branch
      .slice(0, first.messageIndex)
      .filter((m) => (m.role === 'user' || m.role === 'assistant') && m.content.trim() !== '')
      .slice(-EARLIER_TURNS)
      .map(turn);
    const outcome = await extractMemories(deps.models, {
      userId,
      avatarId: avatar.id,
      model,
      earlier,
      exchanges: chunk.map((e) => ({ message: turn(e.message), reply: turn(e.reply) })),
      profile,
      ...(signal ? { signal } : {}),
    });
    if (outcome.status === 'bad_output') {
      report.badOutput = outcome.reason;
      deps.log.warn(
        {
          conversationId,
          replyIds: chunk.map((e) => e.reply.id),
          modelId: outcome.modelId,
          reason: outcome.reason,
        },
        'memory extraction answer rejected: it does not match the schema; nothing stored',
      );
      continue;
    }
    for (const r of outcome.rejected) report.rejected[r.reason] = (report.rejected[r.reason] ?? 0) + 1;
    // Each memory is kept with the message it was said in (its source and date).
    for (const [index, exchange] of chunk.entries()) {
      const said = outcome.candidates.filter((c) => c.exchange === index + 1);
      await decideAndApply(
        said.map(({ exchange: _, ...candidate }) => candidate),
        'extracted',
        exchange.message,
      );
    }
  }
}
