import PgBoss from 'pg-boss';
import type { z } from 'zod';
import type { Database } from '../db/database.js';
import { AppError, notFound } from '../errors.js';
import type {
  BatchJob,
  EnqueueOptions,
  JobDefinition,
  JobFailure,
  JobQueue,
  QueueStats,
} from './job-queue.js';
import { executorFor, type SqlExecutor } from './pg-boss-executor.js';

/** pg-boss keeps its tables in this schema of the server's database. */
const SCHEMA = 'pgboss';
/** The key throttled schedule jobs share, so one job per interval is kept. */
const SCHEDULE_KEY = '__every';
/** A process that dies holding a job loses it this long after the attempt's time limit. */
const LEASE_GRACE_SECONDS = 1;
const QUEUE_NAME = /^[a-z][a-z0-9-]{0,49}$/;

export interface PgBossJobQueueOptions {
  db: Database;
  log: { warn(obj: object, msg: string): void };
  /** How often an idle worker looks for new jobs (default 2000 ms; an enqueue here wakes it at once). */
  pollIntervalMs?: number;
  /**
   * How often expired leases are taken back and old jobs archived (default 30 s; one instance
   * does it per interval). A dead worker's job is retried within lease + this.
   */
  maintenanceIntervalSeconds?: number;
  /** How long failed jobs stay listed before they are archived (default 7 days). */
  keepFailedSeconds?: number;
}

interface Registration {
  definition: JobDefinition<z.ZodType>;
  sendOptions: PgBoss.SendOptions;
  running: Set<Promise<void>>;
  wake: () => void;
}

interface JobRow {
  id: string;
  name: string;
  data: unknown;
  retryCount: number;
}

/**
 * JobQueue on pg-boss 10 (PostgreSQL SKIP LOCKED queues, retries with back-off, expiry): pg-boss
 * stores and locks; the worker loop here fetches, runs the handler with a signal and a time limit,
 * and completes or fails the job, so shutdown can drain what is in flight.
 * @example const jobs = createPgBossJobQueue({ db: storage.db, log: app.log });
 */
