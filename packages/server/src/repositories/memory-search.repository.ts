import { createHash } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { type Database, queryRows } from '../db/database.js';
import { preparedRows } from '../db/prepared-statement.js';
import type { MemoryItem, MemoryKind, MemoryOrigin, MemoryScope } from '../domain/memory.js';
import {
  exactSimilaritySql,
  hasPgvector,
  vectorDistanceSql,
  vectorPredicateSql,
} from '../memory/vector-index.js';

/**
 * Recall's SQL (issue 13): full-text candidates ranked by BM25 and vector candidates ranked by
 * cosine similarity, over three corpora of one user: memories, past messages with an avatar and
 * an avatar's document chunks. Fusion and weighting happen in memory/recall.ts; this file only
 * finds and scores.
 *
 * Why BM25 here and not `ts_rank`: PostgreSQL's rankings count how often and how close the query
 * terms occur but never how rare a term is (no IDF), so "the" weighs as much as "Miso". BM25
 * (k1 1.2, b 0.75) is computed in SQL over a bounded candidate set:
 * - a sample of {@link BM25.sample} rows of the corpus gives the average length, and each query
 *   lexeme's share of rows; a lexeme in at least {@link BM25.frequentShare} of a full sample is
 *   frequent: its document frequency is that share times the corpus size, and its rows are not
 *   looked up (a row that shares only common words with the query is no candidate), unless no
 *   query term is rarer; a lexeme in at least {@link BM25.commonShare} of a sample of at least
 *   {@link BM25.commonMinRows} rows is common: it brings no rows at all (recalling every past
 *   "hello" for a "hello" is noise, and reading them cost most of a reply's recall);
 * - the query keeps at most {@link BM25.maxTerms} lexemes, those nearest the end of its text first
 *   (the message being answered) and English function words last;
 * - every other lexeme takes at most {@link BM25.dfCap} matching
 *   rows through the GIN index; their count is its document frequency (exact below the cap);
 * - a corpus that does not fill the sample is all there: its matching rows are read from the
 *   sample (no look-up per term; most users' history with one avatar is this small);
 * - the corpus size is the sample's when the sample is not full, else taken as
 *   {@link BM25.corpusCap} without counting (a count over a large corpus cost more than the rest
 *   of the query; IDFs keep their order: a rarer term still weighs more);
 * - the rows with the most IDF among their matched terms (twice the list's limit, at least
 *   {@link BM25.rescore}) are scored exactly: term frequencies from the row's tsvector positions,
 *   a row's length in characters (and the sample's average): counting its tokens took an unnest
 *   of every row's tsvector and made recall several times slower on PGlite, and the number of
 *   distinct lexemes ranked repetitive rows ("my my my, the the the …") above the evidence.
 * So the work per query is bounded whatever the corpus size, and a rare term's rows are always
 * candidates (an OR query ordered by recency would drown them in rows with common words).
 */
export const BM25 = {
  k1: 1.2,
  b: 0.75,
  maxTerms: 12,
  dfCap: 250,
  sample: 250,
  /** A term in at least this share of the sample is frequent (see above). */
  frequentShare: 0.2,
  /** A term in at least this share of a sample of at least {@link BM25.commonMinRows} rows is common (see above). */
  commonShare: 0.5,
  commonMinRows: 20,
  corpusCap: 5_000,
  rescore: 40,
} as const;

/** How full text is ranked: BM25 (recall), or `ts_rank` of the OR query (kept to measure against). */
export type TextRanking = 'bm25' | 'ts_rank';

export interface QueryVector {
  /** The embedding model's id: only vectors of this model are compared. */
  model: string;
  /** Unit length, as stored. */
  values: number[];
}

export interface SearchOptions {
  text?: string | undefined;
  vector?: QueryVector | undefined;
  /** Candidates per list (text and vector each). */
  k: number;
  textRanking?: TextRanking | undefined;
}

/** One candidate with its place in each list (1-based; null: not in that list) and raw scores. */
export interface SearchHit<T> {
  item: T;
  textRank: number | null;
  vectorRank: number | null;
  /** BM25 (or ts_rank) score; 0 when not a text candidate. */
  textScore: number;
  /** Cosine similarity; 0 when not a vector candidate. */
  vectorScore: number;
}

export type MemorySearchHit = SearchHit<MemoryItem>;

/** A past message of the user with the avatar. */
export interface RecalledMessage {
  id: string;
  conversationId: string;
  content: string;
  createdAt: Date;
}

/** A piece of a document the avatar has read, with what a citation needs. */
export interface RecalledChunk {
  id: string;
  documentId: string;
  documentName: string;
  page: number | null;
  content: string;
  createdAt: Date;
}

/**
 * A number of our own (a limit, a BM25 constant) written into the SQL rather than bound: the
 * recall statement runs prepared, and a generic plan with `limit $1` assumes a large limit and
 * walks away from the indexes.
 */
function num(value: number): SQL {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  return sql.raw(String(value));
}

