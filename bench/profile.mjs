// Where the server spends its CPU: runs the built server with `node --cpu-prof` under a workload,
// stops it, and sums the profile's self time by group, package, function and Lumina file, plus the
// inclusive time of Lumina's own functions, over the workload's window only (not start-up).
// Workloads:
//   --workload health (default)   GET --path (default /health) with autocannon, 50 connections
//   --workload chat               chat turns (50 tokens at once from a local OpenAI-wire model):
//                                 --turns N (default 300) spread over --clients C (default 1 =
//                                 sequential); figures also per turn; --fresh: each turn in a
//                                 new conversation (default: each client's turns share one)
//   --workload chat-concurrent    200 streams at once, 100 tokens 20 ms apart (issue 11's case)
// Other options: --log-level (default info for health, warn for chat: the bench's server level), --pg-url (PostgreSQL mode instead of PGlite), --quick,
// --keep <dir> (copy the .cpuprofile there, to open in Chrome DevTools).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CONCURRENT, expectedText, SEQUENTIAL, session } from './chat.mjs';
import {
  ensureBuilt,
  isMain,
  machineInfo,
  printJson,
  progress,
  withPostgresDatabase,
} from './lib/common.mjs';
import { autocannon, summarizeLoad } from './lib/load.mjs';
import { spawnOpenAiWireServer } from './lib/openai-wire-server.mjs';
import { ROOT, round, startServer, tempDir } from './lib/server.mjs';

/** Which package (or runtime part) a profile frame belongs to. */
function packageOf(url, functionName) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node:internal';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.includes('/packages/')) return `lumina:${url.split('/packages/')[1].split('/')[0]}`;
  return url;
}

/** Which part of the stack a package belongs to, for a coarse breakdown. */
const GROUPS = [
  ['database', /^(@electric-sql\/pglite|wasm:|pg|pg-protocol|pg-pool|drizzle-orm)/],
  ['logging', /^(pino|@pinojs\/redact|pino-std-serializers|sonic-boom|quick-format-unescaped|fast-redact)/],
  [
    'http framework',
    /^(fastify|find-my-way|avvio|light-my-request|@fastify\/|fast-json-stringify|toad-cache)/,
  ],
  ['validation / serialization', /^(zod|fastify-type-provider-zod)/],
  ['metrics', /^prom-client/],
  ['lumina', /^lumina:/],
  ['node core (net, http, streams)', /^node:internal/],
  ['gc', /^\(garbage collector\)/],
];

function groupOf(pkg) {
  return GROUPS.find(([, pattern]) => pattern.test(pkg))?.[0] ?? 'other';
}

/**
 * Self time per function, per package and per group, as percentages of all non-idle samples.
 * Native frames (no URL, e.g. `writev`, `open`) are charged to the package of their nearest
 * JavaScript caller, so a socket write counts as node core and a PGlite file write as database.
 */
export function analyzeProfile(profile, top = 25, window = null) {
  const selfById = new Map();
  const deltas = profile.timeDeltas;
  const nodeById = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
  // Inclusive time of our own functions (each counted once per sample, so recursion does not add
  // up): what a turn's steps cost with everything they call, libraries included.
  const inclusive = new Map();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += deltas[i] ?? 0;
    // Only the samples inside the workload's window (same monotonic clock as process.hrtime).
    if (window && (at < window.fromUs || at > window.toUs)) return;
    const delta = deltas[i] ?? 0;
    selfById.set(id, (selfById.get(id) ?? 0) + delta);
    const leaf = nodeById.get(id);
    if (!leaf || leaf.callFrame.functionName === '(idle)') return;
    const seen = new Set();
    for (let node = leaf; node; node = parentOf.get(node.id)) {
      const { url, functionName, lineNumber } = node.callFrame;
      if (!url.includes('/packages/server/')) continue;
      const key = `${functionName || '(anonymous)'} ${url.split('/packages/')[1]}:${lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + delta);
    }
  });
  const ownerPackage = (node) => {
    for (let current = node; current; current = parentOf.get(current.id)) {
      const { url, functionName } = current.callFrame;
      if (url) return packageOf(url, functionName);
      if (current === node && functionName.startsWith('(')) return functionName;
    }
    return '(native)';
  };
  const byFunction = new Map();
  const byPackage = new Map();
  const byGroup = new Map();
  const byLuminaFile = new Map();
  const add = (map, key, value) => map.set(key, (map.get(key) ?? 0) + value);
  let busy = 0;
  for (const node of profile.nodes) {
    const self = selfById.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || self === 0) continue;
    busy += self;
    const pkg = ownerPackage(node);
    const file = url ? url.replace(`file://${ROOT}/`, '') : `[native, in ${pkg}]`;
    add(byFunction, `${functionName || '(anonymous)'} ${file}${url ? `:${lineNumber + 1}` : ''}`, self);
    add(byPackage, pkg, self);
    add(byGroup, groupOf(pkg), self);
    if (url.includes('/packages/')) add(byLuminaFile, url.split('/packages/')[1], self);
  }
  const table = (map, limit) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, selfPercent: round((us / busy) * 100, 1) }));
  return {
    busyMs: round(busy / 1000, 0),
    byGroup: table(byGroup, GROUPS.length + 1),
    byPackage: table(byPackage, top),
    byFunction: table(byFunction, top),
    byLuminaFileSelf: table(byLuminaFile, top),
    luminaInclusive: table(inclusive, top * 2),
  };
}

