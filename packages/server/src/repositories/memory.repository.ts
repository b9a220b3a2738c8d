import { and, count, desc, eq, ilike, inArray, isNull, lt, or, type SQL, sql } from 'drizzle-orm';
import { type Database, queryRows } from '../db/database.js';
import { memories } from '../db/schema/index.js';
import { noteWrite } from '../db/write-notices.js';
import type { MemoryItem, MemoryKind, MemoryScope } from '../domain/memory.js';
import { isUuid, newId } from '../ids.js';
// A pure parser shared with message search, so both search boxes read text the same way.
import { hasTerms, parseSearchQuery, type SearchQuery } from '../services/search-query.js';

/** What a caller stores; the id, validity end, embedding and timestamps are the database's. */
export type NewMemory = Pick<
  MemoryItem,
  | 'ownerId'
  | 'avatarId'
  | 'kind'
  | 'content'
  | 'importance'
  | 'confidence'
  | 'origin'
  | 'sourceMessageIds'
  | 'sourceConversationId'
  | 'pinned'
> & { validFrom?: Date };

export interface MemoryListFilter {
  /** An exact avatar; null: the shared memories only; undefined: every memory of the user. */
  avatarId?: string | null;
  /** What one avatar sees (its own, and the shared ones when its policy is `shared`). */
  scope?: MemoryScope;
  kind?: MemoryKind;
  /** Full text over the content (web-search syntax), plus a substring match for partial words. */
  q?: string;
  /** Also memories that no longer hold (superseded or invalidated); default only current ones. */
  includeHistory?: boolean;
  pinned?: boolean;
  /** At most this many (1–500; default 50). */
  limit?: number;
  /** Cursor: only memories older than this id (ids are UUIDv7, so id order is creation order). */
  before?: string;
}

export interface MemoryPatch {
  content?: string;
  kind?: MemoryKind;
  importance?: number;
  pinned?: boolean;
  avatarId?: string | null;
}

export const MEMORY_LIST_MAX = 500;
const MEMORY_LIST_DEFAULT = 50;

/** Every column but the vector and the text-search vector (large, and nobody reads them back). */
const itemColumns = {
  id: memories.id,
  ownerId: memories.ownerId,
  avatarId: memories.avatarId,
  kind: memories.kind,
  content: memories.content,
  importance: memories.importance,
  confidence: memories.confidence,
  origin: memories.origin,
  sourceMessageIds: memories.sourceMessageIds,
  sourceConversationId: memories.sourceConversationId,
  validFrom: memories.validFrom,
  validTo: memories.validTo,
  supersededBy: memories.supersededBy,
  pinned: memories.pinned,
  embeddingModel: memories.embeddingModel,
  createdAt: memories.createdAt,
  updatedAt: memories.updatedAt,
  lastRecalledAt: memories.lastRecalledAt,
};

/** Current = no end yet, or an end still in the future (domain `isCurrent`). */
const current = () => sql`(${memories.validTo} is null or ${memories.validTo} > now())`;

/** `%`, `_` and `\` in a search typed by a person are literal characters, not patterns. */
const likeEscaped = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The tsquery of a parsed search box text (as message search builds it). */
function tsquery(terms: SearchQuery): SQL {
  const text = terms.text ? sql`websearch_to_tsquery('simple', ${terms.text})` : undefined;
  if (!terms.prefix) return text ?? sql`''::tsquery`;
  const prefix = sql`to_tsquery('simple', ${`'${terms.prefix.word}':*`})`;
  if (!text) return prefix;
  return terms.prefix.join === 'or' ? sql`(${text} || ${prefix})` : sql`(${text} && ${prefix})`;
}

/**
 * A uuid[] parameter. Drizzle spreads a JS array into a list of parameters, so the ids travel as
 * one comma-joined text, checked to be UUIDs first (so the cast cannot fail on outside input).
 */
