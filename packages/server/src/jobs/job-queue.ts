import type { z } from 'zod';

/**
 * Durable background work behind one interface. A job is stored before `enqueue` resolves, is
 * worked by any instance on the same database, survives a crash of the process working it (its
 * lease runs out and another worker takes it), is retried with back-off when it fails, and keeps
 * its error when it fails for good. Implementations: pg-boss on the server's own database
 * (PostgreSQL or embedded PGlite); every one runs the suite in job-queue.conformance.ts.
 */
export interface JobQueue {
  /**
   * Declares a job name: its data schema (checked when enqueued and again when worked), its
   * handler and how it is retried. Before `start()`; a name is registered once.
   * @example queue.register('conversation-title', { schema: z.object({ id: z.uuid() }), handler: async (data, { signal }) => … });
   */
  register<S extends z.ZodType>(name: string, definition: JobDefinition<S>): void;
  /**
   * Stores a job. Resolves with its id, or `null` when the name's queue is `unique` and a job with
   * the same key is already waiting (the waiting one will see the newest state when it runs).
   */
  enqueue(name: string, data: unknown, options?: EnqueueOptions): Promise<string | null>;
  /**
   * Runs `name` every `everyMs` across all instances: each instance offers a job per interval and
   * the queue keeps one per interval, so N instances do not run it N times. Before `start()`.
   */
  schedule(name: string, every: { everyMs: number }, data?: unknown): void;
  /** Counts per registered queue (and any other queue found in storage), sorted by name. */
  stats(): Promise<QueueStats[]>;
  /** The most recent jobs of `name` that failed for good, newest first, with their errors. */
  failures(name: string, limit: number): Promise<JobFailure[]>;
  /** Gives a failed job one more attempt. Throws `job_not_found` / `job_not_failed`. */
  retry(jobId: string): Promise<void>;
  /** Deletes a failed job. Throws `job_not_found` / `job_not_failed`. */
  discard(jobId: string): Promise<void>;
  /** Creates storage when needed, then starts the workers and schedules. */
  start(): Promise<void>;
  /**
   * Stops taking jobs; jobs in flight get up to `drainMs` to finish, then their signal aborts and
   * they are failed (retried later by any instance). Safe to call twice or before `start()`.
   */
  stop(options?: { drainMs?: number }): Promise<void>;
}

/**
 * A job name's definition: its data schema, how it is retried, and either a `handler` that works
 * one job at a time or a `batch` handler that takes several waiting jobs at once.
 */
export type JobDefinition<S extends z.ZodType> = JobOptions<S> &
  (
    | { handler: (data: z.output<S>, context: JobContext) => Promise<void>; batch?: never }
    | { batch: BatchDefinition<S>; handler?: never }
  );

/**
 * Several waiting jobs in one call (one fetch and one completion for all of them), for work that
 * is cheaper together, e.g. one model call for the exchanges of one conversation. Each job still
 * completes or fails on its own; `timeoutMs` and the lease cover the whole batch.
 */
export interface BatchDefinition<S extends z.ZodType> {
  /** Jobs handed over at once, at most (at least 1). */
  size: number;
  /**
   * Awaited before each fetch, while no job is held (e.g. until no reply is being written, a few
   * seconds at most): the jobs that arrive meanwhile are fetched together. Resolves early when
   * the signal (the queue stopping) aborts.
   */
  ready?: (signal: AbortSignal) => Promise<unknown>;
  /**
   * Works the jobs (their data validated; a job whose data does not parse fails alone and is not
   * handed over). Answers the jobs that failed, by id, with their errors (an empty map: none);
   * the rest complete. Throwing fails them all (each is retried per `retryLimit`).
   */
  handler: (
    jobs: BatchJob<z.output<S>>[],
    context: BatchContext<z.output<S>>,
  ) => Promise<ReadonlyMap<string, Error>>;
}

export interface BatchContext<T> {
  /** Aborts at the batch's time limit or when the queue stops. */
  signal: AbortSignal;
  /**
   * Takes into this batch up to `limit` more waiting jobs of the same name whose data has the
   * string `value` at `field` (oldest first; jobs another worker holds are skipped), e.g. every
   * waiting job of one conversation. They complete or fail with the batch: answer their ids like
   * the others'.
   */
  take(field: string, value: string, limit: number): Promise<BatchJob<T>[]>;
}

export interface BatchJob<T> {
  id: string;
  data: T;
  /** 1 for the first attempt. */
  attempt: number;
}

export interface JobOptions<S extends z.ZodType> {
  schema: S;
  /** Attempts after the first one (default 3). */
  retryLimit?: number;
  /**
   * Wait before a retry, in ms (default 1000; stored with one-second precision). Exponential
   * (the default) doubles it each attempt, with jitter.
   */
  backoff?: { delayMs: number; exponential?: boolean };
  /**
   * How long one attempt may run (default 60 s): the handler's signal aborts then and the attempt
   * fails. A process that dies holding the job loses it a second later (the lease).
   */
  timeoutMs?: number;
  /** Jobs (or batches) of this name one process works at the same time (default 1). */
  concurrency?: number;
  /**
   * At most one waiting and one running job per `singletonKey` (a job without a key shares the
   * empty key). For work that only needs to happen once for the latest state, e.g. a summary.
   */
  unique?: boolean;
}

export interface JobContext {
  jobId: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** Aborts at the attempt's time limit or when the queue stops. */
  signal: AbortSignal;
}

export interface EnqueueOptions {
  /** The key `unique` queues deduplicate on. */
  singletonKey?: string;
  /** Not before this time. */
  startAfter?: Date;
}

export interface QueueStats {
  name: string;
  /** Ready to run now (new or waiting to be retried, their time has come). */
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  /** Waiting for a later time: `startAfter` or a retry's back-off. */
  delayed: number;
}

export interface JobFailure {
  id: string;
  name: string;
  data: unknown;
  /** What the last attempt failed with. */
  error: string;
  attempts: number;
  createdAt: Date;
  failedAt: Date | null;
}
