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
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StorageOptions {
  databaseUrl?: string | undefined;
  /** A directory, or `memory://` for a throw-away in-memory database. */
  dataDir: string;
  poolMax?: number;
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
    ? await openPostgres(options.databaseUrl, options.poolMax ?? 10)
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

async function openPostgres(url: string, max: number): Promise<Storage> {
  const location = redactUrl(url);
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5000 });
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
  return {
    kind: 'postgres',
    db,
    location,
    hasVector,
    created: false,
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => pool.end(),
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
