import fs from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { HNSW_SESSION_SETTINGS } from '../memory/vector-index.js';
import { type DataDirLock, lockDataDir } from './data-dir-lock.js';
import type { Database } from './database.js';
import { migrate } from './migrate.js';
import { PgliteThreadClient } from './pglite-thread-client.js';
import { openPgliteInstance, type PgliteInstanceOptions } from './pglite-worker.js';
import * as schema from './schema/index.js';

export type StorageKind = 'pglite' | 'postgres';

/**
 * Where embedded PGlite runs: in a worker thread of its own (the default: its WebAssembly and
 * result decoding stay off the event loop), or on the main thread (`LUMINA_PGLITE_THREAD=main`).
 */
export type PgliteThread = 'worker' | 'main';

/** An open database: the Drizzle handle plus what the rest of the server needs to know about it. */
export interface Storage {
  kind: StorageKind;
  db: Database;
  /** Where the data is, safe to show (no password). */
  location: string;
  /** True when pgvector is installed; vector search falls back to plain SQL without it. */
  hasVector: boolean;
  /** Whether start-up had to create a new database (first run). */
  created: boolean;
  /** Which server processes are alive, for recovering replies a dead process left `streaming`. */
  writerLocks: WriterLocks;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A process holds its writer id while it lives. PGlite: one process owns the data dir, so any
 * other writer is dead. PostgreSQL: a session advisory lock on a dedicated connection, which the
 * server releases when the process dies, so every instance can tell a live writer from a dead one.
 */
export interface WriterLocks {
  hold(writerId: string): Promise<void>;
  isHeld(writerId: string): Promise<boolean>;
  /** This writer stops (its replies are finished or interrupted). */
  release(writerId: string): Promise<void>;
}

export interface StorageOptions {
  databaseUrl?: string | undefined;
  /** A directory, or `memory://` for a throw-away in-memory database. */
  dataDir: string;
  poolMax?: number;
  /**
   * How long a query waits for a free pooled connection (default 5000 ms). When it runs out,
   * pg-pool's "timeout exceeded when trying to connect" becomes 503 `service_busy`.
   */
  poolTimeoutMs?: number;
  pgliteSharedBuffers?: string;
  /**
   * Where PGlite runs. Default: `LUMINA_PGLITE_THREAD` from the environment when it is `main`,
   * else `worker` (the server passes its validated config; the CLI, tests and benches follow the
   * environment).
   */
  pgliteThread?: PgliteThread;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
}

/** A storage problem explained in one line, shown to the operator without a stack trace. */
export class StorageError extends Error {
  override name = 'StorageError';
}

/**
 * Opens PostgreSQL when a URL is given, else embedded PGlite in `<dataDir>/db`, then migrates.
 * @example const storage = await openStorage({ dataDir: './data' });
 */
export async function openStorage(options: StorageOptions): Promise<Storage> {
  const thread = options.pgliteThread ?? (process.env.LUMINA_PGLITE_THREAD === 'main' ? 'main' : 'worker');
  const sharedBuffers = options.pgliteSharedBuffers ?? '16MB';
  const storage = options.databaseUrl
    ? await openPostgres(options.databaseUrl, options.poolMax ?? 10, options.poolTimeoutMs ?? 5000)
    : options.dataDir === 'memory://'
      ? await openPglite(undefined, sharedBuffers, thread)
      : await openPglite(path.join(options.dataDir, 'db'), sharedBuffers, thread);
  if (options.migrate !== false) {
    try {
      await migrate(storage.db);
    } catch (err) {
      await storage.close();
      throw new StorageError(`database migration failed on ${storage.location}: ${(err as Error).message}`);
    }
  }
  // PGlite has one session: vector search settings once (PostgreSQL: per connection, openPostgres).
  if (storage.kind === 'pglite') {
    for (const setting of HNSW_SESSION_SETTINGS.split('; ')) await storage.db.execute(sql.raw(setting));
  }
  return storage;
}

async function openPglite(
  dir: string | undefined,
  sharedBuffers: string,
  thread: PgliteThread,
): Promise<Storage> {
  const lock: DataDirLock = dir ? lockDataDir(dir) : { release() {} };
  const created = !dir || !fs.existsSync(path.join(dir, 'PG_VERSION'));
  const instance: PgliteInstanceOptions = {
    dataDir: dir,
    sharedBuffers,
    reopenAfterInitdb: created && dir !== undefined,
  };
  // The worker's client has PGlite's query/exec/transaction/close: Drizzle and every caller of
  // `$client` use either one alike.
  let client: PGlite | PgliteThreadClient;
  try {
    client = thread === 'main' ? await openPgliteInstance(instance) : await PgliteThreadClient.open(instance);
  } catch (err) {
    lock.release();
    throw new StorageError(
      `the embedded database in ${dir} could not be opened (${describe(err)}); it may be damaged: move the directory aside and run "lumina restore <backup file>" to restore your last backup`,
    );
  }
  const db = drizzlePglite({ client: client as PGlite, schema }) as unknown as Database;
  return {
    kind: 'pglite',
    db,
    location: dir ?? 'memory://',
    hasVector: true,
    created,
    writerLocks: pgliteWriterLocks(),
    ping: async () => {
      await client.query('select 1');
    },
    close: async () => {
      try {
        if (!client.closed) await client.close();
      } finally {
        lock.release();
      }
    },
  };
}

async function openPostgres(url: string, max: number, connectionTimeoutMillis: number): Promise<Storage> {
  const location = redactUrl(url);
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis });
  // An idle client that errors (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  let hasVector = false;
  try {
    const result = await pool.query<{ installed: boolean }>(
      `select exists(select 1 from pg_extension where extname = 'vector') as installed`,
    );
    hasVector = result.rows[0]?.installed ?? false;
  } catch (err) {
    await pool.end().catch(() => {});
    throw new StorageError(`cannot connect to PostgreSQL at ${location}: ${describe(err)}`);
  }
  // Every connection gets recall's vector search settings first (pg queues them before the
  // connection's first query).
  if (hasVector) pool.on('connect', (client) => void client.query(HNSW_SESSION_SETTINGS).catch(() => {}));
  const db = drizzlePg({ client: pool, schema }) as unknown as Database;
  const locks = postgresWriterLocks(pool);
  return {
    kind: 'postgres',
    db,
    location,
    hasVector,
    created: false,
    writerLocks: locks,
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: async () => {
      locks.releaseAll();
      await pool.end();
    },
  };
}