export async function profileHealth({ urlPath = '/health', logLevel = 'info', pgUrl, durationS = 10 }) {
  const dataDir = tempDir();
  const profileDir = tempDir('lumina-bench-prof-');
  const run = async (env) => {
    const first = await startServer({ dataDir, env: { LOG_LEVEL: 'warn', ...env } });
    await first.stop();
    const server = await startServer({
      dataDir,
      env: { ...env, LOG_LEVEL: logLevel },
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
    });
    await autocannon(`${server.url}${urlPath}`, { connections: 50, durationS: 2 });
    progress(`profile: ${durationS} s of load on ${urlPath} (LOG_LEVEL=${logLevel})`);
    const load = summarizeLoad(await autocannon(`${server.url}${urlPath}`, { connections: 50, durationS }));
    await server.stop();
    return load;
  };
  try {
    const load = pgUrl
      ? await withPostgresDatabase(pgUrl, (url) => run({ DATABASE_URL: url }))
      : await run({});
    const file = fs.readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('the server wrote no .cpuprofile (did it exit cleanly?)');
    const profile = JSON.parse(fs.readFileSync(path.join(profileDir, file), 'utf8'));
    return {
      mode: pgUrl ? 'postgres' : 'pglite',
      path: urlPath,
      logLevel,
      reqPerSec: load.reqPerSec,
      note: 'the profile covers the whole process life (start-up, warm-up and load); percentages are of non-idle time',
      ...analyzeProfile(profile),
    };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(profileDir, { recursive: true, force: true });
  }
}

/** Monotonic microseconds: the clock of a V8 CPU profile's timestamps (CLOCK_MONOTONIC). */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * Profiles chat turns: `turns` sequential turns spread over `clients` (1 = one after another), or
 * with `concurrent` 200 paced streams at once. Figures are for the workload's window only.
 */
