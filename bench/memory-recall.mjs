// Memory recall latency (issue 13 target): one user with 100,000 memory items and 1,000,000
// indexed messages with one avatar (the user's messages, full text + a vector each, and as many
// avatar replies, full text only), then the real recall
// (memory/recall.ts: pinned profile, memories, past messages and document chunks, each by BM25
// and by vector, fused) timed over a set of queries, EXCLUDING the query's embedding (the query
// vectors are made up front). Seeded with SQL (generate_series); vectors are unit vectors drawn
// around 512 random directions (clustered, as real embeddings are, rather than uniform noise).
// Storage: embedded PGlite (pgvector, HNSW index) and PostgreSQL via --pg-url (the exact scan
// when the server has no pgvector, as in CI). Target: hybrid recall p95 <= 25 ms with pgvector;
// the exact scan is only reported.
// Sizes: MEMORY_BENCH_ITEMS (default 100,000; --quick 10,000), MEMORY_BENCH_MESSAGES (default
// 1,000,000; --quick 100,000), MEMORY_BENCH_DIMS (384), MEMORY_BENCH_QUERIES (200; --quick 50),
// MEMORY_BENCH_MODES (pglite,postgres), MEMORY_BENCH_DATA_DIR (PGlite: keep the seeded database
// there and reuse it on the next run, to iterate on the queries). Not bench/memory.mjs: that one measures the server's RSS.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { inPostgresMode, progress, round, runAsMain } from './lib/common.mjs';
import { ROOT, tempDir } from './lib/server.mjs';

const dist = (file) => pathToFileURL(path.join(ROOT, 'packages/server/dist', file)).href;

const TARGET_RECALL_P95_MS = 25;
const MODEL = 'bench/vectors';
const CENTROIDS = 512;
const PER_CONVERSATION = 200;
const VOCABULARY = 20_000;
const SENTENCES = 50_000;
/** Distinct vectors at most: a row takes one by hash (at 1,100,000 rows each is used ~17 times). */
const POOL = 65_536;
const PINNED = 5;
/** Share of memories that are history (superseded): never candidates, but in the table. */
const SUPERSEDED_SHARE = 0.1;
/** Spread of a vector around its centroid, per component (cosine to the centroid about 0.85). */
const NOISE = 0.1;

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 50), 2),
    p95: round(percentile(sorted, 95), 2),
    max: round(sorted.at(-1), 2),
    runs: samples.length,
  };
}

/** A seeded pseudo-random generator (mulberry32), so every run asks the same queries. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const exec = (conn, text) => conn.query(text);

const uuidSql = `create or replace function bench_uuid(ms bigint, n bigint) returns uuid language sql immutable as
  $$ select (lpad(to_hex(ms), 12, '0') || '7000' || '8' || lpad(to_hex(n), 15, '0'))::uuid $$`;

/** Words: 200 common ones (the most frequent ranks) then made-up words of 2–4 syllables. */
const COMMON = `the and to of a i you it in is that for this with on be are have not was but what can as so
your my do at if me we all just like about or from an will there they one how know would think more he
she get up out no time some when his good make see which them could want people her now well then than
also because into only way very any even our over back much here go thing day need said really right
help work new use first something try story feel still sure let other tell last thank write long maybe
little find around same why while love world next mean yes great idea those give keep name place night
old point small part better kind question answer sound look remember water friend light hand read house
city sister brother mother father dog cat coffee doctor trip birthday wedding exam garden book music
train morning weekend holiday dinner lunch school office shop market river beach mountain winter summer
week month year today tomorrow yesterday evening party gift recipe bread cheese tea`
  .split(/\s+/)
  .filter(Boolean);

