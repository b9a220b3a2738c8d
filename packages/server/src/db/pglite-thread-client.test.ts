import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { messages, PGlite, type QueryOptions, types } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { drizzle } from 'drizzle-orm/pglite';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { loadConfig } from '../config.js';
import { isDatabaseUnavailable } from './database-errors.js';
import { PgliteThreadClient } from './pglite-thread-client.js';
import { openPgliteInstance, type PgliteInstanceOptions } from './pglite-worker.js';
import { openStorage } from './storage.js';

/** A copy of the migrated test template (initdb costs seconds). */
function templateCopy(): PgliteInstanceOptions & { root: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-pglite-thread-'));
  const dataDir = path.join(root, 'db');
  fs.cpSync(inject('pgliteTemplateDir'), dataDir, { recursive: true });
  return { root, dataDir, sharedBuffers: '16MB', reopenAfterInitdb: false };
}

/** The rejection of `work`, which must fail. */
async function failureOf(work: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  return work.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: Error & Record<string, unknown>) => err,
  );
}

/** Drizzle's identity parsers for the types it maps itself (drizzle-orm/pglite/session.js). */
const DRIZZLE_PARSERS: QueryOptions['parsers'] = {
  [types.TIMESTAMP]: (value) => value,
  [types.TIMESTAMPTZ]: (value) => value,
  [types.INTERVAL]: (value) => value,
  [types.DATE]: (value) => value,
  1231: (value) => value,
  1115: (value) => value,
  1185: (value) => value,
  1187: (value) => value,
  1182: (value) => value,
};

const PROBE_TABLE = `create table type_probe (
  id int primary key, t text, i int, big bigint, yes boolean, n numeric, f float8,
  at timestamptz, day date, u uuid, j jsonb, js json, words text[], counts int[], bytes bytea,
  v vector(3), span interval, amounts numeric[], times timestamptz[]
)`;

const PROBE_INSERT = `insert into type_probe values
  ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) returning *`;

/** One row's parameters, of every type the schema uses (and a few more). */
const probeParams = (id: number) => [
  id,
  "it's ünïcode ✓",
  -42,
  9_007_199_254_740_993n,
  true,
  '12345678901234567890.123456789',
  1.5e-7,
  new Date('2026-12-06T10:11:12.345Z'),
  '2026-02-28',
  '0193d0c2-6a7e-7c3e-9d1f-3a2b1c0d9e8f',
  JSON.stringify({ nested: { list: [1, 'two', null], flag: false } }),
  { plain: 'object', n: 1 },
  ['a', 'b "quoted"', 'c,d', null],
  [1, 2, 3],
  Buffer.from([0, 1, 2, 254, 255]),
  '[0.5,-1,2]',
  '1 day 02:03:04',
  ['1.10', '2.20'],
  [new Date('2026-01-01T00:00:00Z'), new Date('2026-06-30T12:00:00Z')],
];

