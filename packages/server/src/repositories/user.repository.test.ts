import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryRows } from '../db/database.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { createUserRepository } from './user.repository.js';

describeStorage('user repository sign-up lock on %s', (mode) => {
  let storage: TestStorage;
  beforeAll(async () => {
    storage = await createTestStorage(mode);
  });
  afterAll(() => storage?.close());

  const waitersOnAdvisoryLock = async () =>
    (
      await queryRows<{ n: number }>(
        storage.db,
        sql`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted
            and objid = 7301947 and database = (select oid from pg_database where datname = current_database())`,
      )
    )[0]!.n;

  it('makes a second sign-up wait for the first, so only one account finds the instance empty', async () => {
    const users = createUserRepository(storage.db);
    const seen: number[] = [];
    const signup = (email: string, whileHeld?: () => Promise<void>) =>
      users.serialisedSignup(async (tx) => {
        const count = await tx.users.count();
        seen.push(count);
        await whileHeld?.();
        return tx.users.create({
          email,
          passwordHash: 'h',
          name: email,
          role: count === 0 ? 'admin' : 'user',
        });
      });

    let second: Promise<unknown> | undefined;
    const first = signup('first@example.org', async () => {
      second = signup('second@example.org');
      // PostgreSQL: hold the lock until the second sign-up is seen waiting for it. PGlite has one
      // connection, so the second cannot even start before the first commits.
      if (mode === 'postgres') {
        while ((await waitersOnAdvisoryLock()) === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    });
    await first;
    await second;

    expect(seen).toEqual([0, 1]);
    const roles = (await users.list()).map((u) => [u.email, u.role]);
    expect(roles).toEqual([
      ['first@example.org', 'admin'],
      ['second@example.org', 'user'],
    ]);
  });

  it('rolls the whole sign-up back when its work throws', async () => {
    const users = createUserRepository(storage.db);
    const before = await users.count();
    await expect(
      users.serialisedSignup(async (tx) => {
        await tx.users.create({ email: 'gone@example.org', passwordHash: 'h', name: 'Gone' });
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await users.count()).toBe(before);
    expect(await users.findByEmail('GONE@example.org')).toBeUndefined();
  });
});