/** Quotes a lexeme for tsquery input: backslashes and quotes escaped, so any lexeme is one term. */
const quotedLexeme = (column: SQL) =>
  sql`'''' || replace(replace(${column}, '\\', '\\\\'), '''', '''''') || ''''`;

/**
 * The vector part of a query over rows `d` with `d.embedding` and `d.embedding_model`, in the
 * shapes of memory/vector-index.ts: with pgvector the cast `embedding::vector(N)` the partial
 * HNSW index serves, else `lumina_dot`, the exact scan. Unit vectors: cosine = dot = 1 − distance.
 */
export function vectorShape(
  pgvector: boolean,
  vector: QueryVector,
  alias = sql.raw('d'),
): { similarity: SQL; where: SQL; order: SQL } {
  const dimensions = vector.values.length;
  const column = sql`${alias}.embedding`;
  const where = sql`${alias}.embedding_model = ${vector.model} and ${vectorPredicateSql(column, dimensions)}`;
  if (pgvector) {
    const distance = vectorDistanceSql(column, dimensions, vector.values);
    return { similarity: sql`(1 - (${distance}))`, where, order: distance };
  }
  const similarity = exactSimilaritySql(column, vector.values);
  return { similarity, where, order: sql`${similarity} desc` };
}

/** A corpus: its rows as `d` (with `d.id`, `d.tsv`), who may see them, and how to sample recent ones. */
interface Corpus {
  from: SQL;
  /** The row's id as recall returns it (default `d.id`). */
  id?: SQL;
  where: SQL;
  newest: SQL;
  /**
   * With pgvector, the nearest rows of the vector table alone (`from` aliased `d`, filtered by
   * `where`, which may not join), before `join` and the corpus filter apply: a join in the same
   * query made the planner read the HNSW index into a hash join and sort (1.71 s over 100,000
   * messages against 29 ms index first; bench/memory-recall.mjs).
   */
  indexFirst?: { from: SQL; where: SQL; join: SQL; joinedWhere: SQL };
  /**
   * The corpus's BM25 statistics as read a moment ago ({@link corpusStatistics}): with them the
   * statement reads no sample (most of a past-messages search's time on PGlite).
   */
  stats?: CorpusStatistics | undefined;
}

/**
 * What BM25 takes from a corpus's sample ({@link BM25.sample} rows): how many rows it held, their
 * average length in characters, and the share of the sample each lexeme in at least
 * {@link BM25.frequentShare} of it appears in (the only shares the ranking reads: below that a
 * term is neither frequent nor common). Statistics, not results: a few seconds old is as good.
 */
export interface CorpusStatistics {
  rows: number;
  avgdl: number;
  /** Lexeme → share of the sample's rows that hold it, for shares ≥ BM25.frequentShare. */
  frequent: Record<string, number>;
}

/**
 * How many nearest rows an index-first search takes before the corpus filter: at least this,
 * or {@link INDEX_FIRST_FACTOR} times the limit. Only the user's own messages are embedded
 * (embedding.repository.ts), so most pass the filter; each row more costs (HNSW in PGlite:
 * ~0.08 ms per row returned, 720 rows 57 ms against 120 rows 15 ms; bench/memory-recall.mjs).
 */
const INDEX_FIRST_CANDIDATES = 100;
const INDEX_FIRST_FACTOR = 5;

/**
 * Full-text candidates of a corpus, best first: `{ id, score }` by BM25 (see {@link BM25}) or by
 * `ts_rank` of the OR of the query's lexemes. Empty when the text has no lexeme.
 */
