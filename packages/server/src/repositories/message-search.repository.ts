import { type SQL, sql } from 'drizzle-orm';
import { type Database, queryRows } from '../db/database.js';
import type { MessageRole } from '../domain/message-parts.js';

/** Brackets a highlighted term in `snippet` (Unicode private use: never produced by the text itself). */
export const MATCH_START = '\uE000';
export const MATCH_END = '\uE001';
/**
 * Stands in for `<` while ts_headline runs: its parser takes `<b>`-like text for HTML tags and
 * drops them from the snippet, and a snippet should show what was written.
 */
export const LESS_THAN = '\uE002';

/**
 * How many of the newest matches are ranked. Ranking reads every candidate's vector, so a
 * word found in half a million messages would take seconds; the newest matches are what a
 * chat search is usually after, and a date range (`to`) reaches older ones.
 */
export const RANK_WINDOW = 1000;

/** What to look for: websearch text and the word being typed (see services/search-query.ts). */
export interface MessageSearchTerms {
  text: string;
  /** Letters and digits only, so it can sit inside a tsquery literal. */
  prefix: { word: string; join: 'and' | 'or' } | null;
}

export interface MessageSearchFilter {
  avatarId?: string | undefined;
  /** The model that wrote the reply (`provider/model`); user messages have none. */
  model?: string | undefined;
  role?: MessageRole | undefined;
  /** A tag of the conversation. */
  tag?: string | undefined;
  from?: Date | undefined;
  /** Exclusive. */
  to?: Date | undefined;
}

export interface MessageSearchCursor {
  rank: number;
  id: string;
}

export interface MessageSearchRow {
  id: string;
  conversationId: string;
  conversationTitle: string;
  avatarId: string;
  role: MessageRole;
  model: string | null;
  createdAt: Date;
  rank: number;
  /** ts_headline output with MATCH_START/MATCH_END around terms and LESS_THAN for `<`. */
  headline: string;
  /** Tools the message called or answered for (its tool-call and tool-result parts), in order. */
  toolNames: string[];
}

export interface MessageSearchPage {
  rows: MessageSearchRow[];
  /** More matches follow this page (within the ranked window). */
  hasMore: boolean;
  /** Older matches exist beyond the ranked window. */
  truncated: boolean;
}

const HEADLINE_OPTIONS = [
  `StartSel=${MATCH_START}`,
  `StopSel=${MATCH_END}`,
  'MaxFragments=2',
  'MaxWords=24',
  'MinWords=8',
  'ShortWord=1',
  'FragmentDelimiter=" … "',
].join(', ');

/** The tsquery for a parsed search; written out at each use so the planner sees its value. */
function tsquery(query: MessageSearchTerms): SQL {
  const text = query.text ? sql`websearch_to_tsquery('simple', ${query.text})` : undefined;
  if (!query.prefix) return text ?? sql`''::tsquery`;
  const prefix = sql`to_tsquery('simple', ${`'${query.prefix.word}':*`})`;
  if (!text) return prefix;
  return query.prefix.join === 'or' ? sql`(${text} || ${prefix})` : sql`(${text} && ${prefix})`;
}

function filters(userId: string, filter: MessageSearchFilter): SQL[] {
  const where: SQL[] = [];
  if (filter.role) where.push(sql`m.role = ${filter.role}`);
  if (filter.model) where.push(sql`m.model = ${filter.model}`);
  if (filter.from) where.push(sql`m.created_at >= ${filter.from.toISOString()}`);
  if (filter.to) where.push(sql`m.created_at < ${filter.to.toISOString()}`);
  if (filter.avatarId || filter.tag) {
    const conversation: SQL[] = [sql`c.owner_id = ${userId}`];
    if (filter.avatarId) conversation.push(sql`c.avatar_id = ${filter.avatarId}`);
    if (filter.tag) conversation.push(sql`${filter.tag} = any(c.tags)`);
    // An array, not `in (select …)`: as a semi-join the planner probed the text index once per
    // conversation (0.6 s over 1M messages); as an array it reads it once (bench/search.mjs).
    where.push(
      sql`m.conversation_id = any(array(select c.id from conversations c where ${sql.join(conversation, sql` and `)}))`,
    );
  }
  return where;
}

