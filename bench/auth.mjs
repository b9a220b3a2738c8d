// Accounts: GET /api/auth/me throughput with a valid session cookie at 50 connections (PGlite
// mode, autocannon in a second process), and login latency, which argon2 dominates.
import { benchOptions, ensureBuilt, isMain, machineInfo, printJson, progress } from './lib/common.mjs';
import { autocannon, summarizeLoad, withCpuUsage } from './lib/load.mjs';
import { round, startServer, summarize, tempDir } from './lib/server.mjs';

const TARGET_REQ_PER_SEC = 3000;
const CONNECTIONS = 50;
// The defaults of config.ts, reported with the latency they produce.
const ARGON2 = { memoryKiB: 19_456, timeCost: 2, parallelism: 1, algorithm: 'argon2id' };

export async function benchAuth(options) {
  const durationS = options.quick ? 3 : 10;
  const env = {
    LOG_LEVEL: 'info',
    // The per-user API limit (1,200/min by default) would cap one user long before the server;
    // this bench measures the server.
    LUMINA_API_LIMIT_PER_MINUTE: '1000000',
    LUMINA_LOGIN_LIMIT_PER_MINUTE: '10000',
  };
  const server = await startServer({ dataDir: tempDir(), env });
  try {
    const headers = { 'content-type': 'application/json', 'x-lumina-csrf': '1' };
    const credentials = { email: 'bench@example.org', password: 'a benchmark passphrase' };
    const signup = await fetch(`${server.url}/api/auth/signup`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ ...credentials, name: 'Bench' }),
    });
    if (signup.status !== 201) throw new Error(`signup failed: ${signup.status} ${await signup.text()}`);
    const cookie = signup.headers.get('set-cookie').split(';')[0];

    progress('auth: login latency (sequential logins)');
    const logins = [];
    for (let i = 0; i < (options.quick ? 10 : 30); i++) {
      const started = performance.now();
      const res = await fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers,
        body: JSON.stringify(credentials),
      });
      logins.push(performance.now() - started);
      if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
    }

    progress(`auth: GET /api/auth/me (${CONNECTIONS} connections, ${durationS} s)`);
    const url = `${server.url}/api/auth/me`;
    await autocannon(url, { connections: CONNECTIONS, durationS: 2, headers: { cookie } });
    const { value: report, cpu } = await withCpuUsage(server.pid, () =>
      autocannon(url, { connections: CONNECTIONS, durationS, headers: { cookie } }),
    );
    const load = summarizeLoad(report);
    return {
      description:
        'PGlite mode, LOG_LEVEL=info; /me resolves the session cookie (cached identity re-checked against the auth epoch) on every request',
      target: { reqPerSec: TARGET_REQ_PER_SEC, connections: CONNECTIONS },
      met: load.reqPerSec >= TARGET_REQ_PER_SEC && load.non2xx === 0 && load.errors === 0,
      me: {
        ...load,
        cpu: { ...cpu, serverCpuUsPerRequest: round((cpu.serverCpuMs * 1000) / load.totalRequests) },
      },
      login: { argon2: ARGON2, latencyMs: summarize(logins.map((ms) => round(ms, 1))) },
    };
  } finally {
    await server.stop();
  }
}

if (isMain(import.meta.url)) {
  const options = benchOptions();
  ensureBuilt();
  printJson({ date: new Date().toISOString(), machine: machineInfo(), auth: await benchAuth(options) });
}
