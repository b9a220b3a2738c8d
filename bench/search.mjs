// Message search and branch loading over a large history, on PostgreSQL and embedded PGlite.
// Seeds N messages with SQL (generate_series: one user's conversations over 12 avatars plus four
// other users' noise; text drawn from a Zipf-like vocabulary of 50,000 words), then times the
// search service (SQL + snippets, no HTTP) for several query shapes, and the message
// repository's branch() over a 10,000-message conversation. Prints JSON.
// Targets: search p95 < 100 ms over 1,000,000 messages (PostgreSQL); branch load p95 < 50 ms.
// Sizes: SEARCH_BENCH_MESSAGES (PostgreSQL, default 1,000,000; --quick 100,000) and
// SEARCH_BENCH_PGLITE_MESSAGES (default the same).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { inPostgresMode, progress, round, runAsMain } from './lib/common.mjs';
import { ROOT, tempDir } from './lib/server.mjs';

const dist = (file) => pathToFileURL(path.join(ROOT, 'packages/server/dist', file)).href;

const TARGET_SEARCH_P95_MS = 100;
const TARGET_BRANCH_P95_MS = 50;
const VOCABULARY = 50_000;
const SENTENCES = 100_000;
const PER_CONVERSATION = 250;
const BRANCH_LENGTH = 10_000;
const MAIN_AVATARS = 12;
const NOISE_USERS = 4;
const MODELS = ['openai/gpt-4o-mini', 'anthropic/claude-sonnet-4', 'ollama/llama3.2', 'groq/llama-3.3-70b'];
const TAGS = ['work', 'fantasy', 'travel', 'code', 'health', 'family'];

// The most frequent words first (rank 1 = most frequent), then topic words; the rest of the
// vocabulary is made-up words of 3-4 syllables. Frequency of rank k is about 1 / (k ln V).
const COMMON = `the and to of a i you it in is that for this with on be are have not was but
what can as so your my do at if me we all just like about or from an will there they one how
know would think more he she get up out no time some when his good make see which them could
want people her now well then than also because into only way very any even our over back
much here go thing day need said really right help work new use first something try story
feel still sure let other tell last thank write long maybe little find around same why while
love world next mean yes great idea those give keep name place night old point small part
better kind question answer sound look remember water friend light hand read house eye city`
  .split(/\s+/)
  .filter(Boolean);
const TOPICS = `dragon recipe python garden journey castle river forest coffee music winter
summer ocean mountain library museum train letter poem song dream memory doctor teacher market
village kitchen bread cheese tomato garlic lemon pepper salad soup chicken rice pasta walk run
drama draw drain drape drastic draft dragonfly dramatic`
  .split(/\s+/)
  .filter(Boolean);
/** Words placed at chosen ranks, so the queries below have known frequencies. */
const PLANTED = { 2500: 'lantern', 12000: 'marmalade', 40000: 'quixotic', 49000: 'zeppelin' };

const QUERIES = [
  { name: 'rare word', q: 'zeppelin ' },
  { name: 'medium word', q: 'dragon ' },
  { name: 'common word', q: 'the ' },
  { name: 'two words', q: 'dragon castle ' },
  { name: 'common + rare', q: 'the marmalade ' },
  { name: 'phrase', q: '"the dragon" ' },
  { name: 'or', q: 'lantern or zeppelin ' },
  { name: 'exclusion', q: 'dragon -the ' },
  { name: 'prefix 3 letters', q: 'dra' },
  { name: 'typing, last word partial', q: 'dragon cas' },
  { name: 'no match', q: 'xylophonist ' },
  { name: 'medium word, one avatar', q: 'dragon ', filter: 'avatar' },
  { name: 'medium word, model', q: 'dragon ', filter: 'model' },
  { name: 'common word, one month', q: 'the ', filter: 'month' },
  { name: 'medium word, tag', q: 'dragon ', filter: 'tag' },
];

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

