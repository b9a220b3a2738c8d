import type { Database } from '../db/database.js';
import type { AvatarMemoryPolicy } from '../domain/avatar.js';
import {
  MEMORY_LIMITS,
  type MemoryItem,
  type MemoryScope,
  type RecallItem,
  type UserMemorySettings,
} from '../domain/memory.js';
import { notFound } from '../errors.js';
import { createAvatarRepository } from '../repositories/avatar.repository.js';
import {
  type CorpusStatistics,
  type MessageFilter,
  messageStatistics,
  type QueryVector,
  type SearchHit,
  type SearchOptions,
  searchForRecall,
} from '../repositories/memory-search.repository.js';
import type { CorpusPresence } from './corpus-presence.js';
import { DEFAULT_IMPORTANCE, fuseRanks, recency, weightedScore } from './fuse-ranks.js';

/** Which lists recall fuses: both (the chat), or one alone (to measure what each brings). */
export const RECALL_MODES = ['hybrid', 'text', 'vector'] as const;
export type RecallMode = (typeof RECALL_MODES)[number];

/** How long the BM25 statistics of a user's past messages with an avatar are reused. */
export const STATISTICS_TTL_MS = 30_000;
/** Users × avatars whose statistics are kept at most (the oldest go first). */
const STATISTICS_KEPT = 10_000;

/** Pinned memories (the profile) recall puts first, at most. */
export const PINNED_MAX = 20;

/** Candidates each list brings per corpus, for `k` items returned: fusion needs more than `k`. */
export const candidatesFor = (k: number) => Math.min(100, Math.max(20, k * 3));

export interface RecallRequest {
  avatarId: string;
  /** What to recall for: the new user message (and, briefly, the turn before). */
  query: string;
  /** Items besides the pinned ones; 1–{@link MEMORY_LIMITS.recallMax}. */
  k: number;
  /** The conversation being answered: its own messages are in the context already, not recalled. */
  conversationId?: string | undefined;
  mode?: RecallMode | undefined;
  /** For recency and validity; the current time when omitted. */
  now?: Date | undefined;
  /**
   * The avatar's policy when the caller has the avatar at hand (saves a statement per turn);
   * else it is read, and an avatar the user may not see recalls nothing.
   */
  policy?: AvatarMemoryPolicy | undefined;
}

export interface MemoryRecallDeps {
  db: Database;
  /**
   * Whether the user has any memory and the avatar any document (memory/corpus-presence.ts): an
   * empty corpus is not searched. Without it, every corpus is.
   */
  presence?: Pick<CorpusPresence, 'memories' | 'documents'> | undefined;
  /** The query's vector with the user's embedding model; null (or absent) when there is none: full text only. */
  embedQuery?: (userId: string, text: string, signal?: AbortSignal) => Promise<QueryVector | null>;
  settingsFor: (userId: string) => Promise<UserMemorySettings>;
}

/**
 * Recall (issue 13): what an avatar remembers for a query. Pinned memories (the profile) come
 * first, then the best `k` of memories, the user's past messages with this avatar (other
 * conversations, imported ones too) and the avatar's document chunks: each corpus searched by
 * full text (BM25) and by vector (the user's embedding model), the lists fused by reciprocal
 * rank and weighted by importance and recency. Ended (superseded, forgotten) memories are never
 * candidates. Nothing when memory is off for the user or for the avatar.
 * @example
 * const { recall } = createMemoryRecall({ db, embedQuery, settingsFor });
 * const items = await recall(userId, { avatarId, query: 'what is my cat called?', k: 8 });
 */