function textRankedSql(corpus: Corpus, text: string, limit: number, ranking: TextRanking): SQL | null {
  if (!text.trim() || limit < 1) return null;
  // The words nearest the end first (recall's query ends with the message being answered, after
  // the turn before it), English function words last: a tsvector lists its lexemes in
  // alphabetical order, and taking its first terms kept "a", "about", "and" … of any question.
  const terms = sql`terms as (
      select lexeme, (${quotedLexeme(sql.raw('lexeme'))})::tsquery as query
      from unnest(to_tsvector('simple', ${text.slice(0, 4_000)})) u
      order by to_tsvector('english', u.lexeme) = ''::tsvector, u.positions[array_upper(u.positions, 1)] desc
      limit ${num(BM25.maxTerms)}
    )`;
  if (ranking === 'ts_rank') {
    return sql`with ${terms},
          q as (select string_agg(${quotedLexeme(sql.raw('lexeme'))}, ' | ')::tsquery as query from terms)
          select d.id, ts_rank(d.tsv, q.query)::float8 as score
          from ${corpus.from}, q
          where ${corpus.where} and d.tsv @@ q.query
          order by score desc, d.id desc
          limit ${num(limit)}`;
  }
  // Constants as SQL literals: a bound `$1 + 1` would be typed integer.
  const k1 = sql.raw(String(BM25.k1));
  const b = sql.raw(String(BM25.b));
  // The sample: read now, or its statistics as read a moment ago (no rows at hand then: every
  // term's rows come through the index). A corpus smaller than the sample is read whole instead:
  // matching its rows in the sample is cheaper than a look-up per term.
  const stats = corpus.stats && corpus.stats.rows >= BM25.sample ? corpus.stats : undefined;
  const sampled = stats
    ? sql`sample_stats as (
          select ${stats.rows}::float8 as rows, ${stats.avgdl}::float8 as avgdl
        ),
        term_counts as (
          select t.lexeme, t.query,
                 coalesce((${JSON.stringify(stats.frequent)}::jsonb ->> t.lexeme)::float8, 0) as share,
                 ss.rows >= ${num(BM25.sample)} as full_sample, ss.rows
          from terms t cross join sample_stats ss
        ),`
    : sql`sample as (
          select d.id, d.tsv, char_length(d.content) as len from ${corpus.from} where ${corpus.where} limit ${num(BM25.sample)}
        ),
        sample_stats as (
          select count(*)::float8 as rows,
                 coalesce(avg(s.len), 1)::float8 as avgdl
          from sample s
        ),
        term_counts as (
          select t.lexeme, t.query,
                 (select count(*) from sample s where s.tsv @@ t.query)::float8 / greatest(ss.rows, 1) as share,
                 ss.rows >= ${num(BM25.sample)} as full_sample, ss.rows
          from terms t cross join sample_stats ss
        ),`;
  return sql`with ${terms},
        ${sampled}
        term_share as (
          -- Frequent in a corpus larger than the sample: its rows are not looked up (a row
          -- sharing only common words with the query is no candidate), unless no term is rarer.
          select c.lexeme, c.query, c.share, c.full_sample,
                 (c.full_sample and c.share >= ${num(BM25.frequentShare)}
                   and c.share > (select min(share) from term_counts)) as frequent,
                 -- In most rows of a corpus of some size: it tells no row from another (its IDF is
                 -- near 0), and its rows are no candidates even when no term is rarer ("hello").
                 (c.rows >= ${num(BM25.commonMinRows)} and c.share >= ${num(BM25.commonShare)}) as common
          from term_counts c
        ),
        hits as (${
          stats
            ? sql`
          -- Each term's rows through the index (the sample's rows are not at hand).
          select t.lexeme, h.id
          from term_share t
          cross join lateral (
            select d.id from ${corpus.from} where ${corpus.where} and d.tsv @@ t.query limit ${num(BM25.dfCap)}
          ) h
          where not t.frequent and not t.common`
            : sql`
          -- A corpus larger than the sample: each term's rows through the index.
          select t.lexeme, h.id
          from term_share t
          cross join lateral (
            select d.id from ${corpus.from} where ${corpus.where} and d.tsv @@ t.query limit ${num(BM25.dfCap)}
          ) h
          where t.full_sample and not t.frequent and not t.common
          union all
          -- A smaller one is all in the sample: its rows are read there, no look-up per term.
          select t.lexeme, s.id
          from term_share t join sample s on s.tsv @@ t.query
          where not t.full_sample and not t.common`
        }
        ),
        corpus_size as (
          -- Counting a large corpus costs more than the rest of the query: a corpus that fills the
          -- sample counts as corpusCap rows (IDFs keep their order), a smaller one is the sample.
          select case when ss.rows >= ${num(BM25.sample)} then ${num(BM25.corpusCap)}::float8 else ss.rows end as n
          from sample_stats ss
        ),
        df as (
          select h.lexeme, count(*)::float8 as hits from hits h group by h.lexeme
        ),
        idf as (
          select t.lexeme,
                 ln(1 + (greatest(cs.n, f.df) - f.df + 0.5) / (f.df + 0.5)) as idf
          from term_share t
          left join df on df.lexeme = t.lexeme
          cross join corpus_size cs
          cross join lateral (
            select case
              when not t.frequent and not t.common and coalesce(df.hits, 0) < ${num(BM25.dfCap)} then coalesce(df.hits, 0)
              -- Frequent or common (or at the cap): its share of the sample, scaled to the corpus.
              else greatest(coalesce(df.hits, 0), cs.n * t.share)
            end as df
          ) f
        ),
        pre as (
          select h.id, sum(i.idf) as weight
          from hits h join idf i on i.lexeme = h.lexeme
          group by h.id
          order by weight desc, h.id desc
          limit ${num(Math.max(BM25.rescore, 2 * limit))}
        ),
        scored as (
          select p.id, sum(
                   i.idf * (tf.tf * (${k1} + 1))
                   / (tf.tf + ${k1} * (1 - ${b} + ${b} * dl.len / (select avgdl from sample_stats)))
                 ) as score
          from pre p
          join ${corpus.from} on d.id = p.id
          cross join lateral (select char_length(d.content)::float8 as len) dl
          cross join lateral (
            select u.lexeme, coalesce(array_length(u.positions, 1), 1)::float8 as tf
            from unnest(d.tsv) u
            where u.lexeme in (select lexeme from terms)
          ) tf
          join idf i on i.lexeme = tf.lexeme
          group by p.id
        )
        select id, score::float8 as score from scored order by score desc, id desc limit ${num(limit)}`;
}