async function seed(conn, { items, messages: indexed, dims, kind }) {
  // `indexed` user messages, each followed by the avatar's reply: twice as many rows.
  const messages = indexed * 2;
  const conversations = Math.ceil(messages / PER_CONVERSATION);
  const pool = Math.min(POOL, messages + items);
  const commonArray = `array[${COMMON.map((w) => `'${w}'`).join(',')}]::text[]`;
  const syllables = `(array['ka','lo','mi','ne','ru','sa','ti','vo','zu','pe','ga','di','fo','hu','je','ba','co','ly','ra','xe'])`;
  const statements = [
    `select setseed(0.13)`,
    uuidSql,
    `create table bench_vocab (rank int primary key, word text not null)`,
    `insert into bench_vocab select i, ${syllables}[1 + i % 20] || ${syllables}[1 + (i / 20) % 20]
       || case when i >= 400 then ${syllables}[1 + (i / 400) % 20] else '' end
       || case when i >= 8000 then ${syllables}[1 + (i / 8000) % 20] else '' end
     from generate_series(1, ${VOCABULARY}) i`,
    `update bench_vocab v set word = t.w from unnest(${commonArray}) with ordinality t(w, i) where v.rank = t.i`,
    `create table bench_centroids (id int primary key, v real[] not null)`,
    // The outer c in the subquery makes it run once per row (a new random direction each).
    `insert into bench_centroids
       select c, (with x as (select i, random() - 0.5 + c * 0 as x from generate_series(1, ${dims}) i),
                       n as (select sqrt(sum(x * x)) as n from x)
                  select array_agg((x.x / n.n)::real order by x.i) from x, n)
       from generate_series(0, ${CENTROIDS - 1}) c`,
    // A pool of unit vectors near the centroids (per-component noise, then normalised); rows take
    // pool vectors by a hash of their number, so seeding copies arrays instead of drawing
    // a random number per component and row (1,000,000 rows would take hours on PGlite).
    `create table bench_pool (id int primary key, v real[] not null)`,
    `insert into bench_pool
       select p, (with x as (select i, cv + (random()::real - 0.5) * ${NOISE} as x
                             from unnest((select v from bench_centroids where id = p % ${CENTROIDS})) with ordinality u(cv, i)),
                       n as (select sqrt(sum(x * x)) as n from x)
                  select array_agg((x.x / n.n)::real order by x.i) from x, n)
       from generate_series(0, ${pool} - 1) p`,
    // Sentences of Zipf-distributed words; a message or memory takes one or two by hash.
    `create table bench_sentences (id int primary key, s text not null)`,
    // Zipf-like text: the rank of each word is exp(uniform * ln V), so low ranks are frequent; the
    // word of a rank is computed (no table look-up per word, which made seeding crawl).
    `insert into bench_sentences
       select i, (select string_agg(case when r <= ${COMMON.length} then (${commonArray})[r]
                                    else ${syllables}[1 + r % 20] || ${syllables}[1 + (r / 20) % 20]
                                         || case when r >= 400 then ${syllables}[1 + (r / 400) % 20] else '' end
                                         || case when r >= 8000 then ${syllables}[1 + (r / 8000) % 20] else '' end end,
                                    ' ' order by g)
                  from (select g, least(${VOCABULARY}, floor(exp(random() * ln(${VOCABULARY}))))::int as r
                        from generate_series(1, 6 + i % 12) g) x)
       from generate_series(0, ${SENTENCES - 1}) i`,
    `insert into users (id, email, password_hash, name) values (bench_uuid(0, 0), 'memory-bench@example.org', 'x', 'Bench')`,
    `insert into avatars (id, owner_id, name, style, voice, memory)
       values (bench_uuid(1, 0), bench_uuid(0, 0), 'Companion', '{}', '{}', '{"enabled": true, "scope": "private"}')`,
    `insert into conversations (id, owner_id, avatar_id, title, created_at, updated_at)
       select bench_uuid(2, c), bench_uuid(0, 0), bench_uuid(1, 0), 'Conversation ' || c,
              timestamptz '2024-06-01' + c * interval '3 hours', timestamptz '2024-06-01' + c * interval '3 hours'
       from generate_series(0, ${conversations - 1}) c`,
  ];
  for (const statement of statements) await exec(conn, statement);

  // Bulk load as a restore would: indexes dropped first and built after, no row-by-row FK checks.
  const { rows: indexes } = await exec(
    conn,
    `select indexname, indexdef from pg_indexes
     where tablename in ('messages', 'memories') and indexname not like '%_pkey'`,
  );
  for (const { indexname } of indexes) await exec(conn, `drop index ${indexname}`);
  await exec(conn, `set session_replication_role = replica`);
  const started = performance.now();
  const batch = 50_000;
  for (let from = 1; from <= messages; from += batch) {
    const to = Math.min(messages, from + batch - 1);
    progress(`memory-recall: messages ${from}–${to} of ${messages}`);
    await exec(
      conn,
      `insert into messages (id, conversation_id, owner_id, parent_id, role, status, content, created_at, updated_at)
       select bench_uuid(3, n), bench_uuid(2, (n - 1) / ${PER_CONVERSATION}), bench_uuid(0, 0),
              case when (n - 1) % ${PER_CONVERSATION} > 0 then bench_uuid(3, n - 1) end,
              case when n % 2 = 1 then 'user' else 'assistant' end, 'complete',
              (select s from bench_sentences where id = (n::bigint * 7919) % ${SENTENCES})
                || case when n % 2 = 0 then ' ' || (select s from bench_sentences where id = (n::bigint * 104729) % ${SENTENCES}) else '' end,
              timestamptz '2024-06-01' + ((n - 1) / ${PER_CONVERSATION}) * interval '3 hours' + ((n - 1) % ${PER_CONVERSATION}) * interval '30 seconds',
              timestamptz '2024-06-01' + ((n - 1) / ${PER_CONVERSATION}) * interval '3 hours' + ((n - 1) % ${PER_CONVERSATION}) * interval '30 seconds'
       from generate_series(${from}, ${to}) n`,
    );
    // Every user message gets a vector, as the memory-embed job leaves them (avatar replies are
    // not recalled, so not embedded).
    await exec(
      conn,
      `insert into message_embeddings (message_id, owner_id, embedding, embedding_model)
       select bench_uuid(3, n), bench_uuid(0, 0), p.v, '${MODEL}'
       from generate_series(${from}, ${to}) n join bench_pool p on p.id = (n::bigint * 40503) % ${pool}
       where n % 2 = 1`,
    );
  }
  const messagesMs = performance.now() - started;
  const memoriesStarted = performance.now();
  for (let from = 1; from <= items; from += batch) {
    const to = Math.min(items, from + batch - 1);
    progress(`memory-recall: memories ${from}–${to} of ${items}`);
    await exec(
      conn,
      `insert into memories (id, owner_id, avatar_id, kind, content, importance, confidence, origin,
                             valid_from, valid_to, pinned, embedding, embedding_model, created_at, updated_at)
       select bench_uuid(4, n), bench_uuid(0, 0), bench_uuid(1, 0),
              (array['fact','preference','person','event','profile'])[1 + n % 5],
              (select s from bench_sentences where id = (n::bigint * 15485863) % ${SENTENCES}), round(random()::numeric, 2), 0.9, 'extracted',
              timestamptz '2024-06-01' + n * interval '7 minutes',
              case when random() < ${SUPERSEDED_SHARE} then timestamptz '2024-06-01' + n * interval '7 minutes' + interval '30 days' end,
              n <= ${PINNED}, (select v from bench_pool where id = (n::bigint * 69069 + 1) % ${pool}), '${MODEL}',
              timestamptz '2024-06-01' + n * interval '7 minutes', timestamptz '2024-06-01' + n * interval '7 minutes'
       from generate_series(${from}, ${to}) n`,
    );
  }
  const memoriesMs = performance.now() - memoriesStarted;
  await exec(conn, `set session_replication_role = origin`);

  const indexStarted = performance.now();
  await exec(conn, `set maintenance_work_mem = '${kind === 'postgres' ? '512MB' : '256MB'}'`);
  for (const { indexname, indexdef } of indexes) {
    progress(`memory-recall: create index ${indexname}`);
    await exec(conn, indexdef);
  }
  const btreeMs = performance.now() - indexStarted;
  await exec(
    conn,
    `update conversations c set active_leaf_id = l.id, message_count = ${PER_CONVERSATION}, last_message_at = l.at
     from (select distinct on (conversation_id) conversation_id, id, created_at as at from messages
           order by conversation_id, created_at desc) l
     where l.conversation_id = c.id`,
  );
  return {
    seedMs: {
      messages: Math.round(messagesMs),
      memories: Math.round(memoriesMs),
      btreeAndGinIndexes: Math.round(btreeMs),
    },
  };
}

