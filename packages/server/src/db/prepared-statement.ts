import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { Database } from './database.js';
import { runPrepared } from './pglite-prepared.js';
import { PgliteThreadClient } from './pglite-thread-client.js';

/**
 * Runs fixed SQL that every turn runs as a named statement, prepared once per connection (or per
 * PGlite instance) instead of parsed and planned on each call, and answers its rows as arrays.
 * node-postgres prepares named statements itself; PGlite, on its thread or in process, through
 * pglite-prepared.ts. One name must always carry the same text. Repositories keep the SQL.
 * @example const rows = await preparedRows(db, 'lumina_tree_by_conversation', TREE_SQL, [id, userId]);
 */
export async function preparedRows(
  db: Database,
  name: string,
  text: string,
  values: unknown[],
): Promise<unknown[][]> {
  const client = (db as unknown as { $client: unknown }).$client;
  if (client instanceof pg.Pool) {
    const result = await client.query<unknown[]>({ name, text, values, rowMode: 'array' });
    return result.rows;
  }
  if (client instanceof PgliteThreadClient) return client.prepared(name, text, values);
  return runPrepared(client as PGlite, name, text, values);
}