/**
 * Vector candidates of a corpus (rows `d` with an embedding), most similar first, as a query of
 * `(id, score)`. With pgvector the HNSW index serves it under the session's iterative-scan
 * settings (`HNSW_SESSION_SETTINGS`, set when storage opens).
 */
function vectorRankedSql(corpus: Corpus, vector: QueryVector, limit: number, pgvector: boolean): SQL | null {
  if (limit < 1 || vector.values.length === 0) return null;
  const shape = vectorShape(pgvector, vector);
  const first = pgvector ? corpus.indexFirst : undefined;
  return first
    ? sql`select n.id, n.score from (
          select d.id, ${shape.similarity}::float8 as score, ${shape.order} as distance
          from ${first.from}
          where ${first.where} and ${shape.where}
          order by ${shape.order}
          limit ${num(Math.max(INDEX_FIRST_CANDIDATES, limit * INDEX_FIRST_FACTOR))}
        ) n ${first.join}
        where ${first.joinedWhere}
        order by n.distance
        limit ${num(limit)}`
    : sql`select ${corpus.id ?? sql`d.id`} as id, ${shape.similarity}::float8 as score
        from ${corpus.from}
        where ${corpus.where} and ${shape.where}
        order by ${shape.order}
        limit ${num(limit)}`;
}

type Ranked = { id: string; score: number }[];

const runRanked = async (db: Database, query: SQL | null): Promise<Ranked> =>
  query ? queryRows<{ id: string; score: number }>(db, query) : [];

/** Both candidate lists of a corpus, merged by id: ranks 1-based in each list. */
async function candidates(
  db: Database,
  corpus: Corpus,
  options: SearchOptions,
): Promise<Map<string, Omit<SearchHit<never>, 'item'>>> {
  const text = options.text
    ? await runRanked(db, textRankedSql(corpus, options.text, options.k, options.textRanking ?? 'bm25'))
    : [];
  const vector = options.vector
    ? await runRanked(db, vectorRankedSql(corpus, options.vector, options.k, await hasPgvector(db)))
    : [];
  return mergeLists(text, vector);
}

const asDate = (value: Date | string) => (value instanceof Date ? value : new Date(value));
const asNullableDate = (value: Date | string | null) => (value === null ? null : asDate(value));

interface MemorySqlRow {
  id: string;
  owner_id: string;
  avatar_id: string | null;
  kind: MemoryKind;
  content: string;
  importance: number;
  confidence: number;
  origin: MemoryOrigin;
  source_message_ids: string[] | string;
  source_conversation_id: string | null;
  valid_from: Date | string;
  valid_to: Date | string | null;
  superseded_by: string | null;
  pinned: boolean;
  embedding_model: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  last_recalled_at: Date | string | null;
}

/** A uuid[] read raw: node-postgres parses it, PGlite may hand back the `{…}` text. */
function uuidArray(value: string[] | string): string[] {
  if (Array.isArray(value)) return value;
  const inner = value.replace(/^\{|\}$/g, '');
  return inner ? inner.split(',') : [];
}

export function memoryItemOfRow(row: MemorySqlRow): MemoryItem {
  return {
    id: row.id,
    ownerId: row.owner_id,
    avatarId: row.avatar_id,
    kind: row.kind,
    content: row.content,
    importance: Number(row.importance),
    confidence: Number(row.confidence),
    origin: row.origin,
    sourceMessageIds: uuidArray(row.source_message_ids),
    sourceConversationId: row.source_conversation_id,
    validFrom: asDate(row.valid_from),
    validTo: asNullableDate(row.valid_to),
    supersededBy: row.superseded_by,
    pinned: row.pinned,
    embeddingModel: row.embedding_model,
    createdAt: asDate(row.created_at),
    updatedAt: asDate(row.updated_at),
    lastRecalledAt: asNullableDate(row.last_recalled_at),
  };
}

const MEMORY_COLUMNS = sql.raw(
  'm.id, m.owner_id, m.avatar_id, m.kind, m.content, m.importance, m.confidence, m.origin, m.source_message_ids, ' +
    'm.source_conversation_id, m.valid_from, m.valid_to, m.superseded_by, m.pinned, m.embedding_model, ' +
    'm.created_at, m.updated_at, m.last_recalled_at',
);

/** Which memories a scope sees (see domain/memory.ts MemoryScope). */
function memoryScopeFilter(alias: SQL, scope: MemoryScope | 'all'): SQL {
  if (scope === 'all') return sql`true`;
  return scope.shared
    ? sql`(${alias}.avatar_id is null or ${alias}.avatar_id = ${scope.avatarId})`
    : sql`${alias}.avatar_id = ${scope.avatarId}`;
}

/** Current at `at`: not ended (superseded, corrected or forgotten). */
const currentFilter = (alias: SQL, at: Date) =>
  sql`(${alias}.valid_to is null or ${alias}.valid_to > ${at.toISOString()})`;