async function timed(fn, runs, warmup) {
  for (let i = 0; i < warmup; i++) await fn();
  const samples = [];
  let last;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    last = await fn();
    samples.push(performance.now() - started);
  }
  return { ...stats(samples), last };
}

/** One SQL statement on `conn`: the PGlite instance, or one client of the pg pool (so SET sticks). */
const exec = (conn, text) => conn.query(text);

const uuidSql = `create or replace function bench_uuid(ms bigint, n bigint) returns uuid language sql immutable as
  $$ select (lpad(to_hex(ms), 12, '0') || '7000' || '8' || lpad(to_hex(n), 15, '0'))::uuid $$`;

/** Builds the data: users, avatars, conversations, N messages, and one 10,000-message branch. */
export async function seedSearchData(storage, messages) {
  const conn = storage.kind === 'postgres' ? await storage.db.$client.connect() : storage.db.$client;
  try {
    return await seedOn(conn, storage.kind, messages);
  } finally {
    if (storage.kind === 'postgres') conn.release();
  }
}

async function seedOn(conn, kind, messages) {
  const conversations = Math.ceil(messages / PER_CONVERSATION);
  const literal = (words) => `array[${words.map((w) => `'${w}'`).join(',')}]::text[]`;
  const statements = [
    // The same text on every run (random() below follows this seed within the session).
    `select setseed(0.42)`,
    uuidSql,
    `create table bench_vocab (rank int primary key, word text not null)`,
    `insert into bench_vocab select i, (array['ka','lo','mi','ne','ru','sa','ti','vo','zu','pe','ga','di','fo','hu','je','ba','co','ly','ra','xe'])[1 + i % 20]
       || (array['ka','lo','mi','ne','ru','sa','ti','vo','zu','pe','ga','di','fo','hu','je','ba','co','ly','ra','xe'])[1 + (i / 20) % 20]
       || (array['n','l','m','s','t','r','k','v','d','p'])[1 + (i / 400) % 10]
       || (array['a','o','i','e','u'])[1 + (i / 4000) % 5]
       || case when i >= 20000 then (array['ka','lo','mi','ne','ru'])[1 + (i / 20000) % 5] else '' end
     from generate_series(1, ${VOCABULARY}) i`,
    `update bench_vocab v set word = t.w from unnest(${literal([...COMMON, ...TOPICS])}) with ordinality t(w, i) where v.rank = t.i`,
    ...Object.entries(PLANTED).map(
      ([rank, word]) => `update bench_vocab set word = '${word}' where rank = ${rank}`,
    ),
    `create table bench_sentences (id int primary key, s text not null)`,
    `insert into bench_sentences
     select sid, (select initcap(left(string_agg(v.word, ' ' order by x.g), 1)) || substr(string_agg(v.word, ' ' order by x.g), 2)
                         || (array['.', '.', '?', '!', '.'])[1 + sid % 5]
                  from (select g, least(${VOCABULARY}, floor(exp(random() * ln(${VOCABULARY}))))::int as r
                        from generate_series(1, 4 + sid % 11) g where sid > 0) x
                  join bench_vocab v on v.rank = x.r)
     from generate_series(1, ${SENTENCES}) sid`,
    `insert into users (id, email, password_hash, name)
     select bench_uuid(0, u), 'bench' || u || '@example.org', 'x', 'Bench ' || u from generate_series(0, ${NOISE_USERS}) u`,
    // Avatars 0..11 belong to user 0 (the one who searches); 12.. to the noise users.
    `insert into avatars (id, owner_id, name, style, voice, memory)
     select bench_uuid(1, a), bench_uuid(0, case when a < ${MAIN_AVATARS} then 0 else a - ${MAIN_AVATARS} + 1 end),
            'Avatar ' || a, '{}', '{}', '{}'
     from generate_series(0, ${MAIN_AVATARS + NOISE_USERS - 1}) a`,
    // 60% of conversations are user 0's; the others are spread over the noise users.
    `create table bench_conversations as
     select c, bench_uuid(2, c) as id,
            case when c % 10 < 6 then 0 else 1 + c % ${NOISE_USERS} end as owner,
            case when c % 10 < 6 then (c * 7) % ${MAIN_AVATARS} else ${MAIN_AVATARS} + c % ${NOISE_USERS} end as avatar,
            (extract(epoch from timestamptz '2024-01-01') * 1000)::bigint + c::bigint * (730::bigint * 86400000 / ${conversations}) as start_ms
     from generate_series(0, ${conversations - 1}) c`,
    `insert into conversations (id, owner_id, avatar_id, title, tags, created_at, updated_at)
     select id, bench_uuid(0, owner), bench_uuid(1, avatar), 'Conversation ' || c,
            (${literal(TAGS)})[1 + c % 6 : 1 + c % 6 + c % 2], to_timestamp(start_ms / 1000.0), to_timestamp(start_ms / 1000.0)
     from bench_conversations`,
  ];
  for (const statement of statements) await exec(conn, statement);

  // Indexes are built after the bulk insert (as a restore would), foreign keys not checked row by row.
  const { rows: indexes } = await exec(
    conn,
    `select indexname, indexdef from pg_indexes where tablename = 'messages' and indexname <> 'messages_pkey'`,
  );
  for (const { indexname } of indexes) await exec(conn, `drop index ${indexname}`);
  await exec(conn, `set session_replication_role = replica`);
  const started = performance.now();
  const batch = 100_000;
  for (let from = 1; from <= messages; from += batch) {
    const to = Math.min(messages, from + batch - 1);
    progress(`search: messages ${from}–${to} of ${messages}`);
    await exec(
      conn,
      `insert into messages (id, conversation_id, owner_id, parent_id, role, content, model, created_at, updated_at)
       select bench_uuid(k.ms, n), k.id, bench_uuid(0, k.owner),
              case when k.p > 0 then bench_uuid(k.ms - 45000, n - 1) end,
              case when k.p % 2 = 0 then 'user' else 'assistant' end,
              (select string_agg(s.s, ' ') from (select 1 + floor(random() * ${SENTENCES})::int as sid
                  from generate_series(1, case when k.p % 2 = 0 then 1 + n % 2 else 2 + n % 5 end) where n > 0) x
               join bench_sentences s on s.id = x.sid),
              case when k.p % 2 = 1 then (${literal(MODELS)})[1 + k.c % 4] end,
              to_timestamp(k.ms / 1000.0), to_timestamp(k.ms / 1000.0)
       from (select n, b.c, b.id, b.owner, (n - 1) % ${PER_CONVERSATION} as p,
                    b.start_ms + ((n - 1) % ${PER_CONVERSATION}) * 45000 as ms
             from generate_series(${from}, ${to}) n
             join bench_conversations b on b.c = (n - 1) / ${PER_CONVERSATION}) k`,
    );
  }

  // One long conversation of user 0: a 10,000-message chain with a regenerated sibling every 100.
  const longId = 'bench_uuid(3, 0)';
  const longStart = `(extract(epoch from timestamptz '2026-01-01') * 1000)::bigint`;
  await exec(
    conn,
    `insert into conversations (id, owner_id, avatar_id, title) values (${longId}, bench_uuid(0, 0), bench_uuid(1, 0), 'Long')`,
  );
  await exec(
    conn,
    `insert into messages (id, conversation_id, owner_id, parent_id, role, content, created_at, updated_at)
     select bench_uuid(${longStart} + i * 1000, 100000000 + i), ${longId}, bench_uuid(0, 0),
            case when i > 1 then bench_uuid(${longStart} + (i - 1) * 1000, 100000000 + i - 1) end,
            case when i % 2 = 1 then 'user' else 'assistant' end,
            (select s from bench_sentences where id = 1 + (i * 7919) % ${SENTENCES}),
            to_timestamp((${longStart} + i * 1000) / 1000.0), to_timestamp((${longStart} + i * 1000) / 1000.0)
     from generate_series(1, ${BRANCH_LENGTH}) i`,
  );
  await exec(
    conn,
    `insert into messages (id, conversation_id, owner_id, parent_id, role, content, created_at, updated_at)
     select bench_uuid(${longStart} + i * 1000 + 500, 200000000 + i), ${longId}, bench_uuid(0, 0),
            bench_uuid(${longStart} + (i - 1) * 1000, 100000000 + i - 1), 'assistant', 'An alternative reply.',
            to_timestamp((${longStart} + i * 1000 + 500) / 1000.0), to_timestamp((${longStart} + i * 1000 + 500) / 1000.0)
     from generate_series(100, ${BRANCH_LENGTH}, 100) i`,
  );
  await exec(conn, `set session_replication_role = origin`);
  const insertMs = performance.now() - started;

  const indexStarted = performance.now();
  await exec(conn, `set maintenance_work_mem = '${kind === 'postgres' ? '256MB' : '128MB'}'`);
  for (const { indexname, indexdef } of indexes) {
    progress(`search: create index ${indexname}`);
    await exec(conn, indexdef);
  }
  const indexMs = performance.now() - indexStarted;
  await exec(
    conn,
    `update conversations c set active_leaf_id = l.id, message_count = l.count, last_message_at = l.at
     from (select distinct on (conversation_id) conversation_id, id, created_at as at,
                  count(*) over (partition by conversation_id) as count
           from messages
           order by conversation_id, created_at desc, id) l
     where l.conversation_id = c.id`,
  );
  // The long conversation's visible branch ends at the last message of the chain.
  await exec(
    conn,
    `update conversations set active_leaf_id = bench_uuid(${longStart} + ${BRANCH_LENGTH} * 1000, 100000000 + ${BRANCH_LENGTH}) where id = ${longId}`,
  );
  progress('search: analyze');
  await exec(conn, `analyze`);
  const { rows: counts } = await exec(
    conn,
    `select count(*)::int as messages, count(*) filter (where owner_id = bench_uuid(0, 0))::int as mine,
            pg_size_pretty(pg_total_relation_size('messages')) as size,
            pg_size_pretty(pg_relation_size('messages_tsv_idx')) as tsv_index
     from messages`,
  );
  const { rows: ids } = await exec(
    conn,
    `select bench_uuid(0, 0)::text as user_id, bench_uuid(1, 0)::text as avatar_id,
            bench_uuid(${longStart} + ${BRANCH_LENGTH} * 1000, 100000000 + ${BRANCH_LENGTH})::text as leaf_id,
            bench_uuid(${longStart} + 1000, 100000001)::text as root_id`,
  );
  return {
    counts: counts[0],
    seedMs: { insert: Math.round(insertMs), indexes: Math.round(indexMs) },
    ...ids[0],
  };
}

