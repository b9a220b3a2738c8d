// Start-up time: spawn -> first 200 from /health, for a first start (fresh data dir: initdb +
// migrations) and later starts (the same, existing data dir), the idle RSS of the process once it
// has settled after a later start, and the time to exit after SIGTERM. Both storage modes
// (PostgreSQL with --pg-url). Issue 11 targets: a later start answers /health in <= 1,500 ms and
// the idle process holds <= 200 MB resident.
//
// What is started is what `npm start` runs: the server bundle (packages/server/dist/bundle/
// server.js, made by `npm run build` or `node scripts/bundle-server.mjs`), without start.mjs's
// check for changed sources (~40 ms of CPU; it would rebuild while others edit) and without
// npm's own start-up. BENCH_STARTUP_ENTRY=cli starts `lumina start` (packages/cli/dist/bin.js,
// the per-file tsc output) instead.
import fs from 'node:fs';
import { inPostgresMode, progress, runAsMain } from './lib/common.mjs';
import { BUNDLE_BIN, round, SERVER_BIN, sleep, startServer, summarize, tempDir } from './lib/server.mjs';

const TARGETS = { firstStartMs: 8000, laterStartMedianMs: 1500, idleRssMB: 200 };
/** How long the process sits idle before its RSS is read (GC and lazy work settle). */
const SETTLE_MS = 3000;

const ENTRY =
  process.env.BENCH_STARTUP_ENTRY === 'cli'
    ? { name: 'lumina start (packages/cli/dist/bin.js)', bin: SERVER_BIN, args: ['start'] }
    : { name: 'npm start (packages/server/dist/bundle/server.js)', bin: BUNDLE_BIN, args: [] };

/** The ms at which each start-up step had finished, from the server's ready log line. */
function readPhases(logFile) {
  for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('"phases"')) continue;
    try {
      return JSON.parse(line).phases ?? null;
    } catch {
      // not a JSON line
    }
  }
  return null;
}

/** One start/stop cycle: what the clock says about it (and the idle RSS when asked). */
async function cycle(dataDir, env, { idle = false } = {}) {
  const server = await startServer({
    dataDir,
    env: { LOG_LEVEL: 'info', ...env },
    bin: ENTRY.bin,
    args: ENTRY.args,
  });
  // CPU the process used up to its first 200: unlike wall time, barely moved by a busy machine.
  const cpuMs = server.cpuMs();
  let memory = null;
  if (idle) {
    await sleep(SETTLE_MS);
    memory = server.memory();
  }
  // Read after the settle: the ready line can reach the log just after /health answered.
  const readyMs = server.readyMs();
  const phases = readPhases(server.logFile);
  const stop = await server.stop();
  return {
    startupMs: server.startupMs,
    cpuMsToHealth: cpuMs,
    serverReadyMs: readyMs,
    phases,
    exitMs: stop.exitMs,
    exitCode: stop.code,
    ...(memory ? { idleRssMB: memory.rssMB } : {}),
  };
}

async function startsOn(label, dataDir, env, runs) {
  progress(`startup/${label}: first start`);
  const first = await cycle(dataDir, env);
  const later = [];
  for (let i = 0; i < runs; i++) {
    progress(`startup/${label}: later start ${i + 1}/${runs}`);
    later.push(await cycle(dataDir, env, { idle: true }));
  }
  const startup = summarize(later.map((r) => r.startupMs));
  const rss = summarize(later.map((r) => r.idleRssMB));
  return {
    first,
    later: {
      runs: later,
      startupMs: startup,
      serverReadyMs: later.every((r) => r.serverReadyMs !== null)
        ? summarize(later.map((r) => r.serverReadyMs))
        : null,
      cpuMsToHealth: summarize(later.map((r) => r.cpuMsToHealth)),
      exitMs: summarize(later.map((r) => r.exitMs)),
      idleRssMB: rss,
    },
    targets: {
      firstStartMs: {
        limit: TARGETS.firstStartMs,
        value: first.startupMs,
        met: first.startupMs <= TARGETS.firstStartMs,
      },
      laterStartMedianMs: {
        limit: TARGETS.laterStartMedianMs,
        value: startup.median,
        met: startup.median <= TARGETS.laterStartMedianMs,
      },
      idleRssMedianMB: {
        limit: TARGETS.idleRssMB,
        value: round(rss.median, 1),
        met: rss.median <= TARGETS.idleRssMB,
      },
    },
  };
}

export async function benchStartup(options) {
  if (!fs.existsSync(ENTRY.bin)) {
    throw new Error(
      `${ENTRY.bin} is missing: run "npm run build" (or "npx tsc -b packages/cli && node scripts/bundle-server.mjs")`,
    );
  }
  const runs = options.quick ? 3 : 7;
  const dataDir = tempDir();
  let pglite;
  try {
    pglite = await startsOn('pglite', dataDir, {}, runs);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const postgres = await inPostgresMode(options, (dir, env) => startsOn('postgres', dir, env, runs));
  return {
    entry: ENTRY.name,
    description: `ms from spawn of the server entry to the first 200 from GET /health (polled every 10 ms); serverReadyMs is the server-logged readyMs (storage open + migrate + listen, without Node boot and the entry's static imports) and phases the ms of that at which each step had finished (storage open, app modules loaded, app built, job queue started); cpuMsToHealth is the CPU time (user + system) the process had used when /health first answered 200 (a busy machine stretches wall time, not this); idleRssMB is VmRSS ${SETTLE_MS} ms after a later start answered /health; exitMs is SIGTERM -> process exit`,
    targets: TARGETS,
    met: {
      firstStart: pglite.targets.firstStartMs.met,
      laterStarts:
        pglite.targets.laterStartMedianMs.met && (postgres?.targets.laterStartMedianMs.met ?? true),
      idleRss: pglite.targets.idleRssMedianMB.met && (postgres?.targets.idleRssMedianMB.met ?? true),
    },
    pglite,
    postgres,
  };
}

await runAsMain(import.meta.url, 'startup', benchStartup);
