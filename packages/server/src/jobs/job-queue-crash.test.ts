import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createPostgresDatabase, describeStorage } from '../test-support/storage.js';
import { waitFor } from './job-queue.conformance.js';

const root = fileURLToPath(new URL('../../../..', import.meta.url));
const worker = path.join(root, 'packages/server/src/test-support/job-crash-worker.ts');

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function startWorker(args: object): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', worker, JSON.stringify(args)], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
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

// Each process compiles the worker with tsx and opens the database: seconds when idle, longer on a
// busy machine. The bound only keeps a real hang from running forever.
const TIMEOUT_MS = 300_000;

/**
 * The durability promise of jobs/, the hard way: a process working a job is killed (SIGKILL, no
 * shutdown code runs); a second process on the same database takes the job once its lease has
 * run out, and completes it as the next attempt.
 */
describeStorage('a job whose worker is killed (%s)', (mode) => {
  const target: { dataDir: string; databaseUrl?: string } = { dataDir: '' };
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    target.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-jobs-kill-'));
    if (mode === 'postgres') {
      const database = await createPostgresDatabase();
      target.databaseUrl = database.url;
      cleanup = database.drop;
    } else {
      fs.cpSync(inject('pgliteTemplateDir'), path.join(target.dataDir, 'db'), { recursive: true });
      cleanup = async () => {};
    }
  });
  afterAll(async () => {
    await cleanup?.();
    fs.rmSync(target.dataDir, { recursive: true, force: true });
  });

  it('is completed by another process after the lease runs out', { timeout: TIMEOUT_MS }, async () => {
    const first = startWorker({ ...target, role: 'hang', enqueue: true });
    const working = () => /working (\S+) attempt 1 survive/.exec(first.output())?.[1];
    await waitFor(
      () => working() !== undefined,
      `the first process to take the job:\n${first.output()}`,
      TIMEOUT_MS,
    );
    const jobId = /enqueued (\S+)/.exec(first.output())?.[1];
    expect(working()).toBe(jobId);
    first.child.kill('SIGKILL');
    expect(await first.exit).toBeNull();

    const second = startWorker({ ...target, role: 'finish' });
    await waitFor(
      () => second.output().includes('closed'),
      `the job to be finished:\n${second.output()}`,
      TIMEOUT_MS,
    );
    expect(await second.exit).toBe(0);
    expect(second.output()).toContain(`working ${jobId} attempt 2 survive`);
    expect(second.output()).toContain(`finished ${jobId} attempt 2`);
  });
});