/** How many messages each query matches (all users, and the searching user's), for the report. */
async function matchCounts(storage, userId) {
  const conn = storage.db.$client;
  const counts = {};
  for (const word of ['quixotic', 'dragon', 'the', 'marmalade', 'lantern', 'zeppelin']) {
    const { rows } = await exec(
      conn,
      `select count(*)::int as all, count(*) filter (where owner_id = '${userId}')::int as mine
       from messages where tsv @@ to_tsquery('simple', '${word}')`,
    );
    counts[word] = rows[0];
  }
  return counts;
}

async function runOn(storage, messages, options) {
  const { createSearchService } = await import(dist('services/search.service.js'));
  const { createMessageRepository } = await import(dist('repositories/message.repository.js'));
  const seeded = await seedSearchData(storage, messages);
  const { user_id: userId, avatar_id: avatarId, leaf_id: leafId, root_id: rootId } = seeded;
  const search = createSearchService({ db: storage.db });
  const runs = options.quick ? 15 : 50;
  const filters = {
    avatar: { avatarId },
    model: { model: MODELS[0] },
    month: { from: new Date('2025-03-01T00:00:00Z'), to: new Date('2025-04-01T00:00:00Z') },
    tag: { tag: 'fantasy' },
  };
  const queries = {};
  for (const query of QUERIES) {
    progress(`search: ${query.name}`);
    const input = { q: query.q, limit: 20, ...(query.filter ? filters[query.filter] : {}) };
    const { last, ...timing } = await timed(() => search.search(userId, input), runs, 3);
    queries[query.name] = {
      q: query.q,
      filter: query.filter ?? null,
      ...timing,
      hits: last.hits.length,
      truncated: last.truncated,
    };
  }
  // The second page of the commonest query (cursor path).
  const first = await search.search(userId, { q: 'the ', limit: 20 });
  const { last: _page2, ...page2 } = await timed(
    () => search.search(userId, { q: 'the ', limit: 20, cursor: first.nextCursor }),
    runs,
    3,
  );
  queries['common word, page 2'] = { q: 'the ', filter: null, ...page2 };

  progress('search: branch of 10,000 messages');
  const messagesRepo = createMessageRepository(storage.db);
  const { last: branch, ...branchTiming } = await timed(() => messagesRepo.branch(userId, leafId), runs, 3);
  // Jumping to the first message walks the whole 10,000-message branch up from the active leaf.
  const jump = await timed(() => search.jump(userId, rootId), runs, 3);

  const all = Object.values(queries);
  const worst = all.reduce((a, b) => (b.p95 > a.p95 ? b : a));
  return {
    ...seeded,
    matches: await matchCounts(storage, userId),
    queries,
    worstSearchP95Ms: worst.p95,
    worstQuery: Object.keys(queries).find((k) => queries[k] === worst),
    branch: { messages: branch.length, ...branchTiming },
    jumpToRootOfLongBranch: { p50: jump.p50, p95: jump.p95, max: jump.max, runs: jump.runs },
  };
}

