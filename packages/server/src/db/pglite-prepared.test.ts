import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStorage, type TestStorage } from '../test-support/storage.js';
import { runPrepared } from './pglite-prepared.js';
import { preparedRows } from './prepared-statement.js';

const INSERT = `insert into notes (id, body, tags) select $1::uuid, $2, $3::jsonb returning id, body, tags,
  date_part('epoch', created_at) * 1000, n`;

describe('prepared statements on PGlite', () => {
  let pg: PGlite;
  beforeAll(async () => {
    pg = await PGlite.create();
    await pg.exec(`create table notes (id uuid primary key, body text not null, tags jsonb,
      created_at timestamptz not null default now(), n int not null default 7)`);
  });
  afterAll(() => pg.close());

  it('binds parameters as values (never as SQL) and decodes the rows by type', async () => {
    const id = crypto.randomUUID();
    const hostile = `'); drop table notes; --`;
    const [row] = await runPrepared(pg, 'test_insert', INSERT, [id, hostile, { a: [1, 'b'] }]);
    expect(row).toEqual([id, hostile, { a: [1, 'b'] }, expect.any(Number), 7]);
    // The same name again runs the statement parsed the first time.
    const other = crypto.randomUUID();
    const [again] = await runPrepared(pg, 'test_insert', INSERT, [other, 'plain', null]);
    expect(again?.slice(0, 3)).toEqual([other, 'plain', null]);
    expect((await pg.query('select count(*)::int as n from notes')).rows).toEqual([{ n: 2 }]);
  });

  it('reports a failing run with PostgreSQL’s error, and runs the statement again afterwards', async () => {
    const id = crypto.randomUUID();
    await expect(runPrepared(pg, 'test_insert_twice', INSERT, [id, null, null])).rejects.toMatchObject({
      code: '23502', // not_null_violation: the first run failed after the statement was parsed
    });
    await runPrepared(pg, 'test_insert_twice', INSERT, [id, 'now it fits', null]);
    await expect(runPrepared(pg, 'test_insert_twice', INSERT, [id, 'same id', null])).rejects.toMatchObject({
      code: '23505',
    });
    const [count] = await runPrepared(pg, 'test_count', 'select count(*)::int from notes where id = $1', [
      id,
    ]);
    expect(count).toEqual([1]);
  });

  it('waits for a transaction in progress instead of running inside it', async () => {
    const id = crypto.randomUUID();
    let inside: unknown[][] | undefined;
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const transaction = pg.transaction(async (tx) => {
      await tx.query('insert into notes (id, body) values ($1, $2)', [id, 'in a transaction']);
      await held;
      await tx.rollback();
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const reading = runPrepared(pg, 'test_read', 'select body from notes where id = $1', [id]).then(
      (rows) => {
        inside = rows;
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(inside).toBeUndefined(); // not answered while the transaction holds the database
    release();
    await transaction.catch(() => {});
    await reading;
    expect(inside).toEqual([]); // it ran after the rollback, not inside the transaction
  });
});

describe('prepared statements through the PGlite worker thread (the storage the server opens)', () => {
  let storage: TestStorage;
  beforeAll(async () => {
    storage = await createTestStorage('pglite');
  });
  afterAll(() => storage?.close());

  it('answers array rows, and PostgreSQL errors cross the thread with their code', async () => {
    const rows = await preparedRows(storage.db, 'test_thread_select', 'select $1::int + 1, $2::text', [
      41,
      'x',
    ]);
    expect(rows).toEqual([[42, 'x']]);
    await expect(
      preparedRows(storage.db, 'test_thread_fail', 'select 1 / $1::int', [0]),
    ).rejects.toMatchObject({ code: '22012' }); // division_by_zero
  });
});