describe('PGlite in a worker thread, against PGlite in-process', () => {
  let mainDir: ReturnType<typeof templateCopy>;
  let threadDir: ReturnType<typeof templateCopy>;
  let inProcess: PGlite;
  let thread: PgliteThreadClient;

  beforeAll(async () => {
    mainDir = templateCopy();
    threadDir = templateCopy();
    [inProcess, thread] = await Promise.all([
      openPgliteInstance(mainDir),
      PgliteThreadClient.open(threadDir),
    ]);
    for (const client of [inProcess, thread]) {
      await client.exec(PROBE_TABLE);
      await client.exec('create table notes (id int primary key, body text not null)');
    }
  });
  afterAll(async () => {
    await inProcess?.close();
    if (thread && !thread.closed) await thread.close();
    for (const dir of [mainDir, threadDir]) if (dir) fs.rmSync(dir.root, { recursive: true, force: true });
  });

  /** The same call on both; the thread's answer must equal PGlite's own. */
  async function both<T>(call: (client: PGlite | PgliteThreadClient) => Promise<T>): Promise<T> {
    const [expected, actual] = [await call(inProcess), await call(thread)];
    expect(actual).toEqual(expected);
    return actual;
  }

  it('answers parameters of every type with the same rows, fields and counts', async () => {
    const inserted = await both((c) => c.query(PROBE_INSERT, probeParams(1)));
    expect(inserted.affectedRows).toBe(1);
    expect(inserted.fields.map((f) => f.name)).toContain('bytes');
    const [row] = inserted.rows as Record<string, unknown>[];
    // Structured clone keeps what PGlite decoded.
    expect(row!.at).toBeInstanceOf(Date);
    expect((row!.times as unknown[])[1]).toBeInstanceOf(Date);
    expect(row!.bytes).toBeInstanceOf(Uint8Array);
    expect([...(row!.bytes as Uint8Array)]).toEqual([0, 1, 2, 254, 255]);
    expect(row!.big).toBe(9_007_199_254_740_993n);
    expect(row!.js).toEqual({ plain: 'object', n: 1 });

    await both((c) => c.query('select * from type_probe where id = $1', [1]));
    const arrays = await both((c) => c.query('select * from type_probe', [], { rowMode: 'array' }));
    expect(Array.isArray(arrays.rows[0])).toBe(true);
    const raw = await both((c) =>
      c.query('select at, day, span, amounts, times from type_probe', [], { parsers: DRIZZLE_PARSERS }),
    );
    expect(raw.rows[0]).toEqual({
      at: '2026-12-06 10:11:12.345+00',
      day: '2026-02-28',
      span: '1 day 02:03:04',
      amounts: '{1.10,2.20}',
      times: '{"2026-01-01 00:00:00+00","2026-06-30 12:00:00+00"}',
    });
    await both((c) => c.query('select $1::vector <-> $2::vector as distance', ['[0,0,0]', '[3,4,0]']));
    await both((c) => c.sql`select ${'x'}::text as a, ${7}::int as b`);
  });

  it('runs scripts with one result per statement', async () => {
    const results = await both((c) =>
      c.exec(`insert into notes values (100, 'one'), (101, 'two');
        update notes set body = body || '!' where id >= 100;
        select id, body from notes where id >= 100 order by id;`),
    );
    expect(results).toHaveLength(3);
    expect(results[1]!.affectedRows).toBe(4); // PGlite counts the whole script's rows so far
    expect(results[2]!.rows).toEqual([
      { id: 100, body: 'one!' },
      { id: 101, body: 'two!' },
    ]);
  });

  it('serves Drizzle: its prepared queries, raw SQL and nested transactions', async () => {
    const notes = pgTable('notes', { id: integer('id').primaryKey(), body: text('body').notNull() });
    const results = [];
    for (const client of [inProcess, thread]) {
      const db = drizzle({ client: client as PGlite });
      await db.insert(notes).values({ id: 200, body: 'kept' });
      await db.transaction(async (tx) => {
        await tx.insert(notes).values({ id: 201, body: 'outer' });
        await tx
          .transaction(async (inner) => {
            await inner.insert(notes).values({ id: 202, body: 'savepoint' });
            throw new Error('undo the savepoint only');
          })
          .catch(() => {});
      });
      const rows = await db.select().from(notes).where(sql`${notes.id} >= 200`).orderBy(notes.id);
      const raw = await db.execute(sql`select now() - now() as zero, ${new Date(0)}::timestamptz as epoch`);
      results.push({ rows, raw: raw.rows });
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[1]!.rows).toEqual([
      { id: 200, body: 'kept' },
      { id: 201, body: 'outer' },
    ]);
  });

  it('refuses options that cannot cross threads, saying why', async () => {
    const parse = await failureOf(
      thread.query('select 1', [], { parsers: { [types.INT4]: (v) => Number(v) * 2 } }),
    );
    expect(parse).toBeInstanceOf(TypeError);
    expect(parse.message).toMatch(/parser for type 23 cannot run in the PGlite worker thread/);
    const serializers = await failureOf(thread.query('select $1', [1], { serializers: { 23: String } }));
    expect(serializers.message).toMatch(/"serializers" cannot cross to the PGlite worker thread/);
    const notice = await failureOf(thread.exec('select 1', { onNotice: () => {} }));
    expect(notice.message).toMatch(/"onNotice"/);
    const param = await failureOf(thread.query('select $1::text', [() => 'x']));
    expect(param).toBeInstanceOf(TypeError);
    expect(param.message).toMatch(/cannot be sent to the PGlite worker thread/);
    // Nothing is left half-done: the client still answers.
    expect((await thread.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('raises PostgreSQL errors with their class, code and fields, and the query attached', async () => {
    await both((c) => c.query('insert into notes values (1, $1)', ['first']));
    const duplicate = () => (c: PGlite | PgliteThreadClient) =>
      failureOf(c.query('insert into notes values (1, $1)', ['again']));
    const [expected, actual] = [await duplicate()(inProcess), await duplicate()(thread)];
    expect(actual).toBeInstanceOf(messages.DatabaseError);
    expect(actual.code).toBe('23505');
    expect(actual.constraint).toBe('notes_pkey');
    expect(actual.detail).toBe('Key (id)=(1) already exists.');
    expect(actual.query).toBe('insert into notes values (1, $1)');
    expect(actual.params).toEqual(['again']);
    const fields = (e: Record<string, unknown>) => {
      const { stack: _stack, ...rest } = Object.fromEntries(Object.entries(e));
      return { ...rest, message: e.message, name: e.name };
    };
    expect(fields(actual)).toEqual(fields(expected));

    const syntax = await failureOf(thread.exec('selec 1'));
    expect(syntax).toBeInstanceOf(messages.DatabaseError);
    expect(syntax.code).toBe('42601');
    expect(syntax.severity).toBe('ERROR');
    expect(syntax.position).toBe('1');
    expect(syntax.message).toBe('syntax error at or near "selec"');
    expect(isDatabaseUnavailable(syntax)).toBe(false);

    // Through Drizzle, which wraps the driver's error as its cause.
    const wrapped = await failureOf(
      drizzle({ client: thread as unknown as PGlite }).execute(sql`select * from nowhere`),
    );
    expect((wrapped.cause as Record<string, unknown>).code).toBe('42P01');
  });

  it('commits a transaction, handing back the callback value as it is', async () => {
    const marker = () => 'not cloneable';
    const value = await thread.transaction(async (tx) => {
      await tx.query('insert into notes values (10, $1)', ['committed']);
      const seen = await tx.query<{ body: string }>('select body from notes where id = 10');
      expect(seen.rows).toEqual([{ body: 'committed' }]);
      expect(tx.closed).toBe(false);
      return { marker };
    });
    expect(value.marker).toBe(marker);
    expect((await thread.query('select body from notes where id = 10')).rows).toEqual([
      { body: 'committed' },
    ]);
  });

  it('rolls a transaction back when its callback throws, and throws that error', async () => {
    const thrown = new Error('changed my mind');
    let inside: { closed: boolean } | undefined;
    const err = await failureOf(
      thread.transaction(async (tx) => {
        inside = tx;
        await tx.exec("insert into notes values (11, 'rolled back')");
        throw thrown;
      }),
    );
    expect(err).toBe(thrown);
    expect(inside!.closed).toBe(true);
    expect((await thread.query('select * from notes where id = 11')).rows).toEqual([]);
  });

  it('rolls back on tx.rollback(), after which the transaction refuses statements', async () => {
    await thread.transaction(async (tx) => {
      await tx.query("insert into notes values (12, 'rolled back')");
      await tx.rollback();
      expect(tx.closed).toBe(true);
      const late = await failureOf(tx.query('select 1'));
      expect(late.message).toBe('Transaction is closed');
    });
    expect((await thread.query('select * from notes where id = 12')).rows).toEqual([]);
    // A statement that fails inside the transaction: the throw rolls back, PGlite's error arrives.
    const failed = await failureOf(
      thread.transaction(async (tx) => {
        await tx.query("insert into notes values (13, 'gone')");
        await tx.query("insert into notes values (13, 'duplicate')");
      }),
    );
    expect(failed.code).toBe('23505');
    expect((await thread.query('select * from notes where id = 13')).rows).toEqual([]);
  });

  it('makes statements from outside wait for an open transaction, as PGlite does', async () => {
    const order: string[] = [];
    let outside: Promise<unknown> | undefined;
    await thread.transaction(async (tx) => {
      await tx.query("insert into notes values (20, 'in the transaction')");
      outside = thread
        .query<{ n: number }>('select count(*)::int as n from notes where id = 20')
        .then((r) => {
          order.push(`outside saw ${r.rows[0]!.n}`);
        });
      // Each round trip below is sent after the outside statement: were it not waiting for the
      // transaction's lock, the worker would have answered it before them.
      for (let i = 0; i < 3; i++) await tx.query('select 1');
      order.push('transaction done');
    });
    await outside;
    expect(order).toEqual(['transaction done', 'outside saw 1']);
  });
});

describe('a PGlite worker thread that dies or is closed', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });
  const open = async () => {
    const options = templateCopy();
    dirs.push(options.root);
    return { client: await PgliteThreadClient.open(options), options };
  };

  it('fails every pending call clearly when the worker dies mid-query, and closes the client', async () => {
    const { client } = await open();
    let blocked: Promise<unknown> | undefined;
    let long: Promise<unknown> | undefined;
    const transaction = client.transaction(async (tx) => {
      blocked = client.query('select 1'); // waits for the transaction's lock, in the worker
      await tx.query('select 1'); // sent after it: the worker has the blocked one by now
      long = tx.query('select count(*) from generate_series(1, 300000000)');
      await long;
    });
    while (!long) await new Promise((resolve) => setImmediate(resolve));
    await client.worker.terminate();
    for (const pending of [blocked!, long, transaction]) {
      const err = await failureOf(pending);
      expect(err.message).toMatch(/^the PGlite worker thread stopped before answering \(exit code 1\)/);
      expect(err.code).toBe('08006');
      expect(isDatabaseUnavailable(err)).toBe(true);
    }
    expect(client.closed).toBe(true);
    const later = await failureOf(client.query('select 1'));
    expect(later.message).toBe('PGlite is closed');
    expect(isDatabaseUnavailable(later)).toBe(true);
  });

  it('closes after the statements already sent, keeps the data, and refuses calls afterwards', async () => {
    const { client, options } = await open();
    const exited = new Promise<number>((resolve) => client.worker.once('exit', resolve));
    await client.exec('create table kept (v text)');
    const write = client.query("insert into kept values ('sent before close')");
    await client.close();
    await write;
    expect(client.closed).toBe(true);
    await exited;
    expect((await failureOf(client.query('select 1'))).message).toBe('PGlite is closed');
    expect((await failureOf(client.close())).message).toBe('PGlite is closed');

    const again = await PgliteThreadClient.open(options);
    try {
      expect((await again.query('select v from kept')).rows).toEqual([{ v: 'sent before close' }]);
    } finally {
      await again.close();
    }
  });

  it('is what openStorage opens unless told to keep PGlite on the main thread', async () => {
    const worker = templateCopy();
    const main = templateCopy();
    dirs.push(worker.root, main.root);
    vi.stubEnv('LUMINA_PGLITE_THREAD', undefined);
    const inWorker = await openStorage({ dataDir: worker.root });
    const onMain = await openStorage({ dataDir: main.root, pgliteThread: 'main' });
    vi.unstubAllEnvs();
    try {
      const clientOf = (s: typeof inWorker) => (s.db as unknown as { $client: unknown }).$client;
      expect(clientOf(inWorker)).toBeInstanceOf(PgliteThreadClient);
      expect(clientOf(onMain)).toBeInstanceOf(PGlite);
      await inWorker.ping();
      await onMain.ping();
    } finally {
      await inWorker.close();
      await onMain.close();
    }
    // The server's switch: LUMINA_PGLITE_THREAD, checked at start-up.
    expect(loadConfig({}).pgliteThread).toBe('worker');
    expect(loadConfig({ LUMINA_PGLITE_THREAD: 'main' }).pgliteThread).toBe('main');
    expect(() => loadConfig({ LUMINA_PGLITE_THREAD: 'mian' })).toThrow(
      /LUMINA_PGLITE_THREAD must be worker or main/,
    );
  });
});
