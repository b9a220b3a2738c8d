// Where the server spends its CPU under GET /health load: runs the server with `node --cpu-prof`,
// loads it with autocannon (separate process), stops it, and sums the profile's self time by
// package and by function. Options: --path /health, --log-level info|warn, --pg-url (profile
// PostgreSQL mode instead of PGlite), --quick.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  ensureBuilt,
  isMain,
  machineInfo,
  printJson,
  progress,
  withPostgresDatabase,
} from './lib/common.mjs';
import { autocannon, summarizeLoad } from './lib/load.mjs';
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
export function analyzeProfile(profile, top = 25) {
  const selfById = new Map();
  const deltas = profile.timeDeltas;
  profile.samples.forEach((id, i) => {
    selfById.set(id, (selfById.get(id) ?? 0) + (deltas[i] ?? 0));
  });
  const parentOf = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
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

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      path: { type: 'string', default: '/health' },
      'log-level': { type: 'string', default: 'info' },
      'pg-url': { type: 'string' },
      quick: { type: 'boolean', default: false },
    },
  });
  ensureBuilt();
  const result = await profileHealth({
    urlPath: values.path,
    logLevel: values['log-level'],
    pgUrl: values['pg-url'],
    durationS: values.quick ? 5 : 10,
  });
  printJson({ bench: 'profile', date: new Date().toISOString(), machine: machineInfo(), result });
}
