// Runs every benchmark and prints one JSON document; also writes it to
// bench/results/<YYYY-MM-DD>-<name>.json. Usage:
//   npm run bench -- [--quick] [--pg-url postgres://user@host:5432/db] [--name label] [--no-save]
//                    [--only startup,memory,health,hostile]
// BENCH_DATABASE_URL works instead of --pg-url; without either, PostgreSQL mode is skipped.
import fs from 'node:fs';
import path from 'node:path';
import { benchAuth } from './auth.mjs';
import { benchChat } from './chat.mjs';
import { benchCompare } from './compare.mjs';
import { benchContext } from './context.mjs';
import { benchFlush } from './flush.mjs';
import { benchHealth } from './health.mjs';
import { benchHostile } from './hostile.mjs';
import { benchOptions, ensureBuilt, machineInfo, printJson, progress } from './lib/common.mjs';
import { ROOT } from './lib/server.mjs';
import { benchMemory } from './memory.mjs';
import { benchProviders } from './providers.mjs';
import { benchSearch } from './search.mjs';
import { benchStartup } from './startup.mjs';
import { benchVoice } from './voice.mjs';

const BENCHES = {
  startup: benchStartup,
  memory: benchMemory,
  health: benchHealth,
  auth: benchAuth,
  providers: benchProviders,
  context: benchContext,
  chat: benchChat,
  compare: benchCompare,
  flush: benchFlush,
  search: benchSearch,
  hostile: benchHostile,
  voice: benchVoice,
};

const options = benchOptions();
const built = ensureBuilt();
const startedAt = new Date();
const machineBefore = machineInfo();
const results = {};
for (const [name, bench] of Object.entries(BENCHES)) {
  if (options.only && !options.only.includes(name)) continue;
  progress(`--- ${name}`);
  results[name] = await bench(options);
}
const report = {
  date: startedAt.toISOString(),
  durationS: Math.round((Date.now() - startedAt.getTime()) / 1000),
  options: { quick: options.quick, postgres: Boolean(options.pgUrl), builtNow: built },
  machine: { ...machineBefore, loadAverage1mAtEnd: machineInfo().loadAverage1m },
  targets: summarizeTargets(results),
  results,
};
printJson(report);
if (options.save) {
  const file = path.join(
    ROOT,
    'bench',
    'results',
    `${startedAt.toISOString().slice(0, 10)}-${options.name}.json`,
  );
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  progress(`results written to ${path.relative(ROOT, file)}`);
}

/** One line per target from the issue: the figure, the limit, and whether it is met. */
function summarizeTargets({ startup, memory, health, auth, providers, chat, search, hostile, voice }) {
  const targets = {};
  if (voice?.targets) Object.assign(targets, voice.targets);
  if (startup) {
    for (const mode of ['pglite', 'postgres']) {
      if (!startup[mode]) continue;
      for (const [name, target] of Object.entries(startup[mode].targets)) {
        targets[`startup.${mode}.${name}`] = target;
      }
    }
  }
  if (chat) {
    for (const mode of ['pglite', 'postgres']) {
      if (!chat[mode]) continue;
      for (const [name, target] of Object.entries(chat[mode].targets))
        targets[`chat.${mode}.${name}`] = target;
    }
  }
  if (memory) {
    targets.idleRssMB = { value: memory.pglite['16MB'].rssMB, limit: '< 400', met: memory.met.idleRss };
  }
  if (providers) Object.assign(targets, providers.targets);
  if (auth) {
    targets.authMeReqPerSecPglite = { value: auth.me.reqPerSec, limit: '>= 3000', met: auth.met };
    targets.loginLatencyMedianMs = { value: auth.login.latencyMs.median, limit: 'reported', met: true };
  }
  if (health) {
    targets.healthReqPerSecPglite = {
      value: health.pglite.info.reqPerSec,
      valueAtWarn: health.pglite.warn.reqPerSec,
      limit: '>= 5000 (50 connections, default LOG_LEVEL=info)',
      met: health.met.defaultLogLevel,
    };
  }
  if (hostile) {
    const peaks = Object.values(hostile.cases).map((c) => c.memoryMB?.peakOverBefore ?? null);
    targets.hostileInputsAnsweredAsDocumented = {
      value: hostile.allAsExpected,
      worstPeakOverBeforeMB: peaks.includes(null) ? null : Math.max(...peaks),
      limit: 'every case answered as docs/security.md says, server alive',
      met: hostile.allAsExpected,
    };
  }
  if (search) {
    for (const [mode, result] of [
      ['Postgres', search.postgres],
      ['Pglite', search.pglite],
    ]) {
      if (!result) continue;
      targets[`searchWorstP95Ms${mode}`] = {
        value: result.worstSearchP95Ms,
        messages: result.counts.messages,
        limit: mode === 'Postgres' ? '< 100 over 1,000,000 messages' : 'reported',
        met: mode === 'Postgres' ? search.met.searchPostgres : true,
      };
      targets[`branch10kP95Ms${mode}`] = {
        value: result.branch.p95,
        limit: '< 50',
        met: result.branch.p95 < search.target.branchP95Ms,
      };
    }
  }
  return targets;
}