export function createPgBossJobQueue(options: PgBossJobQueueOptions): JobQueue {
  const executor: SqlExecutor = executorFor(options.db);
  const pollIntervalMs = options.pollIntervalMs ?? 2000;
  const boss = new PgBoss({
    db: executor as PgBoss.Db,
    schema: SCHEMA,
    supervise: true,
    migrate: true,
    schedule: false, // schedules are throttled sends (below): no cron worker polling the database
    maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 30,
    archiveFailedAfterSeconds: options.keepFailedSeconds ?? 7 * 24 * 3600,
  });
  boss.on('error', (err) => options.log.warn({ err }, 'job queue maintenance failed'));

  const registrations = new Map<string, Registration>();
  const schedules = new Map<string, { everyMs: number; data: unknown }>();
  const timers: NodeJS.Timeout[] = [];
  const loops: Promise<void>[] = [];
  const stopping = new AbortController();
  /** Aborts when stop() begins (loops waiting for `ready` stop waiting). */
  const closing = new AbortController();
  let state: 'new' | 'started' | 'stopped' = 'new';
  /** False once stop() begins: loops fetch nothing more. */
  let accepting = true;

  function registration(name: string): Registration {
    const found = registrations.get(name);
    if (!found) throw new Error(`job "${name}" is not registered`);
    return found;
  }

  /** The signal an attempt runs under, and a promise that rejects when it aborts. */
  function attemptLimit(timeoutMs: number): { signal: AbortSignal; aborted: Promise<never> } {
    const signal = AbortSignal.any([stopping.signal, AbortSignal.timeout(timeoutMs)]);
    const aborted = new Promise<never>((_, reject) => {
      const abort = () => reject(stopReason(signal, timeoutMs));
      if (signal.aborted) abort();
      else signal.addEventListener('abort', abort, { once: true });
    });
    aborted.catch(() => {});
    return { signal, aborted };
  }

  /** Stores each job's outcome: completions in one statement, failures one by one. */
  async function settle(name: string, done: string[], failed: Map<string, Error>): Promise<void> {
    try {
      if (done.length > 0) await boss.complete(name, done);
      for (const [id, error] of failed)
        await boss.fail(name, id, { name: error.name, message: error.message });
    } catch (err) {
      // The lease runs out and the jobs are retried: nothing is lost.
      options.log.warn(
        { err, jobs: [...done, ...failed.keys()], queue: name },
        'job outcome could not be stored',
      );
    }
  }

  async function runJob(name: string, reg: Registration, job: JobRow): Promise<void> {
    const { definition } = reg;
    const handler = definition.handler!;
    const timeoutMs = definition.timeoutMs ?? 60_000;
    const { signal, aborted } = attemptLimit(timeoutMs);
    try {
      const data = definition.schema.parse(job.data);
      // A handler that ignores its signal still loses the attempt at the limit.
      await Promise.race([handler(data, { jobId: job.id, attempt: job.retryCount + 1, signal }), aborted]);
      await settle(name, [job.id], new Map());
    } catch (err) {
      await settle(name, [], new Map([[job.id, asError(err)]]));
    }
  }

  async function runBatch(name: string, reg: Registration, rows: JobRow[]): Promise<void> {
    const { definition } = reg;
    const batch = definition.batch!;
    const failed = new Map<string, Error>();
    const jobs: BatchJob<unknown>[] = [];
    for (const row of rows) {
      const parsed = definition.schema.safeParse(row.data);
      if (parsed.success) jobs.push({ id: row.id, data: parsed.data, attempt: row.retryCount + 1 });
      else failed.set(row.id, parsed.error);
    }
    if (jobs.length > 0) {
      const { signal, aborted } = attemptLimit(definition.timeoutMs ?? 60_000);
      const take = async (field: string, value: string, limit: number) => {
        const added: BatchJob<unknown>[] = [];
        for (const row of await takeWaiting(name, field, value, limit)) {
          const parsed = definition.schema.safeParse(row.data);
          if (!parsed.success) {
            failed.set(row.id, parsed.error);
            continue;
          }
          const job = { id: row.id, data: parsed.data, attempt: row.retryCount + 1 };
          jobs.push(job);
          added.push(job);
        }
        return added;
      };
      try {
        const answered = await Promise.race([batch.handler(jobs, { signal, take }), aborted]);
        for (const job of jobs) {
          const error = answered.get(job.id);
          if (error) failed.set(job.id, error);
        }
      } catch (err) {
        for (const job of jobs) failed.set(job.id, asError(err));
      }
    }
    await settle(
      name,
      jobs.map((job) => job.id).filter((id) => !failed.has(id)),
      failed,
    );
  }

  /**
   * Marks up to `limit` waiting jobs of `name` whose data has `value` at `field` active for this
   * worker, as pg-boss's own fetch does (the same state change, retry count and lock skipping),
   * and answers them. Only what is waiting is read (pg-boss's partial index on waiting jobs).
   */
  async function takeWaiting(name: string, field: string, value: string, limit: number): Promise<JobRow[]> {
    if (limit < 1) return [];
    const { rows } = await executor.executeSql(
      `with next as (
          select id from ${SCHEMA}.job
          where name = $1 and state < 'active' and start_after < now() and data ->> $2 = $3
          order by created_on, id
          limit $4
          for update skip locked
        )
        update ${SCHEMA}.job j set state = 'active', started_on = now(),
          retry_count = case when j.started_on is not null then j.retry_count + 1 else j.retry_count end
        from next where j.name = $1 and j.id = next.id
        returning j.id, j.name, j.data, j.retry_count, j.created_on`,
      [name, field, value, limit],
    );
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      data: row.data,
      retryCount: Number(row.retry_count),
    }));
  }

  async function workLoop(name: string, reg: Registration): Promise<void> {
    const concurrency = reg.definition.concurrency ?? 1;
    const batchSize = reg.definition.batch ? Math.max(1, Math.floor(reg.definition.batch.size)) : 1;
    while (accepting) {
      const free = concurrency - reg.running.size;
      let jobs: JobRow[] = [];
      // A batch queue takes one batch per free slot; the others one job per free slot.
      const wanted = reg.definition.batch ? (free > 0 ? batchSize : 0) : free;
      if (wanted > 0 && reg.definition.batch?.ready) {
        await reg.definition.batch.ready(closing.signal);
        if (!accepting) break;
      }
      if (wanted > 0) {
        try {
          jobs = (await boss.fetch(name, { batchSize: wanted, includeMetadata: true })) as JobRow[];
        } catch (err) {
          if (accepting) options.log.warn({ err, queue: name }, 'fetching jobs failed');
        }
      }
      const runs = reg.definition.batch
        ? jobs.length > 0
          ? [() => runBatch(name, reg, jobs)]
          : []
        : jobs.map((job) => () => runJob(name, reg, job));
      for (const start of runs) {
        const run = start().finally(() => {
          reg.running.delete(run);
          reg.wake();
        });
        reg.running.add(run);
      }
      if (!accepting) break;
      if (wanted > 0 && jobs.length === wanted && reg.running.size < concurrency) continue; // there may be more
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollIntervalMs);
        reg.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  async function offer(name: string, everyMs: number, data: unknown) {
    try {
      await boss.send(name, (data ?? {}) as object, {
        ...registration(name).sendOptions,
        singletonKey: SCHEDULE_KEY,
        singletonSeconds: Math.max(1, Math.round(everyMs / 1000)),
      });
    } catch (err) {
      if (accepting) options.log.warn({ err, queue: name }, 'scheduling a job failed');
    }
  }

  async function find(jobId: string): Promise<{ name: string; state: string }> {
    const { rows } = await executor.executeSql(
      `select name, state::text as state from ${SCHEMA}.job where id = $1`,
      [jobId],
    );
    if (!rows[0]) throw notFound('job');
    return rows[0];
  }

  async function findFailed(jobId: string): Promise<string> {
    const job = await find(jobId);
    if (job.state !== 'failed') {
      throw new AppError(
        409,
        'job_not_failed',
        `The job is ${job.state}; only failed jobs can be retried or discarded`,
      );
    }
    return job.name;
  }

  return {
    register(name, definition) {
      if (state !== 'new') throw new Error('jobs are registered before the queue starts');
      if (!QUEUE_NAME.test(name))
        throw new Error(`job name "${name}" must be lower-case words joined by "-"`);
      if (registrations.has(name)) throw new Error(`job "${name}" is registered twice`);
      const timeoutMs = definition.timeoutMs ?? 60_000;
      registrations.set(name, {
        definition: definition as unknown as JobDefinition<z.ZodType>,
        sendOptions: {
          retryLimit: definition.retryLimit ?? 3,
          retryDelay: Math.ceil((definition.backoff?.delayMs ?? 1000) / 1000),
          retryBackoff: definition.backoff?.exponential ?? true,
          expireInSeconds: Math.ceil(timeoutMs / 1000) + LEASE_GRACE_SECONDS,
        },
        running: new Set(),
        wake: () => {},
      });
    },

    async enqueue(name, data, enqueueOptions: EnqueueOptions = {}) {
      const reg = registration(name);
      const parsed = reg.definition.schema.parse(data);
      const id = await boss.send(name, parsed as object, {
        ...reg.sendOptions,
        ...(enqueueOptions.singletonKey !== undefined ? { singletonKey: enqueueOptions.singletonKey } : {}),
        ...(enqueueOptions.startAfter ? { startAfter: enqueueOptions.startAfter } : {}),
      });
      if (id && !enqueueOptions.startAfter) reg.wake();
      return id;
    },

    schedule(name, every, data) {
      if (state !== 'new') throw new Error('schedules are set before the queue starts');
      registration(name);
      if (every.everyMs < 1000) throw new Error('a schedule runs at most once a second');
      schedules.set(name, { everyMs: every.everyMs, data });
    },

    async stats(): Promise<QueueStats[]> {
      const { rows } = await executor.executeSql(
        `select q.name,
            count(j.id) filter (where j.state < 'active' and j.start_after <= now()) as waiting,
            count(j.id) filter (where j.state = 'active') as active,
            count(j.id) filter (where j.state = 'completed') as completed,
            count(j.id) filter (where j.state = 'failed') as failed,
            count(j.id) filter (where j.state < 'active' and j.start_after > now()) as delayed
          from ${SCHEMA}.queue q left join ${SCHEMA}.job j on j.name = q.name
          where q.name not like '\\_\\_pgboss%'
          group by q.name order by q.name`,
        [],
      );
      return rows.map((row) => ({
        name: row.name,
        waiting: Number(row.waiting),
        active: Number(row.active),
        completed: Number(row.completed),
        failed: Number(row.failed),
        delayed: Number(row.delayed),
      }));
    },

    async failures(name, limit): Promise<JobFailure[]> {
      const { rows } = await executor.executeSql(
        `select id, name, data, output, retry_count, created_on, completed_on from ${SCHEMA}.job
          where name = $1 and state = 'failed' order by completed_on desc nulls last, id limit $2`,
        [name, limit],
      );
      return rows.map((row) => ({
        id: row.id,
        name: row.name,
        data: row.data,
        error: errorText(row.output),
        attempts: Number(row.retry_count) + 1,
        createdAt: new Date(row.created_on),
        failedAt: row.completed_on ? new Date(row.completed_on) : null,
      }));
    },

    async retry(jobId) {
      const name = await findFailed(jobId);
      await boss.retry(name, jobId);
      registrations.get(name)?.wake();
    },

    async discard(jobId) {
      await boss.deleteJob(await findFailed(jobId), jobId);
    },

    async start() {
      if (state !== 'new') return;
      state = 'started';
      await boss.start();
      for (const [name, reg] of registrations) {
        await boss.createQueue(name, {
          name,
          policy: reg.definition.unique ? 'stately' : 'standard',
          ...reg.sendOptions,
        });
      }
      for (const [name, reg] of registrations) loops.push(workLoop(name, reg));
      for (const [name, { everyMs, data }] of schedules) {
        void offer(name, everyMs, data);
        timers.push(setInterval(() => void offer(name, everyMs, data), everyMs).unref());
      }
    },

    async stop(stopOptions = {}) {
      if (state === 'stopped') return;
      const wasStarted = state === 'started';
      state = 'stopped';
      for (const timer of timers) clearInterval(timer);
      accepting = false;
      closing.abort();
      for (const reg of registrations.values()) reg.wake();
      await Promise.all(loops);
      // Nothing new is fetched now; what is in flight gets drainMs, then its signal aborts.
      const running = [...registrations.values()].flatMap((reg) => [...reg.running]);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(running),
        new Promise((resolve) => {
          timer = setTimeout(resolve, stopOptions.drainMs ?? 10_000);
        }),
      ]);
      clearTimeout(timer);
      stopping.abort();
      await Promise.all(running);
      if (wasStarted) await boss.stop({ graceful: false, close: false, wait: true });
    },
  };
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

function stopReason(signal: AbortSignal, timeoutMs: number): Error {
  const reason = signal.reason as { name?: string } | undefined;
  return reason?.name === 'TimeoutError'
    ? new Error(`timed out after ${timeoutMs} ms`)
    : new Error('the server stopped while the job was running');
}

/** pg-boss stores what a failure was called with; its own expiry writes `{value:{message}}`. */
function errorText(output: unknown): string {
  const value = output as { message?: unknown; value?: { message?: unknown } } | null;
  if (typeof value?.message === 'string') return value.message;
  if (typeof value?.value?.message === 'string') return value.value.message;
  return output == null ? 'unknown error' : JSON.stringify(output).slice(0, 2000);
}