export async function benchSearch(options = {}) {
  const { openStorage } = await import(dist('db/storage.js'));
  const pgMessages = Number(process.env.SEARCH_BENCH_MESSAGES ?? (options.quick ? 100_000 : 1_000_000));
  const pgliteMessages = Number(process.env.SEARCH_BENCH_PGLITE_MESSAGES ?? pgMessages);

  const postgres = await inPostgresMode(options, async (dataDir, _env, url) => {
    progress(`search: PostgreSQL, ${pgMessages} messages`);
    const storage = await openStorage({ dataDir, databaseUrl: url });
    try {
      return await runOn(storage, pgMessages, options);
    } finally {
      await storage.close();
    }
  });

  let pglite = null;
  if (pgliteMessages > 0) {
    progress(`search: PGlite, ${pgliteMessages} messages`);
    const dataDir = tempDir();
    try {
      const storage = await openStorage({ dataDir });
      try {
        pglite = await runOn(storage, pgliteMessages, options);
      } finally {
        await storage.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }

  return {
    description:
      'Search service (SQL + snippet segments, in-process, no HTTP) p50/p95/max in ms over 20-hit pages for the searching user (60% of the messages; the rest belong to 4 other users); branch = message repository branch() of a 10,000-message conversation; jump = the work of GET /api/search/jump for the first message of that branch (walks it up from the active leaf)',
    target: { searchP95Ms: TARGET_SEARCH_P95_MS, branchP95Ms: TARGET_BRANCH_P95_MS },
    met: {
      searchPostgres: postgres ? postgres.worstSearchP95Ms < TARGET_SEARCH_P95_MS : null,
      branchPostgres: postgres ? postgres.branch.p95 < TARGET_BRANCH_P95_MS : null,
      branchPglite: pglite ? pglite.branch.p95 < TARGET_BRANCH_P95_MS : null,
    },
    postgres,
    pglite,
  };
}

await runAsMain(import.meta.url, 'search', benchSearch);