export function createMemoryRecall(deps: MemoryRecallDeps) {
  const avatars = createAvatarRepository(deps.db);
  /**
   * The BM25 statistics of each user's past messages with an avatar, kept for
   * {@link STATISTICS_TTL_MS}: sampling them in every recall was most of its time on PGlite
   * (docs/performance.md, "Chat with memory on, third pass"). Statistics, not results: new
   * messages are found at once; only their weight follows a few seconds later.
   */
  const statistics = new Map<string, { at: number; stats: Promise<CorpusStatistics> }>();
  function messageStatsFor(userId: string, avatarId: string): Promise<CorpusStatistics> {
    const key = `${userId}/${avatarId}`;
    const now = Date.now();
    const kept = statistics.get(key);
    if (kept && now - kept.at < STATISTICS_TTL_MS) return kept.stats;
    const stats = messageStatistics(deps.db, userId, avatarId);
    statistics.delete(key);
    if (statistics.size >= STATISTICS_KEPT) statistics.delete(statistics.keys().next().value!);
    statistics.set(key, { at: now, stats });
    // A failed read is not kept: the next recall asks again.
    stats.catch(() => {
      if (statistics.get(key)?.stats === stats) statistics.delete(key);
    });
    return stats;
  }

  async function recall(userId: string, request: RecallRequest, signal?: AbortSignal): Promise<RecallItem[]> {
    const k = Math.max(1, Math.min(MEMORY_LIMITS.recallMax, Math.floor(request.k)));
    const now = request.now ?? new Date();
    const mode = request.mode ?? 'hybrid';
    const settings = await deps.settingsFor(userId);
    if (!settings.enabled) return [];
    const policy = request.policy ?? (await avatars.findVisible(userId, request.avatarId))?.memory;
    if (!policy?.enabled) return [];
    const scope: MemoryScope = { avatarId: request.avatarId, shared: policy.scope === 'shared' };

    const query = request.query.trim();
    const vector =
      query && mode !== 'text' && deps.embedQuery ? await deps.embedQuery(userId, query, signal) : null;
    const options: SearchOptions = {
      k: candidatesFor(k),
      ...(mode !== 'vector' && query ? { text: query } : {}),
      ...(vector ? { vector } : {}),
    };
    const searching = options.text !== undefined || options.vector !== undefined;
    // A user without memories, an avatar without documents: no list over an empty corpus.
    const [hasMemories, hasDocuments] = deps.presence
      ? await Promise.all([
          deps.presence.memories(userId),
          searching ? deps.presence.documents(userId, request.avatarId) : false,
        ])
      : [true, searching];

    const searchMessages = searching && settings.recallMessages;
    const messageFilter: MessageFilter = {
      avatarId: request.avatarId,
      excludeConversationId: request.conversationId,
    };
    const messageStats =
      searchMessages && options.text !== undefined
        ? await messageStatsFor(userId, request.avatarId)
        : undefined;
    // One statement for every list (repositories/memory-search.repository.ts searchForRecall).
    const found = await searchForRecall(deps.db, userId, {
      messageStats,
      scope,
      pinnedLimit: PINNED_MAX,
      at: now,
      options,
      memories: hasMemories,
      chunks: hasDocuments,
      ...(searchMessages ? { messages: messageFilter } : {}),
    });
    const { pinned } = found;
    const [memories, messages, chunks] = searching
      ? [found.memories, found.messages, found.chunks]
      : [[], [], []];
    const pinnedIds = new Set(pinned.map((item) => item.id));
    const scored: RecallItem[] = [];
    for (const hit of memories) {
      if (pinnedIds.has(hit.item.id)) continue;
      const factors = { importance: hit.item.importance, recency: recency(hit.item.validFrom, now) };
      scored.push(memoryRecallItem(hit.item, weightedScore(fuseRanks(hit), factors)));
    }
    for (const hit of messages) {
      scored.push({
        type: 'message',
        id: hit.item.id,
        content: hit.item.content,
        score: weighted(hit, DEFAULT_IMPORTANCE.message, recency(hit.item.createdAt, now)),
        sourceMessageId: hit.item.id,
        conversationId: hit.item.conversationId,
        createdAt: hit.item.createdAt,
      });
    }
    for (const hit of chunks) {
      scored.push({
        type: 'document',
        id: hit.item.id,
        content: hit.item.content,
        score: weighted(hit, DEFAULT_IMPORTANCE.document, null),
        documentId: hit.item.documentId,
        documentName: hit.item.documentName,
        page: hit.item.page,
        createdAt: hit.item.createdAt,
      });
    }
    scored.sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : -1));
    // The profile is always in context: first, above every scored item.
    const top = scored[0]?.score ?? 0;
    const profile = pinned.map((item, index) => memoryRecallItem(item, top + PINNED_MAX - index));
    return [...profile, ...scored.slice(0, k)];
  }

  return {
    recall,

    /**
     * Recall for `GET /api/memories/recall`: exactly what the chat would use for that text (no
     * conversation excluded), but an avatar the user may not see is a 404, not an empty answer.
     */
    async search(userId: string, request: Omit<RecallRequest, 'policy'>): Promise<RecallItem[]> {
      const avatar = await avatars.findVisible(userId, request.avatarId);
      if (!avatar) throw notFound('avatar');
      return recall(userId, { ...request, policy: avatar.memory });
    },
  };
}

export type MemoryRecall = ReturnType<typeof createMemoryRecall>;

const weighted = (hit: SearchHit<unknown>, importance: number, recent: number | null) =>
  weightedScore(fuseRanks(hit), { importance, recency: recent });

function memoryRecallItem(item: MemoryItem, score: number): RecallItem {
  return {
    type: 'memory',
    id: item.id,
    content: item.content,
    score,
    kind: item.kind,
    pinned: item.pinned,
    ...(item.sourceMessageIds[0] ? { sourceMessageId: item.sourceMessageIds[0] } : {}),
    ...(item.sourceConversationId ? { conversationId: item.sourceConversationId } : {}),
    createdAt: item.validFrom,
  };
}
