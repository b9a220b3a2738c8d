import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (bench/lib/ -> ../..). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SERVER_BIN = path.join(ROOT, 'packages', 'cli', 'dist', 'bin.js');
/** What `npm start` runs: the server bundle (scripts/bundle-server.mjs), started with no arguments. */
export const BUNDLE_BIN = path.join(ROOT, 'packages', 'server', 'dist', 'bundle', 'server.js');

/** A TCP port nobody listens on right now (the kernel picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** A fresh, empty temporary directory for a data dir or logs. */
export function tempDir(prefix = 'lumina-bench-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Reads a live process's memory from /proc/<pid>/status, in MB: VmRSS (resident now), VmHWM (peak
 * resident), RssAnon (heap, WASM memory), RssFile (mapped files such as the node binary).
 */
export function readMemory(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? round(Number(match[1]) / 1024, 1) : null;
  };
  return {
    rssMB: field('VmRSS'),
    peakRssMB: field('VmHWM'),
    rssAnonMB: field('RssAnon'),
    rssFileMB: field('RssFile'),
  };
}

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat. */
export function readCpuMs(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/**
 * Spawns the built server (`lumina start`) and resolves once `GET /health` answers 200.
 *
 * The child's stdout/stderr go straight to a log file, as they would under a process manager,
 * so the benchmark process spends no CPU reading logs.
 *
 * @example
 * const server = await startServer({ dataDir: tempDir(), env: { LOG_LEVEL: 'warn' } });
 * console.log(server.startupMs, server.memory());
 * await server.stop();
 */
export async function startServer({
  dataDir,
  env = {},
  nodeArgs = [],
  bin = SERVER_BIN,
  args = ['start'],
  readyTimeoutMs = 60_000,
  pollMs = 10,
} = {}) {
  if (!fs.existsSync(bin)) {
    throw new Error(`${bin} is missing: run "npm run build" first`);
  }
  const port = await freePort();
  const host = '127.0.0.1';
  const logFile = path.join(tempDir('lumina-bench-log-'), 'server.log');
  const logFd = fs.openSync(logFile, 'w');
  // /metrics is served only with a token (docs/security.md); fetchHeapMetrics sends this one.
  const metricsToken = randomBytes(24).toString('hex');
  const childEnv = {
    ...process.env,
    LOG_LEVEL: 'info',
    LUMINA_METRICS_TOKEN: metricsToken,
    ...env,
    PORT: String(port),
    HOST: host,
    LUMINA_DATA_DIR: dataDir,
  };
  if (!env.DATABASE_URL) delete childEnv.DATABASE_URL;
  const url = `http://${host}:${port}`;

  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, bin, ...args], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() }));
  });
  let exitInfo;
  exited.then((info) => {
    exitInfo = info;
  });

  const deadline = spawnedAt + readyTimeoutMs;
  let startupMs;
  while (startupMs === undefined) {
    if (exitInfo) {
      throw new Error(`server exited during start-up (code ${exitInfo.code}):\n${tail(logFile)}`);
    }
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not healthy within ${readyTimeoutMs} ms:\n${tail(logFile)}`);
    }
    const status = await getStatus(`${url}/health`).catch(() => 0);
    if (status === 200) startupMs = performance.now() - spawnedAt;
    else await sleep(pollMs);
  }

  return {
    pid: child.pid,
    url,
    port,
    logFile,
    metricsToken: childEnv.LUMINA_METRICS_TOKEN,
    /** Wall time from spawn to the first 200 from /health, ms. */
    startupMs: round(startupMs, 1),
    /** The server's own `readyMs` (storage open -> listening) from its ready log line, if logged. */
    readyMs: () => parseReadyMs(logFile),
    memory: () => readMemory(child.pid),
    cpuMs: () => readCpuMs(child.pid),
    /**
     * SIGTERM, then wait for exit; SIGKILL after `killAfterMs`. Returns time to exit, ms. Deletes
     * the log file, so read `readyMs()` before.
     */
    async stop({ killAfterMs = 20_000 } = {}) {
      if (exitInfo) return { exitMs: 0, code: exitInfo.code, signal: exitInfo.signal, killed: false };
      const sentAt = performance.now();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      const info = await exited;
      clearTimeout(timer);
      // The log is only needed while the server runs (readyMs) or when it fails to start.
      fs.rmSync(path.dirname(logFile), { recursive: true, force: true });
      return {
        exitMs: round(info.at - sentAt, 1),
        code: info.code,
        signal: info.signal,
        killed: info.signal === 'SIGKILL',
      };
    },
  };
}

/** Status code of one GET, without keep-alive (each poll is a new connection, like a probe). */
export function getStatus(url, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function parseReadyMs(logFile) {
  for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('readyMs')) continue;
    try {
      const entry = JSON.parse(line);
      if (typeof entry.readyMs === 'number') return entry.readyMs;
    } catch {
      // not a JSON line (e.g. a warning printed by a dependency)
    }
  }
  return null;
}

function tail(file, lines = 20) {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function round(value, digits = 0) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** min / median / max / mean of a list of numbers. */
export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const mean = sorted.reduce((sum, v) => sum + v, 0) / sorted.length;
  return {
    n: sorted.length,
    min: round(sorted[0], 1),
    median: round(median, 1),
    max: round(sorted.at(-1), 1),
    mean: round(mean, 1),
  };
}

/**
 * The server's own view of its memory from GET /metrics (prom-client default metrics), in MB:
 * V8 heap used/total and "external" memory (ArrayBuffers, which include PGlite's WASM memory).
 * Null when /metrics is not available. Takes the server startServer returned (its URL and token).
 */
export async function fetchHeapMetrics({ url, metricsToken }) {
  try {
    const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
    if (!res.ok) return null;
    const text = await res.text();
    const gauge = (name) => {
      const match = new RegExp(`^${name} (\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?)$`, 'm').exec(text);
      return match ? round(Number(match[1]) / 1024 ** 2, 1) : null;
    };
    return {
      heapUsedMB: gauge('nodejs_heap_size_used_bytes'),
      heapTotalMB: gauge('nodejs_heap_size_total_bytes'),
      externalMB: gauge('nodejs_external_memory_bytes'),
    };
  } catch {
    return null;
  }
}
