import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, readCpuMs, round } from './server.mjs';

const AUTOCANNON = path.join(ROOT, 'node_modules', 'autocannon', 'autocannon.js');

/**
 * Runs autocannon's CLI in its own process (so the load generator never shares an event loop
 * with the server) and returns its parsed `--json` report.
 */
export function autocannon(url, { connections = 50, durationS = 10, pipelining = 1, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const args = [AUTOCANNON, '--json', '-c', String(connections), '-d', String(durationS)];
    if (pipelining > 1) args.push('-p', String(pipelining));
    for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`);
    const child = spawn(process.execPath, [...args, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err.trim()}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)));
      } catch (parseError) {
        reject(new Error(`autocannon printed no JSON (${parseError.message}): ${out.slice(0, 500)}`));
      }
    });
  });
}

/** The figures we report from an autocannon report. */
export function summarizeLoad(report) {
  return {
    reqPerSec: round(report.requests.mean, 0),
    reqPerSecStddev: round(report.requests.stddev, 0),
    totalRequests: report.requests.total,
    latencyMs: {
      mean: report.latency.mean,
      p50: report.latency.p50,
      p99: report.latency.p99,
      max: report.latency.max,
    },
    errors: report.errors,
    timeouts: report.timeouts,
    non2xx: report.non2xx,
    statusCodes: Object.fromEntries(
      Object.entries(report.statusCodeStats ?? {}).map(([k, v]) => [k, v.count]),
    ),
  };
}

/** Busy and total jiffies of the whole machine, from /proc/stat. */
function machineTicks() {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  const idle = cpu[3] + cpu[4]; // idle + iowait
  const total = cpu.reduce((sum, v) => sum + v, 0);
  return { busy: total - idle, total };
}

/**
 * Runs `fn` while measuring how much CPU the server process used (100% = one core) and how busy
 * the whole machine was (100% = every core), over the wall time of `fn`.
 */
export async function withCpuUsage(pid, fn) {
  const startedAt = performance.now();
  const serverBefore = readCpuMs(pid);
  const clientBefore = process.cpuUsage();
  const machineBefore = machineTicks();
  const value = await fn();
  const wallMs = performance.now() - startedAt;
  const serverCpuMs = readCpuMs(pid) - serverBefore;
  const client = process.cpuUsage(clientBefore);
  const machineAfter = machineTicks();
  return {
    value,
    cpu: {
      serverCpuMs: round(serverCpuMs, 0),
      serverPercentOfOneCore: round((serverCpuMs / wallMs) * 100, 0),
      // The bench client itself (this process), on the same cores.
      clientCpuMs: round((client.user + client.system) / 1000, 0),
      machineBusyPercent: round(
        ((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)) * 100,
        0,
      ),
    },
  };
}
