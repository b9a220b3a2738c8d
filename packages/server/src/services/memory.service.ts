import type { Database } from '../db/database.js';
import { MEMORY_LIMITS, type MemoryItem, type MemoryKind, type MemoryScope } from '../domain/memory.js';
import { AppError, conflict, notFound } from '../errors.js';
import { unstorableTextRefused } from '../http/text-guard.js';
import { createAvatarRepository } from '../repositories/avatar.repository.js';
import {
  createMemoryRepository,
  MEMORY_LIST_MAX,
  type MemoryListFilter,
  type MemoryRepository,
} from '../repositories/memory.repository.js';
import { findUnstorableText } from '../unstorable-text.js';

/** What `GET /api/memories` filters by. */
export interface MemoryQuery {
  /** An exact avatar, or `shared` for the memories shared by the user's avatars. */
  avatarId?: string | 'shared';
  /** What this avatar sees under its memory policy (its own, plus the shared ones when `shared`). */
  visibleTo?: string;
  kind?: MemoryKind;
  q?: string;
  history?: boolean;
  pinned?: boolean;
  limit?: number;
  before?: string;
}

/** A memory written by hand. */
export interface ManualMemory {
  content: string;
  kind: MemoryKind;
  avatarId?: string | null;
  importance?: number;
  pinned?: boolean;
}

export interface MemoryChange {
  content?: string;
  kind?: MemoryKind;
  importance?: number;
  pinned?: boolean;
  avatarId?: string | null;
}

export const MEMORY_PAGE_DEFAULT = 50;
export const MEMORY_PAGE_MAX = 200;
/** Rows an export reads per query (the most one list answers), so a 200,000-item export never holds them all at once. */
const EXPORT_PAGE = MEMORY_LIST_MAX;

const contentRefused = (message: string) =>
  new AppError(400, 'invalid_request', message, { issues: [{ path: 'content', message, in: 'body' }] });

/**
 * A memory's text as stored: trimmed, 1–500 characters, no U+0000 or lone surrogate (the HTTP
 * guard refuses those first; this holds for every other caller too).
 * @example memoryContent('  Likes tea ') // 'Likes tea'
 */
export function memoryContent(text: string): string {
  const content = text.trim();
  if (findUnstorableText(content) !== undefined) throw unstorableTextRefused('content', 'body');
  if (content.length === 0) throw contentRefused('A memory needs some text');
  if (content.length > MEMORY_LIMITS.contentChars)
    throw contentRefused(`A memory is at most ${MEMORY_LIMITS.contentChars} characters`);
  return content;
}

/**
 * What a person can do with their memories (docs/memory.md): list and search them, write one by
 * hand, edit, pin, delete one, forget everything (for one avatar or all), follow a fact's
 * history and export them. Everything is the owner's only: another person's memory is a 404.
 * @example const memories = createMemoryService({ db: storage.db });
 */