/** The current (or, with `includeHistory`, every) memory of a scope, as a corpus. */
function memoryCorpus(
  ownerId: string,
  scope: MemoryScope | 'all',
  includeHistory: boolean | undefined,
  at: Date,
): Corpus {
  const d = sql.raw('d');
  const where = [sql`d.owner_id = ${ownerId}`, memoryScopeFilter(d, scope)];
  if (!includeHistory) where.push(currentFilter(d, at));
  return { from: sql`memories d`, where: sql.join(where, sql` and `), newest: sql`d.created_at desc` };
}

/** Whose past messages chat history recall may bring back, and from which conversations. */
export interface MessageFilter {
  avatarId: string;
  /** The conversation being answered: its messages are in the context already. */
  excludeConversationId?: string | undefined;
}

/**
 * The user's own settled messages in their other (not incognito) conversations with the avatar:
 * one corpus for full text (`messages d`) and one for vectors (`message_embeddings d` joined to
 * its message).
 */
function messageCorpora(
  ownerId: string,
  filter: MessageFilter,
  stats?: CorpusStatistics,
): { text: Corpus; vector: Corpus } {
  // The conversation test is a lookup per candidate row: as `conversation_id = any(array(…))`
  // the planner read every message of the user's conversations through their index into a
  // bitmap for each query term (bench/memory-recall.mjs).
  const messageWhere = (alias: SQL) =>
    sql`${alias}.owner_id = ${ownerId} and ${alias}.role = 'user' and ${alias}.status = 'complete'
        and (${alias}.speaker_user_id is null or ${alias}.speaker_user_id = ${ownerId})
        and not coalesce((${alias}.metadata->>'recallExcluded')::boolean, false)
        and exists (
          select 1 from conversations c
          where c.id = ${alias}.conversation_id and c.owner_id = ${ownerId}
            and c.avatar_id = ${filter.avatarId} and not c.incognito
            ${filter.excludeConversationId ? sql`and c.id <> ${filter.excludeConversationId}` : sql``}
        )`;
  return {
    text: { from: sql`messages d`, where: messageWhere(sql.raw('d')), newest: sql`d.created_at desc`, stats },
    // Vectors live in message_embeddings: `d` is the embedding row, `msg` the message.
    vector: {
      from: sql`message_embeddings d join messages msg on msg.id = d.message_id`,
      id: sql`d.message_id`,
      where: sql`d.owner_id = ${ownerId} and ${messageWhere(sql.raw('msg'))}`,
      newest: sql`msg.created_at desc`,
      indexFirst: {
        from: sql`(select message_id as id, owner_id, embedding, embedding_model from message_embeddings) d`,
        where: sql`d.owner_id = ${ownerId}`,
        join: sql`join messages msg on msg.id = n.id`,
        joinedWhere: messageWhere(sql.raw('msg')),
      },
    },
  };
}

/** The chunks of the documents an avatar has read. */
const chunkCorpus = (ownerId: string, avatarId: string): Corpus => ({
  from: sql`knowledge_chunks d`,
  where: sql`d.owner_id = ${ownerId} and d.avatar_id = ${avatarId}`,
  newest: sql`d.id desc`,
});

/** `{…}` of ids for `= any($1::uuid[])`. */
const uuidList = (ids: Iterable<string>) => `{${[...ids].join(',')}}`;

/**
 * Memories of `ownerId` in `scope` matching `text` (BM25) and/or near `vector` (among items of
 * the same embedding model), current ones only unless `includeHistory`. Each list holds at most
 * `k` items; the result is their union (text list order first, then vector-only items).
 * @example await searchMemories(db, userId, { avatarId, shared: false }, { text: 'cat name', k: 20 })
 */
export async function searchMemories(
  db: Database,
  ownerId: string,
  scope: MemoryScope | 'all',
  options: SearchOptions & { includeHistory?: boolean | undefined; at?: Date | undefined },
): Promise<MemorySearchHit[]> {
  const corpus = memoryCorpus(ownerId, scope, options.includeHistory, options.at ?? new Date());
  const hits = await candidates(db, corpus, options);
  if (hits.size === 0) return [];
  const rows = await queryRows<MemorySqlRow>(
    db,
    sql`select ${MEMORY_COLUMNS} from memories m
        where m.owner_id = ${ownerId} and m.id = any(${uuidList(hits.keys())}::uuid[])`,
  );
  return attach(hits, new Map(rows.map((row) => [row.id, memoryItemOfRow(row)])));
}

/** The pinned memories of a scope current at `at`: best first, at most `limit`. */
const pinnedSql = (ownerId: string, scope: MemoryScope, limit: number, at: Date) => {
  const m = sql.raw('m');
  return sql`select ${MEMORY_COLUMNS} from memories m
      where m.owner_id = ${ownerId} and m.pinned and ${memoryScopeFilter(m, scope)} and ${currentFilter(m, at)}
      order by m.importance desc, m.valid_from desc
      limit ${num(limit)}`;
};

/**
 * The pinned memories of a scope (current ones): the profile that is always in the prompt.
 * Newest first, at most `limit`.
 */