/** The query vectors (made here, not timed) and texts: 2–4 words, common and rare. */
async function queries(conn, count, dims) {
  const { rows: centroids } = await exec(conn, `select v from bench_centroids order by id`);
  const { rows: words } = await exec(conn, `select word from bench_vocab order by rank`);
  const random = rng(7);
  const out = [];
  for (let i = 0; i < count; i++) {
    const centroid = centroids[Math.floor(random() * centroids.length)].v;
    const raw = Array.from({ length: dims }, (_, d) => Number(centroid[d]) + (random() - 0.5) * NOISE);
    const length = Math.sqrt(raw.reduce((s, x) => s + x * x, 0));
    const text = Array.from({ length: 2 + (i % 3) }, () => {
      const rank = Math.min(VOCABULARY, Math.floor(Math.exp(random() * Math.log(VOCABULARY))));
      return words[rank - 1].word;
    }).join(' ');
    out.push({ text, vector: raw.map((x) => x / length) });
  }
  return out;
}

async function runOn(storage, sizes) {
  const conn = storage.kind === 'postgres' ? await storage.db.$client.connect() : storage.db.$client;
  let seeded;
  let asked;
  try {
    // MEMORY_BENCH_DATA_DIR (PGlite): a database seeded by an earlier run is used as it is.
    const { rows: existing } = await exec(conn, `select to_regclass('bench_vocab') is not null as seeded`);
    seeded = existing[0].seeded
      ? { seedMs: { reused: true }, vectorPool: null }
      : await seed(conn, { ...sizes, kind: storage.kind });
    asked = await queries(conn, sizes.queries, sizes.dims);
  } finally {
    if (storage.kind === 'postgres') conn.release();
  }
  const { ensureVectorIndex, hasPgvector } = await import(dist('memory/vector-index.js'));
  const { createMemoryRecall } = await import(dist('memory/recall.js'));
  const pgvector = await hasPgvector(storage.db);
  const hnswStarted = performance.now();
  if (pgvector) {
    await storage.db.$client.query(`set maintenance_work_mem = '512MB'`);
    for (const table of ['memories', 'message_embeddings']) {
      progress(`memory-recall: HNSW index on ${table}`);
      await ensureVectorIndex(storage.db, table, sizes.dims);
    }
  }
  const hnswMs = performance.now() - hnswStarted;
  progress('memory-recall: analyze');
  await storage.db.$client.query('analyze');

  const userId = '00000000-0000-7000-8000-000000000000';
  const avatarId = '00000000-0001-7000-8000-000000000000';
  const settings = { enabled: true, extractionModel: null, embeddingModel: MODEL, recallMessages: true };
  // The query's vector is ready before the clock starts: the target excludes embedding it.
  let next = null;
  const recall = createMemoryRecall({
    db: storage.db,
    embedQuery: async () => ({ model: MODEL, values: next.vector }),
    settingsFor: async () => settings,
  });
  const modes = {};
  for (const mode of ['hybrid', 'text', 'vector']) {
    // Without pgvector the vector lists scan every row: fewer queries keep the run bounded.
    const runs = pgvector ? asked.length : Math.min(asked.length, sizes.exactQueries);
    progress(`memory-recall: ${mode} recall, ${runs} queries (${pgvector ? 'HNSW' : 'exact scan'})`);
    for (const query of asked.slice(0, 3)) {
      next = query;
      await recall.recall(userId, { avatarId, query: query.text, k: 8, mode });
    }
    const samples = [];
    // Process CPU (both threads: PGlite runs in a worker) per recall: steadier than wall time on
    // a shared machine.
    const cpu = [];
    let returned = 0;
    for (const query of asked.slice(0, runs)) {
      next = query;
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      const items = await recall.recall(userId, { avatarId, query: query.text, k: 8, mode });
      const used = process.cpuUsage(cpuStarted);
      samples.push(performance.now() - started);
      cpu.push((used.user + used.system) / 1000);
      returned += items.length;
    }
    const cpuStats = stats(cpu);
    modes[mode] = {
      ...stats(samples),
      cpuMs: { p50: cpuStats.p50, p95: cpuStats.p95 },
      meanItems: round(returned / runs, 1),
    };
  }
  const plans = process.env.MEMORY_BENCH_EXPLAIN
    ? await explainVectorQueries(storage, asked[0], sizes.dims, pgvector)
    : undefined;
  const { rows: counts } = await storage.db.$client.query(
    `select (select count(*)::int from memories) as memories,
            (select count(*)::int from memories where valid_to is null) as current_memories,
            (select count(*)::int from messages) as messages,
            (select count(*)::int from messages where role = 'user') as user_messages,
            (select count(*)::int from message_embeddings) as message_vectors,
            pg_size_pretty(pg_total_relation_size('message_embeddings')) as message_vectors_size,
            pg_size_pretty(pg_total_relation_size('memories')) as memories_size`,
  );
  return {
    vectorSearch: pgvector ? 'pgvector HNSW' : 'exact scan (lumina_dot)',
    counts: { ...counts[0], distinctVectors: seeded.vectorPool },
    seedMs: { ...seeded.seedMs, hnswIndexes: Math.round(hnswMs) },
    recall: modes,
    ...(plans ? { plans } : {}),
  };
}