export function createMemoryService(deps: {
  db: Database;
  memories?: MemoryRepository;
  /** Memories a user may keep (default MEMORY_LIMITS.itemsPerUser; tests lower it). */
  itemsPerUser?: number;
  /** A memory's text was written or changed: it needs a vector (app.ts queues the embedding job). */
  onTextWritten?: (userId: string) => Promise<void> | void;
}) {
  const memories = deps.memories ?? createMemoryRepository(deps.db);
  const itemsPerUser = deps.itemsPerUser ?? MEMORY_LIMITS.itemsPerUser;
  const avatars = createAvatarRepository(deps.db);

  /** An avatar the user may use (theirs, or shared with the instance); 404 otherwise. */
  async function visibleAvatar(userId: string, avatarId: string) {
    const avatar = await avatars.findVisible(userId, avatarId);
    if (!avatar) throw notFound('avatar');
    return avatar;
  }

  async function owned(userId: string, id: string): Promise<MemoryItem> {
    const item = await memories.get(userId, id);
    if (!item) throw notFound('memory');
    return item;
  }

  /** The avatar a memory is moved or written to: null (shared) or one the user may use. */
  async function targetAvatar(userId: string, avatarId: string | null | undefined): Promise<string | null> {
    if (avatarId === undefined || avatarId === null) return null;
    return (await visibleAvatar(userId, avatarId)).id;
  }

  return {
    get: owned,

    /** Newest first; `nextCursor` is the `before` of the next page, null on the last one. */
    async list(
      userId: string,
      query: MemoryQuery = {},
    ): Promise<{ items: MemoryItem[]; nextCursor: string | null }> {
      const limit = Math.min(Math.max(query.limit ?? MEMORY_PAGE_DEFAULT, 1), MEMORY_PAGE_MAX);
      const filter: MemoryListFilter = { limit };
      if (query.avatarId !== undefined) filter.avatarId = query.avatarId === 'shared' ? null : query.avatarId;
      if (query.visibleTo !== undefined) {
        const avatar = await visibleAvatar(userId, query.visibleTo);
        const scope: MemoryScope = { avatarId: avatar.id, shared: avatar.memory.scope === 'shared' };
        filter.scope = scope;
      }
      if (query.kind) filter.kind = query.kind;
      if (query.q) filter.q = query.q;
      if (query.history) filter.includeHistory = true;
      if (query.pinned !== undefined) filter.pinned = query.pinned;
      if (query.before) filter.before = query.before;
      const items = await memories.list(userId, filter);
      return { items, nextCursor: items.length === limit ? items[items.length - 1]!.id : null };
    },

    /** Writes a memory by hand: origin `manual`, confidence 1, holding from now. */
    async create(userId: string, input: ManualMemory): Promise<MemoryItem> {
      const content = memoryContent(input.content);
      const avatarId = await targetAvatar(userId, input.avatarId);
      if ((await memories.count(userId)) >= itemsPerUser) {
        throw new AppError(
          409,
          'memory_limit_reached',
          `You keep ${itemsPerUser.toLocaleString('en')} memories, the most there can be: delete some first`,
          { limit: itemsPerUser },
        );
      }
      const created = await memories.insert({
        ownerId: userId,
        avatarId,
        kind: input.kind,
        content,
        importance: input.importance ?? 0.5,
        confidence: 1,
        origin: 'manual',
        sourceMessageIds: [],
        sourceConversationId: null,
        pinned: input.pinned ?? false,
      });
      await deps.onTextWritten?.(userId);
      return created;
    },

    /**
     * Edits a current memory in place (a new text is embedded again). A superseded or
     * invalidated one is history: 409 `memory_not_current`.
     */
    async update(userId: string, id: string, change: MemoryChange): Promise<MemoryItem> {
      const item = await owned(userId, id);
      if (item.validTo !== null && item.validTo <= new Date())
        throw conflict('memory_not_current', 'This memory no longer holds: edit the current version');
      const patch: MemoryChange = {};
      if (change.content !== undefined) {
        const content = memoryContent(change.content);
        if (content !== item.content) patch.content = content;
      }
      if (change.kind !== undefined) patch.kind = change.kind;
      if (change.importance !== undefined) patch.importance = change.importance;
      if (change.pinned !== undefined) patch.pinned = change.pinned;
      if (change.avatarId !== undefined) patch.avatarId = await targetAvatar(userId, change.avatarId);
      if (Object.keys(patch).length === 0) return item;
      const updated = await memories.update(userId, id, patch);
      if (!updated) throw notFound('memory'); // deleted meanwhile
      if (patch.content !== undefined) await deps.onTextWritten?.(userId);
      return updated;
    },

    async remove(userId: string, id: string): Promise<void> {
      if (!(await memories.remove(userId, id))) throw notFound('memory');
    },

    /**
     * Forgets every memory of the user, or with `avatarId` those that avatar keeps as its own
     * (the shared ones stay: other avatars see them too). Answers how many were deleted.
     */
    async forget(userId: string, avatarId?: string): Promise<number> {
      if (avatarId !== undefined) await visibleAvatar(userId, avatarId);
      return memories.removeAll(userId, avatarId);
    },

    /** Every version of the fact this memory is one of, oldest first. */
    async history(userId: string, id: string): Promise<MemoryItem[]> {
      const items = await memories.history(userId, id);
      if (items.length === 0) throw notFound('memory');
      return items;
    },

    /** All the user's memories, history included, newest first, a page at a time. */
    async *exportPages(userId: string): AsyncGenerator<MemoryItem[]> {
      let before: string | undefined;
      for (;;) {
        const page = await memories.list(userId, {
          includeHistory: true,
          limit: EXPORT_PAGE,
          ...(before ? { before } : {}),
        });
        if (page.length > 0) yield page;
        if (page.length < EXPORT_PAGE) return;
        before = page[page.length - 1]!.id;
      }
    },
  };
}

export type MemoryService = ReturnType<typeof createMemoryService>;
