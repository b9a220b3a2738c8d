import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, round, SERVER_BIN } from './server.mjs';

/**
 * Options every bench script understands:
 *   --quick            shorter runs (fewer repetitions, shorter load)
 *   --pg-url <url>     an admin URL of a PostgreSQL server (or env BENCH_DATABASE_URL); the bench
 *                      creates its own database there and drops it afterwards. Without it,
 *                      PostgreSQL mode is skipped.
 *   --name <label>     results file label for run.mjs (default: the host name)
 *   --no-save          run.mjs: do not write bench/results/<date>-<name>.json
 *   --phases a,b       chat.mjs: only these phases (sequential, throughput, concurrent)
 *   --modes a,b        chat.mjs: only these storage modes (pglite, postgres)
 */
export function benchOptions(argv = process.argv.slice(2)) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      'pg-url': { type: 'string' },
      name: { type: 'string' },
      'no-save': { type: 'boolean', default: false },
      only: { type: 'string' },
      phases: { type: 'string' },
      modes: { type: 'string' },
    },
    allowPositionals: false,
  });
  return {
    quick: values.quick,
    pgUrl: values['pg-url'] ?? process.env.BENCH_DATABASE_URL ?? undefined,
    name: values.name ?? os.hostname(),
    save: !values['no-save'],
    only: values.only ? values.only.split(',') : undefined,
    phases: values.phases ? values.phases.split(',') : undefined,
    modes: values.modes ? values.modes.split(',') : undefined,
  };
}

/** The machine the numbers come from. */
export function machineInfo() {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    totalMemMB: Math.round(os.totalmem() / 1024 ** 2),
    node: process.version,
    // Other work on the machine skews every figure; the 1-minute load average shows how much.
    loadAverage1m: round(os.loadavg()[0], 2),
    gitCommit: git(['rev-parse', '--short', 'HEAD']),
    gitDirty: git(['status', '--porcelain', '--', 'packages']) !== '',
  };
}

function git(args) {
  try {
    return execFileSync('git', args, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

/** Builds server + sdk + cli when the CLI entry point is missing. */
export function ensureBuilt() {
  if (fs.existsSync(SERVER_BIN)) return false;
  console.error('bench: building packages/cli (npx tsc -b packages/cli)…');
  execFileSync('npx', ['tsc', '-b', 'packages/cli'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  return true;
}

/**
 * Creates a throw-away database on the PostgreSQL server behind `adminUrl`, runs `fn(url)` with
 * its URL, and drops it afterwards (also when `fn` throws). BENCH_KEEP_DB=1 keeps it (its name is
 * printed on stderr), to look at its plans and statistics after a run.
 */
export async function withPostgresDatabase(adminUrl, fn) {
  // pg is a dependency of the server package; resolve it from there so hoisting does not matter.
  const pg = createRequire(path.join(ROOT, 'packages', 'server', 'package.json'))('pg');
  const name = `lumina_bench_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    try {
      return await fn(url.toString());
    } finally {
      if (process.env.BENCH_KEEP_DB === '1') progress(`kept database ${name}`);
      else await admin.query(`drop database if exists ${name} with (force)`);
    }
  } finally {
    await admin.end();
  }
}

/** Prints a result as JSON on stdout (the one machine-readable output of each script). */
export function printJson(result) {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

/** Runs a script's main when the file is executed directly (not imported by run.mjs). */
export function isMain(importMetaUrl) {
  return process.argv[1] && path.resolve(process.argv[1]) === new URL(importMetaUrl).pathname;
}

/** Progress for humans goes to stderr so stdout stays one JSON document. */
export function progress(message) {
  console.error(`bench: ${message}`);
}

export { round };

/**
 * Runs `fn(dataDir, env)` against a throw-away PostgreSQL database when `--pg-url` (or
 * BENCH_DATABASE_URL) was given; null otherwise. The data dir and database are removed after.
 */
export async function inPostgresMode(options, fn) {
  if (!options.pgUrl) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-bench-'));
  try {
    return await withPostgresDatabase(options.pgUrl, (url) => fn(dir, { DATABASE_URL: url }, url));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** When the script is run directly: parse options, build if needed, run, print one JSON object. */
export async function runAsMain(importMetaUrl, name, bench) {
  if (!isMain(importMetaUrl)) return;
  const options = benchOptions();
  ensureBuilt();
  const result = await bench(options);
  printJson({ bench: name, date: new Date().toISOString(), machine: machineInfo(), result });
}

/**
 * Signs up the bench user on a running server and answers `call(method, path, body)`: a JSON
 * request with its session cookie that throws on any status from 300 up; `headers` are that
 * request's headers, for the requests a bench reads as a stream.
 * @example const { call } = await signedInCaller(url); await call('PUT', '/api/settings', { defaultModel });
 */
export async function signedInCaller(url) {
  const headers = { 'content-type': 'application/json', 'x-lumina-csrf': '1' };
  const signup = await fetch(`${url}/api/auth/signup`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ email: 'bench@example.org', password: 'a benchmark passphrase', name: 'Bench' }),
  });
  if (signup.status !== 201) throw new Error(`signup failed: ${signup.status} ${await signup.text()}`);
  const all = { ...headers, cookie: signup.headers.get('set-cookie').split(';')[0] };
  const call = async (method, path, body) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: all,
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  return { call, headers: all };
}