export async function pinnedMemories(
  db: Database,
  ownerId: string,
  scope: MemoryScope,
  limit: number,
  at = new Date(),
): Promise<MemoryItem[]> {
  const rows = await queryRows<MemorySqlRow>(db, pinnedSql(ownerId, scope, limit, at));
  return rows.map(memoryItemOfRow);
}

/**
 * The user's own settled messages in their other conversations with `avatarId` (imported ones
 * included), matching `text` and/or near `vector` (message_embeddings of the same model).
 */
export async function searchMessages(
  db: Database,
  ownerId: string,
  filter: MessageFilter,
  options: SearchOptions,
): Promise<SearchHit<RecalledMessage>[]> {
  const corpora = messageCorpora(ownerId, filter);
  const text = options.text
    ? await runRanked(db, textRankedSql(corpora.text, options.text, options.k, options.textRanking ?? 'bm25'))
    : [];
  const vector = options.vector
    ? await runRanked(db, vectorRankedSql(corpora.vector, options.vector, options.k, await hasPgvector(db)))
    : [];
  const hits = mergeLists(text, vector);
  if (hits.size === 0) return [];
  const rows = await queryRows<MessageSqlRow>(
    db,
    sql`select m.id, m.conversation_id, m.content, m.created_at from messages m
        where m.owner_id = ${ownerId} and m.id = any(${uuidList(hits.keys())}::uuid[])`,
  );
  return attach(hits, new Map(rows.map((row) => [row.id, messageOfRow(row)])));
}

/** Chunks of the documents `avatarId` has read, matching `text` and/or near `vector`. */
export async function searchChunks(
  db: Database,
  ownerId: string,
  avatarId: string,
  options: SearchOptions,
): Promise<SearchHit<RecalledChunk>[]> {
  const hits = await candidates(db, chunkCorpus(ownerId, avatarId), options);
  if (hits.size === 0) return [];
  const rows = await queryRows<ChunkSqlRow>(
    db,
    sql`select k.id, k.document_id, doc.name, k.page, k.content, doc.created_at
        from knowledge_chunks k join knowledge_documents doc on doc.id = k.document_id
        where k.owner_id = ${ownerId} and doc.owner_id = ${ownerId}
          and k.id = any(${uuidList(hits.keys())}::uuid[])`,
  );
  return attach(hits, new Map(rows.map((row) => [row.id, chunkOfRow(row)])));
}

/**
 * The BM25 statistics of a user's past messages with an avatar, in all of their conversations:
 * one statement that reads the sample recall would read (the search leaves the conversation being
 * answered out of its candidates; its few messages barely move the statistics, and one set serves
 * every conversation with the avatar). Recall keeps them for a few seconds (memory/recall.ts).
 */
export async function messageStatistics(
  db: Database,
  ownerId: string,
  avatarId: string,
): Promise<CorpusStatistics> {
  const corpus = messageCorpora(ownerId, { avatarId }).text;
  const [row] = await queryRows<{
    rows: number | string;
    avgdl: number | string | null;
    frequent: Record<string, number | string> | null;
  }>(
    db,
    sql`with sample as (
          select d.tsv, char_length(d.content) as len from ${corpus.from} where ${corpus.where} limit ${num(BM25.sample)}
        ),
        stats as (select count(*)::float8 as rows, coalesce(avg(len), 1)::float8 as avgdl from sample)
        select st.rows, st.avgdl,
               (select jsonb_object_agg(f.lexeme, f.n::float8 / st.rows)
                from (select u.lexeme, count(*) as n from sample s, unnest(s.tsv) u group by u.lexeme) f
                where f.n::float8 / st.rows >= ${num(BM25.frequentShare)}) as frequent
        from stats st`,
  );
  const frequent: Record<string, number> = {};
  for (const [lexeme, share] of Object.entries(row?.frequent ?? {})) frequent[lexeme] = Number(share);
  return { rows: Number(row?.rows ?? 0), avgdl: Number(row?.avgdl ?? 1), frequent };
}

export interface RecallSearchRequest {
  scope: MemoryScope;
  /** Past messages to search; absent when chat history recall is off. */
  messages?: MessageFilter | undefined;
  /** Pinned memories to bring, at most. */
  pinnedLimit: number;
  /** Search the avatar's document chunks (default true; false when it has none). */
  chunks?: boolean | undefined;
  /** Search the memories (default true; false when the user has none: the pinned are still read). */
  memories?: boolean | undefined;
  /** The past messages' BM25 statistics as read a moment ago ({@link messageStatistics}); else sampled now. */
  messageStats?: CorpusStatistics | undefined;
  /** Validity of memories is judged at this time. */
  at: Date;
  options: SearchOptions;
}

export interface RecallSearchResult {
  pinned: MemoryItem[];
  memories: MemorySearchHit[];
  messages: SearchHit<RecalledMessage>[];
  chunks: SearchHit<RecalledChunk>[];
}