/**
 * MEMORY_BENCH_EXPLAIN=1: EXPLAIN ANALYZE of the vector candidate queries in the shape
 * repositories/memory-search.repository.ts sends them (pgvector: order by the cast's cosine
 * distance with a limit, under the iterative-scan settings), to see whether the HNSW index serves
 * them and how many rows the filters throw away.
 */
async function explainVectorQueries(storage, query, dims, pgvector) {
  const literal = pgvector
    ? `'[${query.vector.join(',')}]'::vector(${dims})`
    : `'{${query.vector.join(',')}}'::real[]`;
  const distance = (column) =>
    pgvector ? `(${column}::vector(${dims})) <=> ${literal}` : `lumina_dot(${column}, ${literal})`;
  const order = (column) => (pgvector ? distance(column) : `${distance(column)} desc`);
  const user = `'00000000-0000-7000-8000-000000000000'`;
  const avatar = `'00000000-0001-7000-8000-000000000000'`;
  const statements = {
    memories: `select d.id from memories d
      where d.owner_id = ${user} and d.avatar_id = ${avatar} and (d.valid_to is null or d.valid_to > now())
        and d.embedding_model = '${MODEL}' and array_length(d.embedding, 1) = ${dims}
      order by ${order('d.embedding')} limit 24`,
    messages: `select d.message_id from message_embeddings d join messages msg on msg.id = d.message_id
      where d.owner_id = ${user} and msg.owner_id = ${user} and msg.role = 'user' and msg.status = 'complete'
        and msg.conversation_id = any(array(select c.id from conversations c where c.owner_id = ${user} and c.avatar_id = ${avatar} and not c.incognito))
        and d.embedding_model = '${MODEL}' and array_length(d.embedding, 1) = ${dims}
      order by ${order('d.embedding')} limit 24`,
    // An alternative shape for comparison: the index's nearest rows first (its own limit,
    // over-fetched 10x for the filters), then the join and the filters.
    messagesIndexFirst: `select d.message_id from (
        select e.message_id, e.embedding from message_embeddings e
        where e.owner_id = ${user} and e.embedding_model = '${MODEL}' and array_length(e.embedding, 1) = ${dims}
        order by ${order('e.embedding')} limit 240) d
      join messages msg on msg.id = d.message_id
      where msg.owner_id = ${user} and msg.role = 'user' and msg.status = 'complete'
        and msg.conversation_id = any(array(select c.id from conversations c where c.owner_id = ${user} and c.avatar_id = ${avatar} and not c.incognito))
      order by ${order('d.embedding')} limit 24`,
  };
  const plans = {};
  const client = storage.kind === 'postgres' ? await storage.db.$client.connect() : storage.db.$client;
  try {
    for (const [name, statement] of Object.entries(statements)) {
      await client.query('begin');
      if (pgvector) {
        await client.query('set local hnsw.iterative_scan = relaxed_order');
        await client.query('set local hnsw.ef_search = 100');
      }
      const { rows } = await client.query(
        `explain (analyze, costs off, timing off, summary on) ${statement}`,
      );
      await client.query('rollback');
      plans[name] = rows.map((row) => row['QUERY PLAN']);
    }
  } finally {
    if (storage.kind === 'postgres') client.release();
  }
  return plans;
}

