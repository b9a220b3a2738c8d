import { type AnyColumn, type SQL, sql } from 'drizzle-orm';
import { type Database, queryRows } from '../db/database.js';

/**
 * Vector search over the `real[]` embeddings of memories, knowledge chunks and messages.
 *
 * Two ways, chosen per database (`hasPgvector`):
 * - pgvector (PGlite always; PostgreSQL when the extension is installed): one partial HNSW index
 *   per table and vector dimension, on the expression `embedding::vector(N)` (or `halfvec(N)`
 *   above pgvector's 2,000-dimension limit for `vector` HNSW), restricted to rows whose array has
 *   N elements. The column stays `real[]`, so a change of embedding model (another dimension)
 *   needs no schema change: the new model gets its own index next to the old one.
 * - an exact scan elsewhere: `lumina_dot(embedding, query)`, the dot product of unit vectors
 *   (migration 0014), i.e. the cosine.
 *
 * How recall (helper H3, memory/recall) must query so that the planner takes the index:
 *
 *   where <owner / scope filters>
 *     and embedding_model = $model                         -- never compare two models' vectors
 *     and ${vectorPredicateSql(col, dims)}                  -- array_length(col, 1) = N: the partial index
 *   order by ${vectorDistanceSql(col, dims, query)}        -- (col::vector(N)) <=> '[…]'::vector(N)
 *   limit k
 *
 * The ORDER BY must be the distance expression itself, ascending, with a LIMIT: that is the only
 * shape an HNSW index serves. Filters on other columns are applied to the index's candidates, so
 * run the query with `HNSW_SEARCH_SETTINGS` (iterative scan: pgvector keeps reading the graph
 * until `limit` rows pass the filters, instead of returning too few for a user with a small share
 * of the rows). Without pgvector use `exactSimilaritySql` (larger is closer) with the same
 * predicate and `order by … desc`. `similarityFromDistance` turns a cosine distance into the same
 * scale as the exact scan's similarity.
 */

export const VECTOR_TABLES = ['memories', 'knowledge_chunks', 'message_embeddings'] as const;
export type VectorTable = (typeof VECTOR_TABLES)[number];

/** pgvector's HNSW limits: `vector` up to 2,000 dimensions, `halfvec` up to 4,000. */
const VECTOR_HNSW_MAX = 2000;
const HALFVEC_HNSW_MAX = 4000;

/** The pgvector type an index of this dimension uses, or null when no HNSW index can hold it. */
export function vectorIndexType(dimensions: number): 'vector' | 'halfvec' | null {
  if (!Number.isInteger(dimensions) || dimensions < 1) return null;
  if (dimensions <= VECTOR_HNSW_MAX) return 'vector';
  if (dimensions <= HALFVEC_HNSW_MAX) return 'halfvec';
  return null;
}

export const vectorIndexName = (table: VectorTable, dimensions: number) =>
  `${table}_embedding_hnsw_${dimensions}`;

/**
 * Settings for the transaction of an HNSW query (`set local …` each): iterative scans so filters
 * after the index still fill the limit, and a wider search than the default 40 candidates.
 */
export const HNSW_SEARCH_SETTINGS = [
  sql.raw(`set local hnsw.iterative_scan = relaxed_order`),
  sql.raw(`set local hnsw.ef_search = 100`),
] as const;

/**
 * The same settings for a whole session, set once when storage opens (PGlite's one session;
 * each new pooled PostgreSQL connection when pgvector is installed): recall then sends its one
 * statement without a transaction around it. Before the extension's library is loaded in the
 * session they are placeholders that pgvector adopts when it loads.
 */
export const HNSW_SESSION_SETTINGS = 'set hnsw.iterative_scan = relaxed_order; set hnsw.ef_search = 100';

const detected = new WeakMap<object, Promise<boolean>>();

/** Whether pgvector is installed in this database; asked once per database handle. */
export function hasPgvector(db: Database): Promise<boolean> {
  let found = detected.get(db);
  if (!found) {
    found = queryRows<{ found: number }>(
      db,
      sql`select 1 as found from pg_extension where extname = 'vector'`,
    ).then((rows) => rows.length > 0);
    // A failed look-up (database away) is asked again next time rather than remembered as "no".
    found.catch(() => detected.delete(db));
    detected.set(db, found);
  }
  return found;
}