/** Full-text search over one user's messages; the only SQL of search. */
export function createMessageSearchRepository(db: Database) {
  return {
    /**
     * One page of matches, best first: the newest RANK_WINDOW matches ranked by cover density
     * (`ts_rank_cd`, normalised by length), ties newest first. Snippets come from ts_headline.
     */
    async search(
      userId: string,
      query: MessageSearchTerms,
      filter: MessageSearchFilter,
      page: { limit: number; cursor?: MessageSearchCursor | undefined },
    ): Promise<MessageSearchPage> {
      const where = [
        sql`m.owner_id = ${userId}`,
        sql`m.tsv @@ ${tsquery(query)}`,
        // Incognito conversations are never searched. An array (usually empty, read from a
        // partial index) keeps the plan the text index gives, as for the filters below.
        sql`m.conversation_id <> all(array(select c.id from conversations c where c.owner_id = ${userId} and c.incognito))`,
        ...filters(userId, filter),
      ];
      const after = page.cursor
        ? sql`where (r.rank, r.id) < (${page.cursor.rank}::real, ${page.cursor.id}::uuid)`
        : sql``;
      const rows = await queryRows<{
        id: string;
        conversation_id: string;
        title: string;
        avatar_id: string;
        role: MessageRole;
        model: string | null;
        created_at: Date | string;
        rank: number;
        headline: string;
        tool_names: string[];
        candidates: number;
      }>(
        db,
        sql`with candidates as (
              select m.id, m.conversation_id, m.role, m.model, m.created_at, m.tsv
              from messages m
              where ${sql.join(where, sql` and `)}
              order by m.created_at desc
              limit ${RANK_WINDOW + 1}
            ),
            ranked as (
              select id, conversation_id, role, model, created_at,
                     ts_rank_cd(tsv, ${tsquery(query)}, 1)::real as rank,
                     row_number() over (order by created_at desc) as recency,
                     count(*) over () as candidates
              from candidates
            ),
            page as (
              select r.* from (select * from ranked where recency <= ${RANK_WINDOW}) r
              ${after}
              order by r.rank desc, r.id desc
              limit ${page.limit + 1}
            )
            select p.id, p.conversation_id, c.title, c.avatar_id, p.role, p.model, p.created_at, p.rank,
                   p.candidates::int as candidates,
                   ts_headline('simple',
                     translate(m.content, ${`<${MATCH_START}${MATCH_END}${LESS_THAN}`}, ${`${LESS_THAN}\uFFFD\uFFFD\uFFFD`}),
                     ${tsquery(query)}, ${HEADLINE_OPTIONS}) as headline,
                   (select coalesce(jsonb_agg(t.name order by t.at), '[]'::jsonb)
                    from (select e.value->>'toolName' as name, min(e.at) as at
                          from jsonb_array_elements(m.parts) with ordinality as e(value, at)
                          where e.value->>'type' in ('tool-call', 'tool-result')
                          group by 1) t) as tool_names
            from page p
            join messages m on m.id = p.id
            join conversations c on c.id = p.conversation_id
            order by p.rank desc, p.id desc`,
      );
      const hasMore = rows.length > page.limit;
      return {
        rows: rows.slice(0, page.limit).map((r) => ({
          id: r.id,
          conversationId: r.conversation_id,
          conversationTitle: r.title,
          avatarId: r.avatar_id,
          role: r.role,
          model: r.model,
          createdAt: r.created_at instanceof Date ? r.created_at : new Date(r.created_at),
          rank: Number(r.rank),
          headline: r.headline,
          toolNames: r.tool_names,
        })),
        hasMore,
        truncated: (rows[0]?.candidates ?? 0) > RANK_WINDOW,
      };
    },

    /**
     * Every message of a conversation as `{id, parentId}`, for walking its tree in memory: one
     * range scan (a recursive CTE pays an index lookup per step), returned as one JSON text
     * (drivers decode many small fields slowly; docs/performance.md).
     */
    async links(conversationId: string): Promise<{ id: string; parentId: string | null }[]> {
      const [result] = await queryRows<{ links: string | null }>(
        db,
        sql`select json_agg(json_build_array(id, parent_id))::text as links
            from messages where conversation_id = ${conversationId}`,
      );
      const pairs = result?.links ? (JSON.parse(result.links) as [string, string | null][]) : [];
      return pairs.map(([id, parentId]) => ({ id, parentId }));
    },
  };
}

export type MessageSearchRepository = ReturnType<typeof createMessageSearchRepository>;
