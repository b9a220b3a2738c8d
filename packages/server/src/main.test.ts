import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { createTestStorage } from './test-support/storage.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = path.join(root, 'packages/server/src/bin.ts');
const temp: string[] = [];
afterAll(() => {
  for (const dir of temp) fs.rmSync(dir, { recursive: true, force: true });
});

function dataDirFromTemplate(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-proc-'));
  temp.push(dir);
  fs.cpSync(inject('pgliteTemplateDir'), path.join(dir, 'db'), { recursive: true });
  return dir;
}

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function startProcess(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', bin], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', LOG_LEVEL: 'info', ...env },
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

/** The address the process prints once it listens; rejects when it exits first. */
function waitForReady(run: Run): Promise<string> {
  const address = () => /Lumina is ready at (http:\/\/[\d.:]+)/.exec(run.output())?.[1];
  return new Promise((resolve, reject) => {
    const streams = [run.child.stdout, run.child.stderr];
    const check = () => {
      const found = address();
      if (found === undefined) return;
      for (const stream of streams) stream?.off('data', check);
      resolve(found);
    };
    for (const stream of streams) stream?.on('data', check);
    check();
    void run.exit.then((code) =>
      reject(new Error(`server exited (${code}) before it was ready:\n${run.output()}`)),
    );
  });
}

describe('the server process', () => {
  it('exits 1 with one clear line when PostgreSQL is unreachable', async () => {
    const run = startProcess({ DATABASE_URL: 'postgres://lumina:hunter2@127.0.0.1:1/lumina' });
    expect(await run.exit).toBe(1);
    const out = run.output().trim();
    expect(out).toMatch(
      /^lumina: cannot connect to PostgreSQL at postgres:\/\/lumina@127\.0\.0\.1:1\/lumina: /,
    );
    expect(out.split('\n')).toHaveLength(1);
    expect(out).not.toContain('hunter2');
  });

  it('exits 1 with one line on a bad setting', async () => {
    const run = startProcess({ PORT: 'http' });
    expect(await run.exit).toBe(1);
    expect(run.output().trim()).toBe('lumina: invalid configuration: PORT must be a number (got "http")');
  });

  it('names a damaged embedded database and how to restore it', async () => {
    const dir = dataDirFromTemplate();
    fs.writeFileSync(path.join(dir, 'db/global/pg_control'), Buffer.alloc(8192, 0x5a));
    const run = startProcess({ LUMINA_DATA_DIR: dir });
    expect(await run.exit).toBe(1);
    const out = run.output().trim();
    expect(out).toContain(`the embedded database in ${path.join(dir, 'db')} could not be opened`);
    expect(out).toContain('lumina restore');
    expect(out.split('\n')).toHaveLength(1);
  });

  it('refuses a second process on the same data dir, and shuts down cleanly on SIGTERM', async () => {
    const dir = dataDirFromTemplate();
    const first = startProcess({ LUMINA_DATA_DIR: dir });
    const url = await waitForReady(first);
    expect((await fetch(`${url}/health`)).status).toBe(200);

    const second = startProcess({ LUMINA_DATA_DIR: dir });
    expect(await second.exit).toBe(1);
    expect(second.output()).toContain(`is in use by another Lumina process (pid ${first.child.pid})`);

    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    expect(first.output()).toContain('shutting down');
    expect(fs.existsSync(path.join(dir, 'db/lumina.lock'))).toBe(false);
  }, 60_000);
});

describe('graceful close', () => {
  it('lets an in-flight request finish and refuses new ones', async () => {
    const storage = await createTestStorage('pglite');
    const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), storage, serveWeb: false });
    // The handler holds its answer until the test lets it go, once the server is closing.
    let arrived!: () => void;
    const inHandler = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    app.get('/test/slow', async () => {
      arrived();
      await released;
      return { finished: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const inFlight = fetch(`http://127.0.0.1:${port}/test/slow`).then((r) => r.json());
    await inHandler;
    const closing = app.close();
    // The listener is closed (no new connections) while the request is still being answered.
    await vi.waitFor(() => expect(app.server.listening).toBe(false));
    release();
    expect(await inFlight).toEqual({ finished: true });
    await closing;
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    await storage.close();
  });
});
