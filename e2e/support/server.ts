import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 10_000;

export interface LuminaServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  dataDir: string;
  /** Everything the server printed so far (stdout and stderr). */
  output(): string;
  /** The JSON log lines printed on stdout, parsed. */
  logLines(): Record<string, unknown>[];
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra environment for the server, over the harness defaults. */
  env?: Record<string, string>;
  /** Fills the fresh data dir before the server starts (e.g. puts a GGUF model in `models/`). */
  prepare?: (dataDir: string) => Promise<void>;
}

/**
 * The harness signs in many times a minute; the real default (10 per minute per IP) would lock
 * it out. The lock-out test starts its own server with a low limit.
 */
const HARNESS_ENV: Record<string, string> = { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' };

/**
 * Starts Lumina the way a user does (`npm start` = node scripts/start.mjs) on a free port
 * with a fresh data dir, and resolves once /health answers 200.
 * @example
 * const server = await startLumina({ env: { LUMINA_LOGIN_LIMIT_PER_MINUTE: '3' } });
 * await fetch(`${server.url}/health`);
 * await server.stop();
 */
export async function startLumina(options: StartOptions = {}): Promise<LuminaServer> {
  const port = await freePort();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lumina-e2e-'));
  await options.prepare?.(dataDir);
  const url = `http://127.0.0.1:${port}`;
  let output = '';

  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LUMINA_DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      ...HARNESS_ENV,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so stop() also reaches a build that start.mjs may be running.
    detached: true,
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const server: LuminaServer = {
    url,
    dataDir,
    output: () => output,
    logLines: () => parseJsonLines(output),
    stop: async () => {
      await stopProcess(child, exited);
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };

  try {
    await waitForHealth(url, exited);
  } catch (err) {
    await server.stop();
    throw new Error(
      `${(err as Error).message}\n--- server output ---\n${output}--- end of server output ---`,
    );
  }
  return server;
}

async function waitForHealth(url: string, exited: Promise<number | null>) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`Lumina exited with code ${exitCode} before it was ready`);
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Lumina did not answer /health with 200 within ${READY_TIMEOUT_MS / 1000} s`);
}

async function stopProcess(child: ChildProcess, exited: Promise<number | null>) {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  };
  signalGroup('SIGTERM');
  const timedOut = Symbol('timeout');
  const result = await Promise.race([
    exited,
    new Promise<typeof timedOut>((resolve) => setTimeout(() => resolve(timedOut), STOP_TIMEOUT_MS)),
  ]);
  if (result === timedOut) {
    signalGroup('SIGKILL');
    await exited;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function parseJsonLines(text: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // A partial line still being written.
    }
  }
  return lines;
}
