import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { queryRows } from './database.js';
import { needsAnalyze, startTableMaintenance } from './table-maintenance.js';

describe('needsAnalyze', () => {
  it('analyzes a table with data that was never analyzed, and one that grew or shrank by a fifth', () => {
    expect(needsAnalyze({ relpages: 0, reltuples: -1, pages: 0 })).toBe(false);
    expect(needsAnalyze({ relpages: 0, reltuples: -1, pages: 1 })).toBe(true);
    expect(needsAnalyze({ relpages: 100, reltuples: 5000, pages: 120 })).toBe(false);
    expect(needsAnalyze({ relpages: 100, reltuples: 5000, pages: 129 })).toBe(true);
    expect(needsAnalyze({ relpages: 100, reltuples: 5000, pages: 71 })).toBe(true);
    // A small table is left alone for a few pages of change.
    expect(needsAnalyze({ relpages: 1, reltuples: 10, pages: 9 })).toBe(false);
  });
});

describeStorage('table maintenance on %s', (mode) => {
  let storage: TestStorage;
  beforeAll(async () => {
    storage = await createTestStorage(mode);
  });
  afterAll(() => storage.close());

  const stats = async (table: string) =>
    (
      await queryRows<{ reltuples: number; relpages: number }>(
        storage.db,
        sql`select reltuples::float8 as reltuples, relpages::int as relpages from pg_class where relname = ${table}`,
      )
    )[0]!;

  it('gives the planner statistics of the tables that filled up, once, and leaves the others alone', async () => {
    await storage.db.execute(sql`create table maintenance_probe (id int primary key, body text not null)`);
    await storage.db.execute(
      sql`insert into maintenance_probe select g, repeat('x', 200) from generate_series(1, 3000) g`,
    );
    const maintenance = startTableMaintenance({ db: storage.db, kind: mode, intervalMs: 3_600_000 });
    try {
      const first = await maintenance.runOnce();
      const probe = first.find((done) => done.table === 'maintenance_probe');
      expect(probe).toMatchObject({ vacuumed: mode === 'pglite' });
      expect((await stats('maintenance_probe')).reltuples).toBe(3000);
      // Nothing changed since: nothing to do (the statistics of the other tables are fresh too).
      expect(await maintenance.runOnce()).toEqual([]);
      // Replies streaming: PGlite analyzes but does not vacuum (vacuum holds its only connection).
      await storage.db.execute(
        sql`insert into maintenance_probe select g, repeat('y', 200) from generate_series(3001, 6000) g`,
      );
      const busy = startTableMaintenance({
        db: storage.db,
        kind: mode,
        intervalMs: 3_600_000,
        busy: () => true,
      });
      try {
        expect(await busy.runOnce()).toEqual([
          expect.objectContaining({ table: 'maintenance_probe', vacuumed: false }),
        ]);
      } finally {
        busy.stop();
      }
      expect((await stats('maintenance_probe')).reltuples).toBeGreaterThan(5000);
    } finally {
      maintenance.stop();
      await storage.db.execute(sql`drop table maintenance_probe`);
    }
  });

  it.runIf(mode === 'postgres')(
    'on PostgreSQL, skips the round while another instance holds it',
    async () => {
      await storage.db.execute(sql`create table maintenance_lock_probe (id int primary key)`);
      await storage.db.execute(
        sql`insert into maintenance_lock_probe select g from generate_series(1, 5000) g`,
      );
      const other = new pg.Client({ connectionString: storage.databaseUrl });
      await other.connect();
      const maintenance = startTableMaintenance({ db: storage.db, kind: mode, intervalMs: 3_600_000 });
      try {
        await other.query('select pg_advisory_lock(7301948)');
        expect(await maintenance.runOnce()).toEqual([]);
        expect((await stats('maintenance_lock_probe')).reltuples).toBe(-1);
        await other.query('select pg_advisory_unlock(7301948)');
        expect((await maintenance.runOnce()).map((done) => done.table)).toContain('maintenance_lock_probe');
        expect((await stats('maintenance_lock_probe')).reltuples).toBe(5000);
      } finally {
        maintenance.stop();
        await other.end();
        await storage.db.execute(sql`drop table maintenance_lock_probe`);
      }
    },
  );
});
