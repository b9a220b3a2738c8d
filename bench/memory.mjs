// Idle memory: RSS of the server process after it is ready and has settled, for embedded PGlite
// with several LUMINA_PGLITE_SHARED_BUFFERS values, and for PostgreSQL mode (DATABASE_URL).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { progress, runAsMain, withPostgresDatabase } from './lib/common.mjs';
import { fetchHeapMetrics, ROOT, sleep, startServer, tempDir } from './lib/server.mjs';

const TARGET_IDLE_RSS_MB = 400;
const SHARED_BUFFERS = ['8MB', '16MB', '128MB'];

/** Starts, waits `settleMs`, reads memory (before touching /metrics, which allocates), stops. */
async function idleMemory(dataDir, env, settleMs) {
  const server = await startServer({ dataDir, env: { LOG_LEVEL: 'warn', ...env } });
  try {
    await sleep(settleMs);
    const memory = server.memory();
    const heap = await fetchHeapMetrics(server);
    return { ...memory, ...(heap ?? {}), startupMs: server.startupMs };
  } finally {
    await server.stop();
  }
}

/**
 * Proportional set size (PSS) of the PostgreSQL backends serving `database`, best effort: only
 * when PostgreSQL runs on this machine and its /proc entries are readable.
 */
async function postgresBackends(url, database) {
  const pg = createRequire(path.join(ROOT, 'packages', 'server', 'package.json'))('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      'select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [database],
    );
    let pssKB = 0;
    for (const { pid } of rows) {
      const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      pssKB += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
    }
    return { count: rows.length, pssMB: Math.round(pssKB / 102.4) / 10 };
  } catch (err) {
    return { error: err.message };
  } finally {
    await client.end();
  }
}

export async function benchMemory(options) {
  const settleMs = options.quick ? 2000 : 5000;
  const repeats = options.quick ? 1 : 3;
  const dataDir = tempDir();
  const pglite = {};
  try {
    progress('memory: first start (initdb) to prepare the data dir');
    const firstStart = await idleMemory(dataDir, {}, settleMs);
    // RSS moves by tens of MB between identical starts (GC timing), so each setting runs
    // `repeats` times and the median run (by RSS) is reported.
    for (const sharedBuffers of SHARED_BUFFERS) {
      const runs = [];
      for (let i = 0; i < repeats; i++) {
        progress(`memory: pglite shared_buffers=${sharedBuffers} (${i + 1}/${repeats})`);
        runs.push(await idleMemory(dataDir, { LUMINA_PGLITE_SHARED_BUFFERS: sharedBuffers }, settleMs));
      }
      runs.sort((a, b) => a.rssMB - b.rssMB);
      pglite[sharedBuffers] = { ...runs[runs.length >> 1], rssMBAllRuns: runs.map((r) => r.rssMB) };
    }
    pglite.firstStartDefault = firstStart;
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  let postgres = null;
  if (options.pgUrl) {
    progress('memory: postgres');
    const pgDir = tempDir();
    try {
      postgres = await withPostgresDatabase(options.pgUrl, async (url) => {
        const server = await startServer({ dataDir: pgDir, env: { LOG_LEVEL: 'warn', DATABASE_URL: url } });
        try {
          await sleep(settleMs);
          const memory = server.memory();
          const heap = await fetchHeapMetrics(server);
          const backends = await postgresBackends(url, new URL(url).pathname.slice(1));
          return { ...memory, ...(heap ?? {}), startupMs: server.startupMs, postgresBackends: backends };
        } finally {
          await server.stop();
        }
      });
    } finally {
      fs.rmSync(pgDir, { recursive: true, force: true });
    }
  }

  const defaultRss = pglite['16MB'].rssMB;
  return {
    description: `MB read from /proc/<pid>/status of the server process ${settleMs / 1000} s after the first 200 from /health (no traffic); later start on a migrated data dir (median of ${repeats} runs) except firstStartDefault, which is the first start that created the database; heap*/external from the server's /metrics, read after RSS`,
    target: { idleRssMB: TARGET_IDLE_RSS_MB },
    met: { idleRss: defaultRss < TARGET_IDLE_RSS_MB },
    pglite,
    postgres,
  };
}

await runAsMain(import.meta.url, 'memory', benchMemory);