function pgliteWriterLocks(): WriterLocks {
  const held = new Set<string>();
  return {
    hold: async (writerId) => {
      held.add(writerId);
    },
    isHeld: async (writerId) => held.has(writerId),
    release: async (writerId) => {
      held.delete(writerId);
    },
  };
}

/** Advisory lock keys: a class id for Lumina writers, then the writer id's hash. */
const WRITER_LOCK_CLASS = 0x4c756d;

/** Back-off between attempts to take a lost writer lock again: 0.5 s doubling up to 10 s. */
const RETAKE_FIRST_MS = 500;
const RETAKE_MAX_MS = 10_000;

/**
 * Each writer id has one holder: the connection that holds its lock, the attempt in flight (every
 * caller of `hold` and the retry timer share it, so one process never has two sessions asking for
 * the same lock) and the retry timer. Locks are only ever taken with `pg_try_advisory_lock`: a
 * blocking `pg_advisory_lock` on a pooled connection would wait forever when another session of
 * this process (or a session the server has not yet noticed is dead) holds it, keeping that pool
 * connection away from every query. A lost lock is tried again, with back-off, while the process
 * lives; `release`/`close` stop it.
 */
interface LockHolder {
  client: pg.PoolClient | undefined;
  attempt: Promise<void> | undefined;
  timer: NodeJS.Timeout | undefined;
  delayMs: number;
}

