import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { type DataDirLock, lockDataDir } from './data-dir-lock.js';
import type { Database } from './database.js';
import { migrate } from './migrate.js';
import * as schema from './schema/index.js';

export type StorageKind = 'pglite' | 'postgres';

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
  const storage = options.databaseUrl
    ? await openPostgres(options.databaseUrl, options.poolMax ?? 10, options.poolTimeoutMs ?? 5000)
    : options.dataDir === 'memory://'
      ? await openPglite(undefined, options.pgliteSharedBuffers ?? '16MB')
      : await openPglite(path.join(options.dataDir, 'db'), options.pgliteSharedBuffers ?? '16MB');
  if (options.migrate !== false) {
    try {
      await migrate(storage.db);
    } catch (err) {
      await storage.close();
      throw new StorageError(`database migration failed on ${storage.location}: ${(err as Error).message}`);
    }
  }
  return storage;
}

async function openPglite(dir: string | undefined, sharedBuffers: string): Promise<Storage> {
  const lock: DataDirLock = dir ? lockDataDir(dir) : { release() {} };
  const created = !dir || !fs.existsSync(path.join(dir, 'PG_VERSION'));
  let client: PGlite;
  const open = () =>
    PGlite.create(dir, {
      extensions: { vector },
      relaxedDurability: false,
      postgresqlconf: [`shared_buffers = ${sharedBuffers}`],
    });
  try {
    client = await open();
    await client.exec('create extension if not exists vector');
    if (created && dir) {
      // initdb leaves ~650 MB of WASM heap that an idle server never returns; reopening the
      // new database starts from a normal-sized heap (bench/results: 700 -> 330 MB RSS).
      await client.close();
      client = await open();
    }
  } catch (err) {
    lock.release();
    throw new StorageError(
      `the embedded database in ${dir} could not be opened (${describe(err)}); it may be damaged: move the directory aside and run "lumina restore <backup file>" to restore your last backup`,
    );
  }
  const db = drizzlePglite({ client, schema }) as unknown as Database;
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

function postgresWriterLocks(pool: pg.Pool): WriterLocks & { releaseAll(): void } {
  // One held connection per writer id (tests run several apps on one storage).
  const holders = new Map<string, pg.PoolClient>();
  const acquire = async (writerId: string) => {
    const client = await pool.connect();
    // A broken connection loses the lock: take it again on a fresh one.
    client.on('error', () => {
      if (holders.get(writerId) !== client) return; // released on purpose
      holders.delete(writerId);
      client.release(true);
      setTimeout(() => void acquire(writerId).catch(() => {}), 1000).unref();
    });
    await client.query('select pg_advisory_lock($1, hashtext($2))', [WRITER_LOCK_CLASS, writerId]);
    holders.set(writerId, client);
  };
  return {
    hold: acquire,
    async isHeld(writerId) {
      if (holders.has(writerId)) return true;
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
      const client = holders.get(writerId);
      holders.delete(writerId);
      client?.release(true); // closing the session drops the lock
    },
    releaseAll() {
      for (const client of holders.values()) client.release(true);
      holders.clear();
    },
  };
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