const ensured = new WeakMap<object, Map<string, Promise<boolean>>>();

/**
 * Creates the HNSW index for vectors of `dimensions` in `table` when pgvector exists (once per
 * process and database; `if not exists`, and a concurrent creator's duplicate is no error).
 * Resolves true when such an index exists afterwards, false when search is the exact scan.
 * Call before writing the first vectors of a dimension, while the partial index is still small.
 */
export async function ensureVectorIndex(
  db: Database,
  table: VectorTable,
  dimensions: number,
): Promise<boolean> {
  if (!VECTOR_TABLES.includes(table)) throw new Error(`no vector index for table ${table}`);
  const type = vectorIndexType(dimensions);
  if (!type || !(await hasPgvector(db))) return false;
  let perDb = ensured.get(db);
  if (!perDb) {
    perDb = new Map();
    ensured.set(db, perDb);
  }
  const key = `${table}:${dimensions}`;
  let done = perDb.get(key);
  if (!done) {
    done = createIndex(db, table, dimensions, type);
    done.catch(() => perDb.delete(key));
    perDb.set(key, done);
  }
  return done;
}

async function createIndex(
  db: Database,
  table: VectorTable,
  dimensions: number,
  type: 'vector' | 'halfvec',
): Promise<boolean> {
  // Every interpolated piece is ours: a table name from VECTOR_TABLES and an integer.
  const statement =
    `create index if not exists ${vectorIndexName(table, dimensions)} on ${table} ` +
    `using hnsw ((embedding::${type}(${dimensions})) ${type}_cosine_ops) ` +
    `where array_length(embedding, 1) = ${dimensions}`;
  try {
    await db.execute(sql.raw(statement));
  } catch (err) {
    // Two processes creating it at once: one wins, the other sees the name taken.
    if (!isDuplicate(err)) throw err;
  }
  return true;
}

function isDuplicate(err: unknown): boolean {
  const codes = new Set<string>();
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'string') codes.add(e.code);
  }
  return codes.has('42P07') || codes.has('23505');
}

/** A query vector as pgvector's text form `[x,y,…]`, passed as one parameter. */
export function vectorLiteral(vector: readonly number[]): string {
  return `[${vector.map(finite).join(',')}]`;
}

/** A query vector as PostgreSQL's array text form `{x,y,…}`, passed as one parameter. */
export function realArrayLiteral(vector: readonly number[]): string {
  return `{${vector.map(finite).join(',')}}`;
}

function finite(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError('a query vector holds a non-finite number');
  return String(x);
}

function castType(dimensions: number): string {
  const type = vectorIndexType(dimensions);
  if (!type) throw new RangeError(`no vector type for ${dimensions} dimensions`);
  return `${type}(${dimensions})`;
}

/**
 * `array_length(<column>, 1) = N`: the partial index's predicate. Both search forms need it (the
 * index is only considered when the query implies it; the exact scan must not pair vectors of
 * different lengths).
 */
export function vectorPredicateSql(column: AnyColumn | SQL, dimensions: number): SQL {
  if (!Number.isInteger(dimensions) || dimensions < 1) throw new RangeError(`bad dimension ${dimensions}`);
  return sql`array_length(${column}, 1) = ${sql.raw(String(dimensions))}`;
}

/**
 * `(<column>::vector(N)) <=> '[…]'::vector(N)`: the cosine distance (0 same direction, 2
 * opposite) in the shape the HNSW index serves. Order by it ascending, with a limit.
 */
export function vectorDistanceSql(
  column: AnyColumn | SQL,
  dimensions: number,
  query: readonly number[],
): SQL {
  if (query.length !== dimensions)
    throw new RangeError(`query has ${query.length} dimensions, not ${dimensions}`);
  const type = sql.raw(castType(dimensions));
  return sql`(${column}::${type}) <=> ${vectorLiteral(query)}::${type}`;
}

/** `lumina_dot(<column>, '{…}'::real[])`: the exact scan's cosine (unit vectors). Order by it descending. */
export function exactSimilaritySql(column: AnyColumn | SQL, query: readonly number[]): SQL {
  return sql`lumina_dot(${column}, ${realArrayLiteral(query)}::real[])`;
}

/** The cosine similarity a pgvector cosine distance stands for (the exact scan's scale). */
export const similarityFromDistance = (distance: number) => 1 - distance;