const uuidArray = (ids: readonly string[]) => {
  if (!ids.every(isUuid)) throw new Error('memory repository: source message ids must be UUIDs');
  return sql`string_to_array(${ids.join(',')}, ',')::uuid[]`;
};

/**
 * Memory items (domain/memory.ts). Every method takes the owner and touches only their rows, so
 * a caller can never reach another person's memories. A superseded or invalidated memory stays
 * (with `validTo`) as history until it is deleted.
 * @example const memoryRepo = createMemoryRepository(storage.db);
 */
export function createMemoryRepository(db: Database) {
  const owned = (ownerId: string, id: string) => and(eq(memories.ownerId, ownerId), eq(memories.id, id));

  /**
   * The ids of one page of a search, newest first, or undefined when nothing of the user's
   * matches at all (before the cursor or after). The matches are gathered first (a MATERIALIZED
   * CTE) and only then ordered: left to itself the planner walks the primary key backwards
   * through every user's rows, hoping to meet 50 matches early, which for a rare word means the
   * whole table (seconds at 250,000 rows; see docs/memory.md).
   */
  async function searchPage(
    filters: (SQL | undefined)[],
    match: SQL,
    before: string | undefined,
    limit: number,
  ): Promise<string[] | undefined> {
    const [row] = await queryRows<{ matched: boolean; ids: string | null }>(
      db,
      sql`with hits as materialized (
            select ${memories.id} as id from ${memories} where ${and(...filters, match)}
          )
          select exists (select 1 from hits) as matched,
                 (select string_agg(id::text, ',' order by id desc) from (
                    select id from hits ${before === undefined ? sql`` : sql`where id < ${before}::uuid`}
                    order by id desc limit ${limit}
                  ) page) as ids`,
    );
    if (!row?.matched) return undefined;
    return row.ids ? row.ids.split(',') : [];
  }

  /**
   * A search: whole words (web-search syntax) and the last word as a prefix while it is typed,
   * through the full-text index, as message search reads its box. Only when that matches nothing
   * the text matches as a substring anywhere ("yon" in "Lyon"), which reads every memory of the
   * user the other filters allow, so it is the fallback, not the rule. Decided without the
   * cursor, so every page of one search matches the same way.
   */
  async function searchIds(
    filters: (SQL | undefined)[],
    q: string,
    before: string | undefined,
    limit: number,
  ): Promise<string[]> {
    const terms = parseSearchQuery(q);
    if (hasTerms(terms)) {
      const page = await searchPage(filters, sql`${memories.tsv} @@ ${tsquery(terms)}`, before, limit);
      if (page) return page;
    }
    const substring = ilike(memories.content, `%${likeEscaped(q.trim())}%`);
    return (await searchPage(filters, substring, before, limit)) ?? [];
  }

  async function get(ownerId: string, id: string): Promise<MemoryItem | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await db.select(itemColumns).from(memories).where(owned(ownerId, id));
    return row;
  }

  return {
    async insert(item: NewMemory): Promise<MemoryItem> {
      const [row] = await db
        .insert(memories)
        .values({
          ownerId: item.ownerId,
          avatarId: item.avatarId,
          kind: item.kind,
          content: item.content,
          importance: item.importance,
          confidence: item.confidence,
          origin: item.origin,
          sourceMessageIds: item.sourceMessageIds,
          sourceConversationId: item.sourceConversationId,
          pinned: item.pinned,
          ...(item.validFrom ? { validFrom: item.validFrom } : {}),
        })
        .returning(itemColumns);
      noteWrite(db, 'memories', item.ownerId);
      return row!;
    },

    /** Whether the user has any memory at all, current or not (recall skips an empty corpus). */
    async hasAny(ownerId: string): Promise<boolean> {
      const [row] = await db
        .select({ id: memories.id })
        .from(memories)
        .where(eq(memories.ownerId, ownerId))
        .limit(1);
      return row !== undefined;
    },

    get,

    /** Newest first; page on with `before` = the last id of the previous page. */
    async list(ownerId: string, filter: MemoryListFilter = {}): Promise<MemoryItem[]> {
      // An id that is not a UUID names no avatar (and would fail the statement).
      if (typeof filter.avatarId === 'string' && !isUuid(filter.avatarId)) return [];
      if (filter.scope && !isUuid(filter.scope.avatarId)) return [];
      const where: (SQL | undefined)[] = [eq(memories.ownerId, ownerId)];
      if (filter.avatarId === null) where.push(isNull(memories.avatarId));
      else if (filter.avatarId !== undefined) where.push(eq(memories.avatarId, filter.avatarId));
      if (filter.scope) {
        const own = eq(memories.avatarId, filter.scope.avatarId);
        where.push(filter.scope.shared ? or(own, isNull(memories.avatarId)) : own);
      }
      if (filter.kind) where.push(eq(memories.kind, filter.kind));
      if (filter.pinned !== undefined) where.push(eq(memories.pinned, filter.pinned));
      if (!filter.includeHistory) where.push(current());
      if (filter.before !== undefined && !isUuid(filter.before)) return [];
      const limit = Math.min(Math.max(Math.trunc(filter.limit ?? MEMORY_LIST_DEFAULT), 1), MEMORY_LIST_MAX);
      if (filter.q?.trim()) {
        // Untrimmed: a trailing space says the last word is finished (no prefix match).
        const ids = await searchIds(where, filter.q, filter.before, limit);
        if (ids.length === 0) return [];
        return db
          .select(itemColumns)
          .from(memories)
          .where(and(eq(memories.ownerId, ownerId), inArray(memories.id, ids)))
          .orderBy(desc(memories.id));
      }
      if (filter.before !== undefined) where.push(lt(memories.id, filter.before));
      return db
        .select(itemColumns)
        .from(memories)
        .where(and(...where))
        .orderBy(desc(memories.id))
        .limit(limit);
    },

    /** A content change drops the vector and its model, so the embedding job embeds the new text. */
    async update(ownerId: string, id: string, patch: MemoryPatch): Promise<MemoryItem | undefined> {
      if (!isUuid(id)) return undefined;
      const set: Partial<typeof memories.$inferInsert> = { updatedAt: new Date() };
      if (patch.content !== undefined)
        Object.assign(set, { content: patch.content, embedding: null, embeddingModel: null });
      if (patch.kind !== undefined) set.kind = patch.kind;
      if (patch.importance !== undefined) set.importance = patch.importance;
      if (patch.pinned !== undefined) set.pinned = patch.pinned;
      if (patch.avatarId !== undefined) set.avatarId = patch.avatarId;
      const [row] = await db.update(memories).set(set).where(owned(ownerId, id)).returning(itemColumns);
      return row;
    },

    /**
     * Replaces a current memory with `next` in one statement: the new row is inserted and the old
     * one ends (`validTo` now, `supersededBy` the new id) together. The old row is locked, so of
     * two concurrent supersessions of one memory only the first happens. Undefined (and nothing
     * stored) when the old memory is not the owner's or no longer current.
     */
    async supersede(ownerId: string, oldId: string, next: NewMemory): Promise<MemoryItem | undefined> {
      if (!isUuid(oldId) || next.ownerId !== ownerId) return undefined;
      const id = newId();
      const rows = await queryRows<{ id: string }>(
        db,
        sql`with old as (
              select id from memories
              where owner_id = ${ownerId} and id = ${oldId} and (valid_to is null or valid_to > now())
              for update
            ), inserted as (
              insert into memories (id, owner_id, avatar_id, kind, content, importance, confidence, origin,
                                    source_message_ids, source_conversation_id, pinned, valid_from)
              select ${id}::uuid, ${ownerId}::uuid, ${next.avatarId}::uuid, ${next.kind}::text, ${next.content}::text,
                     ${next.importance}::real, ${next.confidence}::real, ${next.origin}::text,
                     ${uuidArray(next.sourceMessageIds)}, ${next.sourceConversationId}::uuid, ${next.pinned}::boolean,
                     coalesce(${next.validFrom?.toISOString() ?? null}::timestamptz, now())
              from old
              returning id
            ), ended as (
              update memories m set valid_to = now(), superseded_by = inserted.id, updated_at = now()
              from old, inserted where m.id = old.id
              returning m.id
            )
            select inserted.id from inserted, ended`,
      );
      if (rows[0]) noteWrite(db, 'memories', ownerId);
      return rows[0] ? get(ownerId, rows[0].id) : undefined;
    },

    /** Ends a current memory at `at` (kept as history); undefined when none such is the owner's. */
    async invalidate(ownerId: string, id: string, at = new Date()): Promise<MemoryItem | undefined> {
      if (!isUuid(id)) return undefined;
      const [row] = await db
        .update(memories)
        .set({ validTo: at, updatedAt: new Date() })
        .where(and(owned(ownerId, id), current()))
        .returning(itemColumns);
      return row;
    },

    /**
     * Deletes the row, its vector and its text-search entry with it. True when one was deleted.
     * In the same statement, the messages the fact was learnt from (its own sources and those of
     * the versions it superseded) are flagged `recallExcluded`, so chat history recall cannot bring
     * the deleted fact back as a past message; they stay in their conversations.
     */
    async remove(ownerId: string, id: string): Promise<boolean> {
      if (!isUuid(id)) return false;
      const rows = await queryRows<{ id: string }>(
        db,
        sql`with recursive chain as (
              select id, source_message_ids from memories where owner_id = ${ownerId} and id = ${id}
              union
              select m.id, m.source_message_ids from memories m join chain on m.superseded_by = chain.id
              where m.owner_id = ${ownerId}
            ), flagged as (
              ${excludeFromRecall(ownerId, sql`select unnest(source_message_ids) from chain`)}
            )
            delete from memories where owner_id = ${ownerId} and id = ${id} returning id`,
      );
      return rows.length > 0;
    },

    /**
     * "Forget that …": ends a current memory like `invalidate` (kept as history) and, in the same
     * statement, flags the messages it was learnt from `recallExcluded` (see `remove`).
     */
    async forget(ownerId: string, id: string, at = new Date()): Promise<MemoryItem | undefined> {
      if (!isUuid(id)) return undefined;
      const rows = await queryRows<{ id: string }>(
        db,
        sql`with recursive chain as (
              select id, source_message_ids from memories
              where owner_id = ${ownerId} and id = ${id} and (valid_to is null or valid_to > now())
              union
              select m.id, m.source_message_ids from memories m join chain on m.superseded_by = chain.id
              where m.owner_id = ${ownerId}
            ), flagged as (
              ${excludeFromRecall(ownerId, sql`select unnest(source_message_ids) from chain`)}
            )
            update memories set valid_to = ${at.toISOString()}::timestamptz, updated_at = now()
            where owner_id = ${ownerId} and id = ${id} and (valid_to is null or valid_to > now())
            returning id`,
      );
      return rows[0] ? get(ownerId, rows[0].id) : undefined;
    },

    /**
     * Flags the owner's messages `recallExcluded` (a "forget that …" request quotes what it asks
     * to forget): chat history recall skips them; they stay in their conversations.
     */
    async excludeFromRecall(ownerId: string, messageIds: string[]): Promise<void> {
      const ids = messageIds.filter(isUuid);
      if (ids.length === 0) return;
      await db.execute(excludeFromRecall(ownerId, sql`select unnest(${uuidArray(ids)})`));
    },

    /**
     * Deletes every memory of the user, or with `avatarId` those stored as that avatar's own
     * (shared memories stay: other avatars see them too). Answers how many were deleted.
     */
    async removeAll(ownerId: string, avatarId?: string): Promise<number> {
      if (avatarId !== undefined && !isUuid(avatarId)) return 0;
      // Like `remove`: what the deleted memories were learnt from is no longer recalled as history.
      const which = sql`owner_id = ${ownerId} ${avatarId === undefined ? sql`` : sql`and avatar_id = ${avatarId}`}`;
      const rows = await queryRows<{ id: string }>(
        db,
        sql`with flagged as (
              ${excludeFromRecall(ownerId, sql`select unnest(source_message_ids) from memories where ${which}`)}
            )
            delete from memories where ${which} returning id`,
      );
      return rows.length;
    },

    /**
     * Every version of the fact this memory is one of: what it superseded, back to the first, and
     * what superseded it, up to the current one. Oldest first; empty when not the owner's.
     */
    async history(ownerId: string, id: string): Promise<MemoryItem[]> {
      if (!isUuid(id)) return [];
      // `union` (not `union all`) stops at rows already seen, should a chain ever loop.
      const chain = sql`(
        with recursive later(id, next) as (
          select id, superseded_by from memories where owner_id = ${ownerId} and id = ${id}
          union
          select m.id, m.superseded_by from memories m join later l on m.id = l.next where m.owner_id = ${ownerId}
        ), earlier(id) as (
          select id from memories where owner_id = ${ownerId} and id = ${id}
          union
          select m.id from memories m join earlier e on m.superseded_by = e.id where m.owner_id = ${ownerId}
        )
        select id from later union select id from earlier
      )`;
      return db
        .select(itemColumns)
        .from(memories)
        .where(and(eq(memories.ownerId, ownerId), sql`${memories.id} in ${chain}`))
        .orderBy(memories.validFrom, memories.id);
    },

    /** Notes that recall used these memories (one statement; the edit time stays). */
    async markRecalled(ownerId: string, ids: string[]): Promise<void> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return;
      await db
        .update(memories)
        .set({ lastRecalledAt: sql`now()`, updatedAt: sql`${memories.updatedAt}` })
        .where(and(eq(memories.ownerId, ownerId), inArray(memories.id, valid)));
    },

    /** The user's memories, current and history together (the MEMORY_LIMITS.itemsPerUser count). */
    async count(ownerId: string): Promise<number> {
      const [row] = await db.select({ n: count() }).from(memories).where(eq(memories.ownerId, ownerId));
      return Number(row?.n ?? 0);
    },

    /**
     * Stores a memory's vector (unit length) and the model that made it. With `ifContent`, only
     * while the content is still that text: an edit made while the vector was computed wins.
     * True when stored.
     */
    async setEmbedding(
      ownerId: string,
      id: string,
      model: string,
      vector: number[],
      ifContent?: string,
    ): Promise<boolean> {
      if (!isUuid(id)) return false;
      const rows = await db
        .update(memories)
        .set({ embedding: vector, embeddingModel: model, updatedAt: sql`${memories.updatedAt}` })
        .where(and(owned(ownerId, id), ifContent === undefined ? undefined : eq(memories.content, ifContent)))
        .returning({ id: memories.id });
      return rows.length > 0;
    },

    /**
     * Current memories without a vector of `model` (none yet, or another model's), oldest first:
     * the embedding job's work list. History is left out: recall never searches it.
     */
    async withoutEmbedding(ownerId: string, model: string, limit: number): Promise<MemoryItem[]> {
      return db
        .select(itemColumns)
        .from(memories)
        .where(
          and(
            eq(memories.ownerId, ownerId),
            sql`${memories.embeddingModel} is distinct from ${model}`,
            current(),
          ),
        )
        .orderBy(memories.id)
        .limit(Math.max(1, Math.trunc(limit)));
    },
  };
}

export type MemoryRepository = ReturnType<typeof createMemoryRepository>;

/**
 * An UPDATE (for a data-modifying WITH) flagging the owner's messages whose ids `ids` selects as
 * `recallExcluded`: searchMessages skips them; they stay visible in their conversations.
 */
function excludeFromRecall(ownerId: string, ids: SQL): SQL {
  return sql`update messages set metadata = metadata || '{"recallExcluded": true}'::jsonb
             where owner_id = ${ownerId} and id in (${ids})
             returning id`;
}
