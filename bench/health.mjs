// GET /health throughput at 50 connections, with autocannon in a second process, for PGlite and
// PostgreSQL modes at LOG_LEVEL=info (the default) and warn. /health runs `select 1` on the
// database, so it measures the whole stack: HTTP, hooks, logging, serialization and a DB round trip.
import fs from 'node:fs';
import { inPostgresMode, progress, runAsMain } from './lib/common.mjs';
import { autocannon, summarizeLoad, withCpuUsage } from './lib/load.mjs';
import { round, startServer, tempDir } from './lib/server.mjs';

const TARGET_REQ_PER_SEC = 5000;
const CONNECTIONS = 50;

async function loadRun(label, dataDir, env, { durationS, warmupS }) {
  const path = '/health';
  progress(`health: ${label} (${warmupS} s warm-up + ${durationS} s at ${CONNECTIONS} connections)`);
  const server = await startServer({ dataDir, env });
  try {
    const url = `${server.url}${path}`;
    // Warm-up lets V8 optimize the hot path; its figures are not reported.
    await autocannon(url, { connections: CONNECTIONS, durationS: warmupS });
    const { value: report, cpu } = await withCpuUsage(server.pid, () =>
      autocannon(url, { connections: CONNECTIONS, durationS }),
    );
    const load = summarizeLoad(report);
    return {
      path,
      logLevel: env.LOG_LEVEL,
      ...load,
      cpu: {
        ...cpu,
        // Server CPU per request barely depends on what else the machine runs: the figure to
        // compare between configurations on a shared or noisy machine.
        serverCpuUsPerRequest: round((cpu.serverCpuMs * 1000) / load.totalRequests, 0),
      },
      peakRssMB: server.memory().peakRssMB,
    };
  } finally {
    await server.stop();
  }
}

async function modeRuns(mode, dataDir, baseEnv, timing) {
  const runs = {};
  runs.info = await loadRun(`${mode} LOG_LEVEL=info`, dataDir, { ...baseEnv, LOG_LEVEL: 'info' }, timing);
  runs.warn = await loadRun(`${mode} LOG_LEVEL=warn`, dataDir, { ...baseEnv, LOG_LEVEL: 'warn' }, timing);
  return runs;
}

export async function benchHealth(options) {
  const timing = options.quick ? { durationS: 5, warmupS: 2 } : { durationS: 10, warmupS: 3 };
  const dataDir = tempDir();
  let pglite;
  try {
    // A first start creates the database so that the runs below measure a normal (later) start.
    const first = await startServer({ dataDir, env: { LOG_LEVEL: 'warn' } });
    await first.stop();
    pglite = await modeRuns('pglite', dataDir, {}, timing);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const postgres = await inPostgresMode(options, (dir, env) => modeRuns('postgres', dir, env, timing));
  return {
    description: `GET /health, ${CONNECTIONS} connections, ${timing.durationS} s after a ${timing.warmupS} s warm-up, autocannon in a separate process on the same machine; reqPerSec is the mean of per-second samples; cpu.serverPercentOfOneCore is the server process's CPU time over wall time`,
    target: { reqPerSec: TARGET_REQ_PER_SEC, connections: CONNECTIONS, mode: 'pglite' },
    met: {
      defaultLogLevel: pglite.info.reqPerSec >= TARGET_REQ_PER_SEC,
      warnLogLevel: pglite.warn.reqPerSec >= TARGET_REQ_PER_SEC,
    },
    pglite,
    postgres,
  };
}

await runAsMain(import.meta.url, 'health', benchHealth);
