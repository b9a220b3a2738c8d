import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { Database } from '../db/database.js';

/** Rows as pg-boss's own `db` interface declares them (its callers read them as their row type). */
// biome-ignore lint/suspicious/noExplicitAny: the shape pg-boss's IDatabase declares, which we implement
type PgBossRows = any[];

/** What pg-boss sends its SQL through (its `db` option). */
export interface SqlExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: PgBossRows }>;
}

/**
 * pg-boss's maintenance and schema commands are one string `BEGIN; …; COMMIT;` (they take an
 * advisory transaction lock). Sent as one simple query, a failure in the middle leaves the
 * session inside an aborted transaction: on PGlite (one session for the whole server) every later
 * query would fail, on a pool the connection would go back poisoned. Such strings run on one
 * session and are rolled back when they fail.
 */
const TRANSACTION_SCRIPT = /^\s*BEGIN\s*;/i;

/**
 * Runs pg-boss on the server's own database handle, so jobs live next to the data: on PostgreSQL
 * through the same pool (LUMINA_DATABASE_POOL_MAX sizes both), on PGlite through the one
 * in-process instance (a second instance on the same directory would corrupt it).
 */
export function executorFor(db: Database): SqlExecutor {
  const client = (db as unknown as { $client?: unknown }).$client;
  if (client instanceof pg.Pool) return poolExecutor(client);
  if (client && typeof (client as PGlite).transaction === 'function') return pgliteExecutor(client as PGlite);
  throw new Error('the database handle has no pg Pool or PGlite client');
}

function poolExecutor(pool: pg.Pool): SqlExecutor {
  return {
    async executeSql(text, values) {
      if (!TRANSACTION_SCRIPT.test(text)) return pool.query(text, values as unknown[]);
      const session = await pool.connect();
      try {
        return await session.query(text);
      } catch (err) {
        await session.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        session.release();
      }
    },
  };
}

function pgliteExecutor(client: PGlite): SqlExecutor {
  return {
    async executeSql(text, values) {
      if (!TRANSACTION_SCRIPT.test(text)) {
        const result = await client.query(text, values as unknown[]);
        return { rows: result.rows as PgBossRows };
      }
      // Inside PGlite's transaction() the script's own BEGIN and COMMIT are harmless warnings,
      // other queries wait on its lock meanwhile, and a failure is rolled back before they run.
      const results = await client.transaction((tx) => tx.exec(text));
      return { rows: (results.at(-1)?.rows ?? []) as PgBossRows };
    },
  };
}
