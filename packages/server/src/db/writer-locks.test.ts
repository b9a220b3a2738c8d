import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseLink } from '../test-support/database-link.js';
import { waitUntil } from '../test-support/sse.js';
import { createPostgresDatabase } from '../test-support/storage.js';
import { openStorage, type Storage } from './storage.js';

/**
 * The PostgreSQL writer lock after its connection drops (issue 10 point 5): the app reaches the
 * database through a link the test cuts and restores; the test watches from its own connection.
 */
describe.skipIf(!process.env.TEST_DATABASE_URL)('writer lock after a database outage on postgres', () => {
  const writerId = 'writer-under-test';
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let link: DatabaseLink;
  let storage: Storage;
  let watcher: pg.Client;
  let dataDir: string;

  beforeAll(async () => {
    database = await createPostgresDatabase();
    const target = new URL(database.url);
    link = new DatabaseLink({ host: target.hostname, port: Number(target.port || 5432) });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-locks-'));
    storage = await openStorage({ dataDir, databaseUrl: await link.listen(database.url) });
    watcher = new pg.Client({ connectionString: database.url });
    await watcher.connect();
  });

  afterAll(async () => {
    await storage?.close();
    await watcher?.end();
    await link?.close();
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** Sessions holding this writer's advisory lock (two int4 keys: classid, objid, objsubid 2). */
  async function holders(): Promise<number> {
    const { rows } = await watcher.query<{ n: number }>(
      `select count(*)::int as n from pg_locks
        where locktype = 'advisory' and granted and objsubid = 2
          and database = (select oid from pg_database where datname = current_database())
          and objid::bigint = (hashtext($1)::bigint + 4294967296) % 4294967296`,
      [writerId],
    );
    return rows[0]!.n;
  }

  /** Sessions of this database waiting for a lock (a blocking pg_advisory_lock would show here). */
  async function lockWaiters(): Promise<number> {
    const { rows } = await watcher.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'`,
    );
    return rows[0]!.n;
  }

  it('takes the lock again by itself once the database is back, and callers share one attempt', async () => {
    await storage.writerLocks.hold(writerId);
    expect(await holders()).toBe(1);

    link.cut();
    await waitUntil(async () => (await holders()) === 0);
    // Several retries fail while it is down (the old code tried once, a second later, then gave up).
    await waitUntil(async () => link.refused >= 3, 20_000);
    link.restore();
    await waitUntil(async () => (await holders()) === 1, 20_000);
    expect(await lockWaiters()).toBe(0);

    // Lost again; when it is back, the recovery sweep's re-take and the retry run together.
    link.cut();
    await waitUntil(async () => (await holders()) === 0);
    link.restore();
    // The recovery sweep's re-take and the background retry at the same moment.
    const callers = [storage.writerLocks.hold(writerId), storage.writerLocks.hold(writerId)];
    await waitUntil(async () => (await holders()) === 1, 20_000);
    await Promise.allSettled(callers);
    await storage.writerLocks.hold(writerId); // held: resolves without another session
    expect(await holders()).toBe(1);
    expect(await lockWaiters()).toBe(0);
    // Every pooled connection is free again: a query goes through while the lock stays held.
    await storage.ping();
    expect(await holders()).toBe(1);
  });
});