/** Which list a row of the recall statement came from (`list` column). */
const TEXT_LIST = 1;
const VECTOR_LIST = 2;

/**
 * Everything recall needs in ONE statement: the pinned memories and, for memories, past
 * messages and document chunks, the full-text and the vector candidates with their rows.
 * One round trip instead of a dozen matters most on PGlite, where each statement costs about a
 * millisecond before any work (bench/memory-recall.mjs); each list keeps the shape and limits of
 * {@link searchMemories}, {@link searchMessages} and {@link searchChunks}.
 */
export async function searchForRecall(
  db: Database,
  ownerId: string,
  request: RecallSearchRequest,
): Promise<RecallSearchResult> {
  const { options } = request;
  const pgvector = options.vector ? await hasPgvector(db) : false;
  const ranking = options.textRanking ?? 'bm25';
  const lists: { source: 'memory' | 'message' | 'chunk'; list: number; query: SQL | null }[] = [];
  const add = (source: 'memory' | 'message' | 'chunk', text: Corpus, vector: Corpus) => {
    if (options.text)
      lists.push({ source, list: TEXT_LIST, query: textRankedSql(text, options.text, options.k, ranking) });
    if (options.vector)
      lists.push({
        source,
        list: VECTOR_LIST,
        query: vectorRankedSql(vector, options.vector, options.k, pgvector),
      });
  };
  if (request.memories ?? true) {
    const memories = memoryCorpus(ownerId, request.scope, false, request.at);
    add('memory', memories, memories);
  }
  if (request.messages) {
    const corpora = messageCorpora(ownerId, request.messages, request.messageStats);
    add('message', corpora.text, corpora.vector);
  }
  const searchChunks = request.chunks ?? true;
  if (searchChunks) {
    const chunks = chunkCorpus(ownerId, request.scope.avatarId);
    add('chunk', chunks, chunks);
  }
  const ranked = lists.filter(
    (entry): entry is (typeof lists)[number] & { query: SQL } => entry.query !== null,
  );

  // Each list as its own CTE (materialized: evaluated once, with its own plan and limit), then
  // one row per candidate with the columns of its kind; the memory branch comes first so the
  // other branches' untyped nulls take its column types.
  const ctes = ranked.map(
    (entry, index) =>
      sql`${sql.raw(`l${index}`)} as materialized (
        select ${sql.raw(`'${entry.source}'::text`)} as source, ${sql.raw(String(entry.list))} as list, r.id, r.score,
               row_number() over (order by r.score desc, r.id desc) as rank
        from (${entry.query}) r
      )`,
  );
  const candidatesCte = ranked.length
    ? sql`candidates as (${sql.join(
        ranked.map((_, index) => sql`select * from ${sql.raw(`l${index}`)}`),
        sql` union all `,
      )})`
    : sql`candidates as (select null::text as source, null::int as list, null::uuid as id, null::float8 as score, null::bigint as rank where false)`;
  const rows = await recallRows(
    db,
    sql`with ${sql.join([...ctes, candidatesCte], sql`, `)},
        pinned as (${pinnedSql(ownerId, request.scope, request.pinnedLimit, request.at)})
        select 'pinned' as source, 0 as list, 0::float8 as score, 0::bigint as rank, ${MEMORY_COLUMNS},
               null::uuid as conversation_id, null::uuid as document_id, null::text as document_name, null::int as page
        from pinned m
        union all
        select c.source, c.list, c.score, c.rank, ${MEMORY_COLUMNS}, null, null, null, null
        from candidates c join memories m on m.id = c.id and m.owner_id = ${ownerId}
        where c.source = 'memory'
        union all
        select c.source, c.list, c.score, c.rank, m.id, null, null, null, m.content, null, null, null, null, null,
               null, null, null, null, null, m.created_at, null, null, m.conversation_id, null, null, null
        from candidates c join messages m on m.id = c.id and m.owner_id = ${ownerId}
        where c.source = 'message'
        ${
          searchChunks
            ? sql`union all
        select c.source, c.list, c.score, c.rank, k.id, null, null, null, k.content, null, null, null, null, null,
               null, null, null, null, null, doc.created_at, null, null, null, k.document_id, doc.name, k.page
        from candidates c join knowledge_chunks k on k.id = c.id and k.owner_id = ${ownerId}
          join knowledge_documents doc on doc.id = k.document_id and doc.owner_id = ${ownerId}
        where c.source = 'chunk'`
            : sql``
        }`,
  );

  const result: RecallSearchResult = { pinned: [], memories: [], messages: [], chunks: [] };
  const hits = { memory: new Map(), message: new Map(), chunk: new Map() } as const;
  const items = { memory: new Map(), message: new Map(), chunk: new Map() } as {
    memory: Map<string, MemoryItem>;
    message: Map<string, RecalledMessage>;
    chunk: Map<string, RecalledChunk>;
  };
  const pinned: { rank: number; item: MemoryItem }[] = [];
  for (const row of rows) {
    if (row.source === 'pinned') {
      pinned.push({ rank: pinned.length, item: memoryItemOfRow(row) });
      continue;
    }
    const source = row.source as 'memory' | 'message' | 'chunk';
    const map = hits[source] as Map<string, Omit<SearchHit<never>, 'item'>>;
    const hit = map.get(row.id) ?? { textRank: null, vectorRank: null, textScore: 0, vectorScore: 0 };
    const rank = Number(row.rank);
    const score = Number(row.score);
    map.set(
      row.id,
      Number(row.list) === TEXT_LIST
        ? { ...hit, textRank: rank, textScore: score }
        : { ...hit, vectorRank: rank, vectorScore: score },
    );
    if (source === 'memory') items.memory.set(row.id, memoryItemOfRow(row));
    else if (source === 'message') items.message.set(row.id, messageOfRow(row as unknown as MessageSqlRow));
    else items.chunk.set(row.id, chunkOfRow({ ...row, name: row.document_name } as unknown as ChunkSqlRow));
  }
  // The order the separate searches give: text list first, then vector-only items.
  const ordered = (map: Map<string, Omit<SearchHit<never>, 'item'>>) =>
    new Map(
      [...map].sort(
        ([, a], [, b]) =>
          (a.textRank ?? Number.MAX_SAFE_INTEGER) - (b.textRank ?? Number.MAX_SAFE_INTEGER) ||
          (a.vectorRank ?? Number.MAX_SAFE_INTEGER) - (b.vectorRank ?? Number.MAX_SAFE_INTEGER),
      ),
    );
  result.pinned = pinned.map((entry) => entry.item);
  result.memories = attach(ordered(hits.memory), items.memory);
  result.messages = attach(ordered(hits.message), items.message);
  result.chunks = attach(ordered(hits.chunk), items.chunk);
  return result;
}