export async function profileChat({
  pgUrl,
  turns = 300,
  clients = 1,
  concurrent = false,
  fresh = false,
  logLevel = 'warn',
  keep,
}) {
  const dataDir = tempDir();
  const profileDir = tempDir('lumina-bench-prof-');
  const model = await spawnOpenAiWireServer(SEQUENTIAL);
  const run = async (env) => {
    const server = await startServer({
      dataDir,
      env: {
        LOG_LEVEL: logLevel,
        OPENAI_API_KEY: 'bench',
        OPENAI_BASE_URL: `${model.origin}/v1`,
        LUMINA_OLLAMA_AUTODETECT: 'false',
        LUMINA_API_LIMIT_PER_MINUTE: '1000000',
        ...env,
      },
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
    });
    try {
      const client = await session(server.url);
      const warm = await client.conversation();
      for (let i = 0; i < 30; i++) await client.turn(warm);
      const count = concurrent ? CONCURRENT.streams : turns;
      // --fresh: every turn in a conversation of its own (as bench/chat.mjs does), so the
      // history read stays one exchange long; otherwise each client's turns share one.
      const ids = await client.conversations(concurrent || fresh ? count : clients);
      if (concurrent) await model.setMode(CONCURRENT);
      const expected = expectedText(concurrent ? CONCURRENT.fixedTokens : SEQUENTIAL.fixedTokens);
      progress(
        `profile: ${concurrent ? `${count} concurrent paced streams` : `${count} turns over ${clients} client(s)`}`,
      );
      let complete = 0;
      const check = (result) => {
        if (result.status === 'complete' && result.text === expected) complete++;
      };
      const cpuBefore = server.cpuMs();
      const fromUs = monotonicUs();
      if (concurrent) {
        for (const result of await Promise.all(ids.map((id) => client.turn(id, 'concurrent')))) check(result);
      } else {
        let left = count;
        await Promise.all(
          ids.slice(0, clients).map(async (own) => {
            while (left-- > 0) check(await client.turn(fresh ? ids[left] : own));
          }),
        );
      }
      const toUs = monotonicUs();
      const cpuMs = server.cpuMs() - cpuBefore;
      await model.setMode(SEQUENTIAL);
      return { count, complete, cpuMs, window: { fromUs, toUs } };
    } finally {
      await server.stop();
    }
  };
  try {
    const load = pgUrl
      ? await withPostgresDatabase(pgUrl, (url) => run({ DATABASE_URL: url }))
      : await run({});
    const file = fs.readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('the server wrote no .cpuprofile (did it exit cleanly?)');
    if (keep) fs.copyFileSync(path.join(profileDir, file), path.join(keep, file));
    const profile = JSON.parse(fs.readFileSync(path.join(profileDir, file), 'utf8'));
    if (profile.startTime > load.window.fromUs || profile.endTime < load.window.toUs) {
      throw new Error('the workload window is outside the profile: clocks differ');
    }
    const analysis = analyzeProfile(profile, 30, load.window);
    // Each row also in ms per turn: the profile's busy time shared out by its percentages.
    const perTurn = (rows) =>
      rows.map((row) => ({
        ...row,
        msPerTurn: round((row.selfPercent * analysis.busyMs) / 100 / load.count, 2),
      }));
    return {
      mode: pgUrl ? 'postgres' : 'pglite',
      workload: concurrent
        ? `${load.count} streams at once, ${CONCURRENT.fixedTokens} tokens ${CONCURRENT.intervalMs} ms apart`
        : `${load.count} turns of ${SEQUENTIAL.fixedTokens} tokens over ${clients} client(s)`,
      logLevel,
      complete: load.complete,
      serverCpuMsPerTurn: round(load.cpuMs / load.count, 2),
      note: "profiled window = the workload only; the profiler itself adds CPU, so serverCpuMsPerTurn here is above an unprofiled run; msPerTurn shares the profile busy time by each row's percentage (luminaInclusive rows overlap: a caller includes its callees)",
      busyMsPerTurn: round(analysis.busyMs / load.count, 2),
      byGroup: perTurn(analysis.byGroup),
      byPackage: perTurn(analysis.byPackage),
      byFunction: perTurn(analysis.byFunction),
      byLuminaFileSelf: perTurn(analysis.byLuminaFileSelf),
      luminaInclusive: perTurn(analysis.luminaInclusive),
    };
  } finally {
    model.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(profileDir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      path: { type: 'string', default: '/health' },
      'log-level': { type: 'string' },
      'pg-url': { type: 'string' },
      quick: { type: 'boolean', default: false },
      workload: { type: 'string', default: 'health' },
      turns: { type: 'string' },
      clients: { type: 'string', default: '1' },
      fresh: { type: 'boolean', default: false },
      keep: { type: 'string' },
    },
  });
  ensureBuilt();
  const result =
    values.workload === 'health'
      ? await profileHealth({
          urlPath: values.path,
          logLevel: values['log-level'] ?? 'info',
          pgUrl: values['pg-url'],
          durationS: values.quick ? 5 : 10,
        })
      : await profileChat({
          pgUrl: values['pg-url'],
          turns: Number(values.turns ?? (values.quick ? 100 : 300)),
          clients: Number(values.clients),
          concurrent: values.workload === 'chat-concurrent',
          fresh: values.fresh,
          logLevel: values['log-level'] ?? 'warn',
          keep: values.keep,
        });
  printJson({ bench: 'profile', date: new Date().toISOString(), machine: machineInfo(), result });
}