export async function benchMemoryRecall(options = {}) {
  const { openStorage } = await import(dist('db/storage.js'));
  const sizes = {
    items: Number(process.env.MEMORY_BENCH_ITEMS ?? (options.quick ? 10_000 : 100_000)),
    /** Indexed (user) messages; each has an avatar reply too, so the table holds twice as many. */
    messages: Number(process.env.MEMORY_BENCH_MESSAGES ?? (options.quick ? 100_000 : 1_000_000)),
    dims: Number(process.env.MEMORY_BENCH_DIMS ?? 384),
    queries: Number(process.env.MEMORY_BENCH_QUERIES ?? (options.quick ? 50 : 200)),
    exactQueries: Number(process.env.MEMORY_BENCH_EXACT_QUERIES ?? (options.quick ? 20 : 30)),
  };
  const storageModes = (process.env.MEMORY_BENCH_MODES ?? 'pglite,postgres').split(',');

  const postgres = storageModes.includes('postgres')
    ? await inPostgresMode(options, async (dataDir, _env, url) => {
        progress(`memory-recall: PostgreSQL, ${sizes.items} memories, ${sizes.messages} messages`);
        const storage = await openStorage({ dataDir, databaseUrl: url });
        try {
          return await runOn(storage, sizes);
        } finally {
          await storage.close();
        }
      })
    : null;

  let pglite = null;
  if (storageModes.includes('pglite')) {
    progress(`memory-recall: PGlite, ${sizes.items} memories, ${sizes.messages} messages`);
    const keep = process.env.MEMORY_BENCH_DATA_DIR;
    const dataDir = keep ?? tempDir();
    try {
      const storage = await openStorage({ dataDir });
      try {
        pglite = await runOn(storage, sizes);
      } finally {
        await storage.close();
      }
    } finally {
      if (!keep) fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }

  const met = (result) =>
    result?.vectorSearch.startsWith('pgvector') ? result.recall.hybrid.p95 <= TARGET_RECALL_P95_MS : null;
  return {
    description:
      'memory/recall.ts recall(k = 8, plus pinned) of one user with one avatar, in-process, excluding the query embedding (vectors made beforehand): hybrid (BM25 + vectors over memories, past user messages and document chunks, fused), text only and vector only; p50/p95/max in ms. Vectors: unit vectors around 512 random directions. pgvector HNSW where the database has it (PGlite), else the exact scan (reported only).',
    sizes,
    target: { hybridP95MsWithPgvector: TARGET_RECALL_P95_MS },
    met: { pglite: met(pglite), postgres: met(postgres) },
    pglite,
    postgres,
  };
}

await runAsMain(import.meta.url, 'memory-recall', benchMemoryRecall);