interface MessageSqlRow {
  id: string;
  conversation_id: string;
  content: string;
  created_at: Date | string;
}

const messageOfRow = (row: MessageSqlRow): RecalledMessage => ({
  id: row.id,
  conversationId: row.conversation_id,
  content: row.content,
  createdAt: asDate(row.created_at),
});

interface ChunkSqlRow {
  id: string;
  document_id: string;
  name: string;
  page: number | null;
  content: string;
  created_at: Date | string;
}

const chunkOfRow = (row: ChunkSqlRow): RecalledChunk => ({
  id: row.id,
  documentId: row.document_id,
  documentName: row.name,
  page: row.page === null ? null : Number(row.page),
  content: row.content,
  createdAt: asDate(row.created_at),
});

/** The recall statement's columns, in order (it runs prepared: rows come back as arrays). */
const RECALL_COLUMNS = [
  'source',
  'list',
  'score',
  'rank',
  ...'id owner_id avatar_id kind content importance confidence origin source_message_ids source_conversation_id valid_from valid_to superseded_by pinned embedding_model created_at updated_at last_recalled_at'.split(
    ' ',
  ),
  'conversation_id',
  'document_id',
  'document_name',
  'page',
] as const;

const dialect = new PgDialect();

/**
 * Runs the recall statement as a named prepared statement (one per shape of the text: with or
 * without text, vectors, messages, a conversation to leave out, a vector dimension). Planning
 * this statement cost more than running it on a small corpus; prepared, PostgreSQL plans it
 * again only while it judges a custom plan worth it.
 */
async function recallRows(db: Database, query: SQL): Promise<RecallSqlRow[]> {
  const { sql: text, params } = dialect.sqlToQuery(query);
  const name = `lumina_recall_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  const rows = await preparedRows(db, name, text, params);
  return rows.map(
    (values) =>
      Object.fromEntries(RECALL_COLUMNS.map((column, i) => [column, values[i]])) as unknown as RecallSqlRow,
  );
}

type RecallSqlRow = MemorySqlRow & {
  source: 'pinned' | 'memory' | 'message' | 'chunk';
  list: number;
  score: number;
  rank: number | string;
  conversation_id: string | null;
  document_id: string | null;
  document_name: string | null;
  page: number | null;
};

/** The hits whose rows were found, in the hits' order (a row deleted meanwhile drops out). */
function attach<T>(hits: Map<string, Omit<SearchHit<never>, 'item'>>, items: Map<string, T>): SearchHit<T>[] {
  return [...hits].flatMap(([id, hit]) => {
    const item = items.get(id);
    return item ? [{ item, ...hit }] : [];
  });
}

function mergeLists(text: Ranked, vector: Ranked): Map<string, Omit<SearchHit<never>, 'item'>> {
  const merged = new Map<string, Omit<SearchHit<never>, 'item'>>();
  for (const [index, { id, score }] of text.entries())
    merged.set(id, { textRank: index + 1, vectorRank: null, textScore: Number(score), vectorScore: 0 });
  for (const [index, { id, score }] of vector.entries()) {
    const hit = merged.get(id) ?? { textRank: null, vectorRank: null, textScore: 0, vectorScore: 0 };
    merged.set(id, { ...hit, vectorRank: index + 1, vectorScore: Number(score) });
  }
  return merged;
}
