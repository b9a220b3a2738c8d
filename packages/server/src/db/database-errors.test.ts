import net from 'node:net';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { replyFailure } from '../services/turns/reply-failure.js';
import { createTestStorage, type TestStorage } from '../test-support/storage.js';
import { isDatabaseUnavailable } from './database-errors.js';

/** The error a real query raises, as Drizzle hands it over. */
const failureOf = (query: Promise<unknown>) =>
  query.then(
    () => {
      throw new Error('the query should have failed');
    },
    (err: unknown) => err,
  );

describe('telling a database that is away from a query it refused', () => {
  let storage: TestStorage;
  beforeAll(async () => {
    storage = await createTestStorage('pglite');
  });
  afterAll(async () => {
    await storage?.close();
  });

  it('knows a refused connection and a server that hangs up, behind Drizzle', async () => {
    // A port that answers nothing: the connection is refused.
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = new pg.Pool({ connectionString: `postgres://x@127.0.0.1:${port}/x` });
    const refusedError = await failureOf(drizzle({ client: refused }).execute(sql`select 1`));
    await refused.end();
    expect(isDatabaseUnavailable(refusedError)).toBe(true);

    // A server that accepts and then hangs up, as a stopping PostgreSQL does.
    const hangsUp = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => hangsUp.listen(0, '127.0.0.1', resolve));
    const pool = new pg.Pool({
      connectionString: `postgres://x@127.0.0.1:${(hangsUp.address() as net.AddressInfo).port}/x`,
    });
    const hungUp = await failureOf(drizzle({ client: pool }).execute(sql`select 1`));
    await pool.end();
    await new Promise((resolve) => hangsUp.close(resolve));
    expect(isDatabaseUnavailable(hungUp)).toBe(true);
    expect(replyFailure(hungUp).code).toBe('database_unavailable');
  });

  it('does not take a refused query for an outage, and never passes its text on', async () => {
    const refused = await failureOf(storage.db.execute(sql`select secret_column from no_such_table`));
    expect(isDatabaseUnavailable(refused)).toBe(false);
    const failure = replyFailure(refused);
    expect(failure.code).toBe('internal_error');
    expect(failure.message).not.toMatch(/select|secret_column|no_such_table/i);
    // Our own errors keep their code and words.
    expect(replyFailure(new AppError(403, 'local_only', 'Only local models here'))).toEqual({
      code: 'local_only',
      message: 'Only local models here',
    });
  });
});
