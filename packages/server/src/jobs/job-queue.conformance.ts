import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { JobContext, JobQueue } from './job-queue.js';

/** One backend under test: makes queues that share one store (as instances share a database). */
export interface JobQueueBackend {
  /** A new queue on the shared store: a second call is like a second server instance. */
  create(): JobQueue;
  close(): Promise<void>;
}

/** Polls until `check` holds; the bound only turns a hang into a failure with a message. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, boundMs = 60_000) {
  const deadline = Date.now() + boundMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const item = z.object({ n: z.number().int() });

/**
 * The behaviour every JobQueue implementation promises (job-queue.ts). Call inside a describe
 * block; `open` gives a fresh store for the block.
 */
export function jobQueueConformance(open: () => Promise<JobQueueBackend>) {
  let backend: JobQueueBackend;
  const started: JobQueue[] = [];

  beforeAll(async () => {
    backend = await open();
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((queue) => queue.stop({ drainMs: 0 })));
  });
  afterAll(async () => {
    await backend?.close();
  });

  /** A queue with `setup` applied, started. */
  async function queueWith(setup: (queue: JobQueue) => void): Promise<JobQueue> {
    const queue = backend.create();
    setup(queue);
    started.push(queue);
    await queue.start();
    return queue;
  }

  const statsOf = async (queue: JobQueue, name: string) => (await queue.stats()).find((s) => s.name === name);

  it('runs an enqueued job once with its validated data, an id, the attempt and a signal', async () => {
    const seen: Array<{ data: unknown; context: JobContext }> = [];
    const queue = await queueWith((q) =>
      q.register('conf-basic', {
        schema: item,
        handler: async (data, context) => {
          seen.push({ data, context });
        },
      }),
    );
    const id = await queue.enqueue('conf-basic', { n: 7 });
    expect(id).toEqual(expect.any(String));
    await waitFor(async () => (await statsOf(queue, 'conf-basic'))?.completed === 1, 'the job to complete');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.data).toEqual({ n: 7 });
    expect(seen[0]!.context.jobId).toBe(id);
    expect(seen[0]!.context.attempt).toBe(1);
    expect(seen[0]!.context.signal.aborted).toBe(false);
    expect(await statsOf(queue, 'conf-basic')).toEqual({
      name: 'conf-basic',
      waiting: 0,
      active: 0,
      completed: 1,
      failed: 0,
      delayed: 0,
    });
  });

  it('refuses data that does not match the schema, and names nobody registered', async () => {
    const queue = await queueWith((q) =>
      q.register('conf-invalid', { schema: item, handler: async () => {} }),
    );
    await expect(queue.enqueue('conf-invalid', { n: 'seven' })).rejects.toBeInstanceOf(z.ZodError);
    await expect(queue.enqueue('conf-unknown', { n: 1 })).rejects.toThrow(/not registered/);
    expect((await statsOf(queue, 'conf-invalid'))?.waiting).toBe(0);
  });

  it('retries a failing job up to its limit, then keeps it failed with its error', async () => {
    const attempts: number[] = [];
    const queue = await queueWith((q) =>
      q.register('conf-fail', {
        schema: item,
        retryLimit: 2,
        backoff: { delayMs: 0 },
        handler: async (_data, { attempt }) => {
          attempts.push(attempt);
          throw new Error(`broken on attempt ${attempt}`);
        },
      }),
    );
    const id = await queue.enqueue('conf-fail', { n: 1 });
    await waitFor(async () => (await statsOf(queue, 'conf-fail'))?.failed === 1, 'the job to fail for good');
    expect(attempts).toEqual([1, 2, 3]);
    const failures = await queue.failures('conf-fail', 10);
    expect(failures).toEqual([
      {
        id,
        name: 'conf-fail',
        data: { n: 1 },
        error: 'broken on attempt 3',
        attempts: 3,
        createdAt: expect.any(Date),
        failedAt: expect.any(Date),
      },
    ]);
  });

  it('waits with back-off before a retry', async () => {
    let attempts = 0;
    const queue = await queueWith((q) =>
      q.register('conf-backoff', {
        schema: item,
        retryLimit: 1,
        backoff: { delayMs: 1000, exponential: false },
        handler: async () => {
          attempts++;
          if (attempts === 1) throw new Error('first attempt fails');
        },
      }),
    );
    await queue.enqueue('conf-backoff', { n: 1 });
    // The failed attempt is parked for its back-off before it may run again.
    await waitFor(
      async () => (await statsOf(queue, 'conf-backoff'))?.delayed === 1,
      'the retry to be delayed',
    );
    expect(attempts).toBe(1);
    await waitFor(
      async () => (await statsOf(queue, 'conf-backoff'))?.completed === 1,
      'the retry to complete',
    );
    expect(attempts).toBe(2);
  });

  it('aborts the signal at the time limit and fails the attempt', async () => {
    let aborted = false;
    const queue = await queueWith((q) =>
      q.register('conf-timeout', {
        schema: item,
        retryLimit: 0,
        timeoutMs: 100,
        handler: async (_data, { signal }) => {
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
          aborted = true;
        },
      }),
    );
    await queue.enqueue('conf-timeout', { n: 1 });
    await waitFor(async () => (await statsOf(queue, 'conf-timeout'))?.failed === 1, 'the job to time out');
    expect(aborted).toBe(true);
    expect((await queue.failures('conf-timeout', 1))[0]?.error).toBe('timed out after 100 ms');
  });

  it('retries a failed job on request, and discards one', async () => {
    let fail = true;
    const queue = await queueWith((q) =>
      q.register('conf-admin', {
        schema: item,
        retryLimit: 0,
        handler: async () => {
          if (fail) throw new Error('not yet');
        },
      }),
    );
    const first = (await queue.enqueue('conf-admin', { n: 1 }))!;
    const second = (await queue.enqueue('conf-admin', { n: 2 }))!;
    await waitFor(async () => (await statsOf(queue, 'conf-admin'))?.failed === 2, 'both jobs to fail');

    fail = false;
    await queue.retry(first);
    await waitFor(
      async () => (await statsOf(queue, 'conf-admin'))?.completed === 1,
      'the retried job to complete',
    );
    await queue.discard(second);
    expect(await statsOf(queue, 'conf-admin')).toMatchObject({ failed: 0, completed: 1, waiting: 0 });
    expect(await queue.failures('conf-admin', 10)).toEqual([]);

    await expect(queue.retry(first)).rejects.toMatchObject({ status: 409, code: 'job_not_failed' });
    await expect(queue.discard(second)).rejects.toMatchObject({ status: 404, code: 'job_not_found' });
    await expect(queue.retry('0190a8a4-0000-7000-8000-000000000000')).rejects.toBeInstanceOf(AppError);
  });

  it('hands waiting jobs to a batch handler together; each completes or fails on its own', async () => {
    const batches: Array<Array<{ n: number; attempt: number }>> = [];
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const define = (q: JobQueue) =>
      q.register('conf-batch', {
        schema: item,
        retryLimit: 1,
        backoff: { delayMs: 0 },
        batch: {
          size: 3,
          handler: async (jobs) => {
            batches.push(jobs.map((job) => ({ n: job.data.n, attempt: job.attempt })));
            await gate;
            // n = 4 fails its first attempt only; its neighbours complete.
            const failing = jobs.filter((job) => job.data.n === 4 && job.attempt === 1);
            return new Map(failing.map((job) => [job.id, new Error('not yet')]));
          },
        },
      });
    // The first batch holds the only slot while the others are stored: they wait together.
    const queue = await queueWith(define);
    await queue.enqueue('conf-batch', { n: 1 });
    await waitFor(() => batches.length === 1, 'the first batch');
    for (const n of [2, 3, 4, 5]) await queue.enqueue('conf-batch', { n });
    release();
    await waitFor(async () => (await statsOf(queue, 'conf-batch'))?.completed === 5, 'every job to complete');
    // At most `size` at a time, every job handed over, the failed one again as its second attempt.
    expect(batches.every((b) => b.length >= 1 && b.length <= 3)).toBe(true);
    expect(batches[1]).toHaveLength(3);
    const handed = batches.flat();
    expect(handed.map((j) => j.n).sort()).toEqual([1, 2, 3, 4, 4, 5]);
    expect(handed.filter((j) => j.n === 4).map((j) => j.attempt)).toEqual([1, 2]);
    expect((await statsOf(queue, 'conf-batch'))?.failed).toBe(0);
  });

  it('lets a batch take the other waiting jobs of its group, which complete with it', async () => {
    const grouped = z.object({ n: z.number().int(), group: z.string() });
    const batches: string[][] = [];
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const queue = await queueWith((q) =>
      q.register('conf-take', {
        schema: grouped,
        retryLimit: 0,
        batch: {
          size: 2,
          handler: async (jobs, { take }) => {
            if (jobs[0]!.data.n === 0) await gate;
            const all = [...jobs];
            for (const group of new Set(jobs.map((job) => job.data.group)))
              all.push(...(await take('group', group, 10)));
            batches.push(all.map((job) => `${job.data.group}${job.data.n}`).sort());
            return new Map();
          },
        },
      }),
    );
    // The first batch holds the only slot while the rest are stored.
    await queue.enqueue('conf-take', { n: 0, group: 'z' });
    await waitFor(async () => (await statsOf(queue, 'conf-take'))?.active === 1, 'the first batch');
    for (const [n, group] of [
      [1, 'a'],
      [2, 'b'],
      [3, 'a'],
      [4, 'c'],
      [5, 'a'],
      [6, 'b'],
    ] as const)
      await queue.enqueue('conf-take', { n, group });
    release();
    await waitFor(async () => (await statsOf(queue, 'conf-take'))?.completed === 7, 'every job to complete');
    // The second batch fetched a1 and b2, then took a3, a5 and b6 with them; c4 came alone.
    expect(batches).toEqual([['z0'], ['a1', 'a3', 'a5', 'b2', 'b6'], ['c4']]);
    expect(await statsOf(queue, 'conf-take')).toMatchObject({ waiting: 0, active: 0, failed: 0 });
  });

  it('waits for a batch definition to be ready before fetching; what arrives meanwhile comes together', async () => {
    const batches: number[][] = [];
    let open = () => {};
    let gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let readyCalls = 0;
    const queue = await queueWith((q) =>
      q.register('conf-ready', {
        schema: item,
        batch: {
          size: 10,
          ready: async () => {
            readyCalls += 1;
            await gate;
          },
          handler: async (jobs) => {
            batches.push(jobs.map((job) => job.data.n).sort());
            return new Map();
          },
        },
      }),
    );
    for (const n of [1, 2, 3]) await queue.enqueue('conf-ready', { n });
    await waitFor(() => readyCalls >= 1, 'the loop to wait for ready');
    // Nothing is held while it waits.
    expect(await statsOf(queue, 'conf-ready')).toMatchObject({ waiting: 3, active: 0 });
    expect(batches).toEqual([]);
    open();
    gate = Promise.resolve();
    await waitFor(async () => (await statsOf(queue, 'conf-ready'))?.completed === 3, 'the batch to complete');
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('keeps one waiting job per key in a unique queue, across instances', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const runs: number[] = [];
    const define = (q: JobQueue) =>
      q.register('conf-unique', {
        schema: item,
        unique: true,
        handler: async (data) => {
          runs.push(data.n);
          await gate;
        },
      });
    const one = await queueWith(define);
    const other = backend.create();
    define(other);
    // The second instance only enqueues (not started, it works nothing), the first works.
    expect(await one.enqueue('conf-unique', { n: 1 }, { singletonKey: 'c1' })).toEqual(expect.any(String));
    await waitFor(() => runs.length === 1, 'the first job to start');
    // One may wait behind the running one; a third for the same key is not stored.
    expect(await other.enqueue('conf-unique', { n: 2 }, { singletonKey: 'c1' })).toEqual(expect.any(String));
    expect(await one.enqueue('conf-unique', { n: 3 }, { singletonKey: 'c1' })).toBeNull();
    expect(await other.enqueue('conf-unique', { n: 4 }, { singletonKey: 'c2' })).toEqual(expect.any(String));
    release();
    await waitFor(async () => (await statsOf(one, 'conf-unique'))?.completed === 3, 'the stored jobs to run');
    expect(runs.sort()).toEqual([1, 2, 4]);
  });

  it('runs a schedule once per interval however many instances offer it', async () => {
    let runs = 0;
    const define = (q: JobQueue) => {
      q.register('conf-every', {
        schema: z.object({}),
        handler: async () => {
          runs++;
        },
      });
      q.schedule('conf-every', { everyMs: 3_600_000 });
    };
    const one = await queueWith(define);
    const two = await queueWith(define);
    await waitFor(
      async () => (await statsOf(one, 'conf-every'))?.completed === 1,
      'the scheduled job to run',
    );
    expect(await statsOf(two, 'conf-every')).toMatchObject({
      waiting: 0,
      active: 0,
      completed: 1,
      delayed: 0,
    });
    expect(runs).toBe(1);
  });

  it('lets a job in flight finish when stopping, without aborting it', async () => {
    let release = () => {};
    let running = false;
    let abortedWhileRunning = false;
    const queue = await queueWith((q) =>
      q.register('conf-drain', {
        schema: item,
        handler: async (_data, { signal }) => {
          running = true;
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          abortedWhileRunning = signal.aborted;
        },
      }),
    );
    await queue.enqueue('conf-drain', { n: 1 });
    await waitFor(() => running, 'the job to start');
    let stopped = false;
    const stopping = queue.stop({ drainMs: 120_000 }).then(() => {
      stopped = true;
    });
    await queue.enqueue('conf-drain', { n: 2 }); // stored, but this instance takes nothing new
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(abortedWhileRunning).toBe(false);
    expect(await statsOf(queue, 'conf-drain')).toMatchObject({ completed: 1, waiting: 1, active: 0 });
  });

  it('aborts what is still running when the drain time is up; the job is retried elsewhere', async () => {
    let aborted = false;
    let started = false;
    const define = (q: JobQueue, handler: (signal: AbortSignal) => Promise<void>) =>
      q.register('conf-abort', {
        schema: item,
        retryLimit: 1,
        backoff: { delayMs: 0 },
        handler: async (_data, { signal }) => handler(signal),
      });
    const first = await queueWith((q) =>
      define(q, async (signal) => {
        started = true;
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
        aborted = true;
      }),
    );
    await first.enqueue('conf-abort', { n: 1 });
    await waitFor(() => started, 'the job to start');
    await first.stop({ drainMs: 0 });
    expect(aborted).toBe(true);
    let attempt = 0;
    await queueWith((q) =>
      define(q, async () => {
        attempt++;
      }),
    );
    await waitFor(
      async () => (await statsOf(first, 'conf-abort'))?.completed === 1,
      'another instance to finish it',
    );
    expect(attempt).toBe(1);
  });
}