function postgresWriterLocks(pool: pg.Pool): WriterLocks & { releaseAll(): void } {
  // One holder per writer id (tests run several apps on one storage).
  const holders = new Map<string, LockHolder>();
  let closed = false;

  const active = (writerId: string, holder: LockHolder) => !closed && holders.get(writerId) === holder;

  const scheduleRetry = (writerId: string, holder: LockHolder) => {
    if (!active(writerId, holder) || holder.client || holder.timer) return;
    const delay = holder.delayMs;
    holder.delayMs = Math.min(delay * 2, RETAKE_MAX_MS);
    holder.timer = setTimeout(() => {
      holder.timer = undefined;
      void attempt(writerId, holder).catch(() => {}); // a failed attempt schedules the next one
    }, delay);
    holder.timer.unref();
  };

  const take = async (writerId: string, holder: LockHolder): Promise<void> => {
    const client = await pool.connect();
    let got = false;
    try {
      const { rows } = await client.query<{ got: boolean }>(
        'select pg_try_advisory_lock($1, hashtext($2)) as got',
        [WRITER_LOCK_CLASS, writerId],
      );
      got = rows[0]?.got === true;
    } catch (err) {
      client.release(true);
      throw err;
    }
    if (!got || !active(writerId, holder)) {
      client.release(true); // closing the session drops a lock taken after release/close
      if (!got) throw new Error('the writer lock is held by another session');
      return;
    }
    // A broken connection loses the lock: take it again on a fresh one.
    const lost = () => {
      if (holder.client !== client) return; // released on purpose
      holder.client = undefined;
      client.release(true);
      holder.delayMs = RETAKE_FIRST_MS;
      scheduleRetry(writerId, holder);
    };
    client.on('error', lost);
    client.on('end', lost);
    holder.client = client;
    holder.delayMs = RETAKE_FIRST_MS;
  };

  const attempt = (writerId: string, holder: LockHolder): Promise<void> => {
    if (holder.client) return Promise.resolve();
    holder.attempt ??= take(writerId, holder)
      .catch((err) => {
        scheduleRetry(writerId, holder);
        throw err;
      })
      .finally(() => {
        holder.attempt = undefined;
      });
    return holder.attempt;
  };

  return {
    /**
     * Takes the lock now, or joins the attempt already under way. Rejects when this attempt fails
     * (the database is away, or another session still holds the lock); the lock is then tried
     * again in the background.
     */
    hold(writerId) {
      let holder = holders.get(writerId);
      if (!holder) {
        holder = { client: undefined, attempt: undefined, timer: undefined, delayMs: RETAKE_FIRST_MS };
        holders.set(writerId, holder);
      }
      return attempt(writerId, holder);
    },
    async isHeld(writerId) {
      if (holders.get(writerId)?.client) return true;
      const client = await pool.connect();
      try {
        const { rows } = await client.query<{ got: boolean }>(
          'select pg_try_advisory_lock($1, hashtext($2)) as got',
          [WRITER_LOCK_CLASS, writerId],
        );
        if (rows[0]?.got) {
          await client.query('select pg_advisory_unlock($1, hashtext($2))', [WRITER_LOCK_CLASS, writerId]);
          return false;
        }
        return true;
      } finally {
        client.release();
      }
    },
    async release(writerId) {
      const holder = holders.get(writerId);
      holders.delete(writerId);
      if (holder) drop(holder);
    },
    releaseAll() {
      closed = true;
      for (const holder of holders.values()) drop(holder);
      holders.clear();
    },
  };
}

/** Stops retrying and closes the lock's session, which drops the lock. */
function drop(holder: LockHolder): void {
  clearTimeout(holder.timer);
  holder.timer = undefined;
  const client = holder.client;
  holder.client = undefined;
  client?.release(true);
}

/** postgres://user:secret@host/db -> postgres://user@host/db */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function describe(err: unknown): string {
  const e = err as { message?: string; code?: string };
  const message = (e?.message || String(err)).split('\n')[0]!;
  return e?.code && !message.includes(e.code) ? `${e.code}: ${message}` : message || 'unknown error';
}
