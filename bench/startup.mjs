// Start-up time: spawn -> first 200 from /health, for a first start (fresh data dir: initdb +
// migrations) and later starts (same data dir), plus the time to exit after SIGTERM.
import fs from 'node:fs';
import { inPostgresMode, progress, runAsMain } from './lib/common.mjs';
import { startServer, summarize, tempDir } from './lib/server.mjs';

const TARGETS = { firstStartMs: 8000, laterStartMedianMs: 2000 };

/** One start/stop cycle: what the clock says about it. */
async function cycle(dataDir, env) {
  const server = await startServer({ dataDir, env: { LOG_LEVEL: 'info', ...env } });
  const readyMs = server.readyMs();
  const stop = await server.stop();
  return { startupMs: server.startupMs, serverReadyMs: readyMs, exitMs: stop.exitMs, exitCode: stop.code };
}

async function startsOn(label, dataDir, env, runs) {
  progress(`startup/${label}: first start`);
  const first = await cycle(dataDir, env);
  const later = [];
  for (let i = 0; i < runs; i++) {
    progress(`startup/${label}: later start ${i + 1}/${runs}`);
    later.push(await cycle(dataDir, env));
  }
  return {
    first,
    later: {
      runs: later,
      startupMs: summarize(later.map((r) => r.startupMs)),
      serverReadyMs: later.every((r) => r.serverReadyMs !== null)
        ? summarize(later.map((r) => r.serverReadyMs))
        : null,
      exitMs: summarize(later.map((r) => r.exitMs)),
    },
  };
}

export async function benchStartup(options) {
  const runs = options.quick ? 3 : 5;
  const dataDir = tempDir();
  let pglite;
  try {
    pglite = await startsOn('pglite', dataDir, {}, runs);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const postgres = await inPostgresMode(options, (dir, env) => startsOn('postgres', dir, env, runs));
  return {
    description:
      'ms from spawn of `lumina start` to the first 200 from GET /health (polled every 10 ms); serverReadyMs is the server-logged readyMs (storage open + migrate + listen, without Node boot/imports); exitMs is SIGTERM -> process exit',
    targets: TARGETS,
    met: {
      firstStart: pglite.first.startupMs < TARGETS.firstStartMs,
      laterStarts: pglite.later.startupMs.median < TARGETS.laterStartMedianMs,
    },
    pglite,
    postgres,
  };
}

await runAsMain(import.meta.url, 'startup', benchStartup);
