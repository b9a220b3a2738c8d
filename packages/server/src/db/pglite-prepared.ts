import { type PGlite, protocol, types } from '@electric-sql/pglite';

/**
 * Named prepared statements on PGlite, which has none of its own: `query()` parses and plans its
 * text on every call and makes five calls into the WebAssembly for one statement (parse, describe,
 * bind, describe, execute). A turn's statements run on every turn, so each is parsed once per
 * PGlite instance under its name and then run with one call: bind + describe + execute + sync
 * (measured on a turn's insert: 0.99 → 0.44 ms). Parameters are bound as text, exactly as `query()`
 * binds them, never written into the SQL. Runs under the same two locks as PGlite's `query()`, so
 * it waits for another caller's transaction instead of landing inside it.
 */

const { serialize } = protocol;
/** The statement names parsed in each instance (an instance reopened starts with none). */
const parsedIn = new WeakMap<PGlite, Set<string>>();

/** A parameter as PostgreSQL's text format reads it (what PGlite's `query()` sends too). */
function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function joined(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Runs `text` as the prepared statement `name` (parsed in this instance on first use) and answers
 * its rows as arrays of decoded values. One name must always carry the same text.
 * @example await runPrepared(pg, 'lumina_append', 'insert … returning id', [conversationId, json]);
 */
export async function runPrepared(
  pg: PGlite,
  name: string,
  text: string,
  params: unknown[],
): Promise<unknown[][]> {
  await pg._checkReady();
  // The locks PGlite's own query() takes: `runExclusive` alone does not wait for an open
  // transaction (a statement sent then would run inside it — the test shows it).
  return pg._runExclusiveTransaction(() => pg._runExclusiveQuery(() => runNow(pg, name, text, params)));
}

async function runNow(pg: PGlite, name: string, text: string, params: unknown[]): Promise<unknown[][]> {
  let parsed = parsedIn.get(pg);
  if (!parsed) {
    parsed = new Set();
    parsedIn.set(pg, parsed);
  }
  if (!parsed.has(name)) {
    // On its own, so a statement whose first run fails is still known as parsed.
    await pg.execProtocol(joined([serialize.parse({ name, text, types: [] }), serialize.sync()]));
    parsed.add(name);
  }
  const { messages } = await pg.execProtocol(
    joined([
      serialize.bind({ statement: name, values: params.map(textOf) }),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      serialize.sync(),
    ]),
  );
  let fields: { dataTypeID: number }[] = [];
  const rows: unknown[][] = [];
  for (const message of messages) {
    if (message.name === 'rowDescription') fields = (message as unknown as { fields: typeof fields }).fields;
    else if (message.name === 'dataRow') {
      const values = (message as unknown as { fields: (string | null)[] }).fields;
      rows.push(values.map((value, i) => types.parseType(value, fields[i]!.dataTypeID)));
    }
  }
  return rows;
}
