import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrate } from '../db/migrate.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { createSessionRepository } from './session.repository.js';
import { createSettingsRepository } from './settings.repository.js';
import { createUsageRepository } from './usage.repository.js';
import { createUserRepository } from './user.repository.js';

describeStorage('repositories on %s', (mode) => {
  let storage: TestStorage;
  beforeAll(async () => {
    storage = await createTestStorage(mode);
  });
  afterAll(() => storage?.close());

  const newUser = (email: string) => ({ email, passwordHash: 'argon2-hash', name: 'Ada' });

  it('answers the price table as a promise of rows, which a cache can hold (not a query that runs again on each await)', async () => {
    const usage = createUsageRepository(storage.db);
    await usage.replacePrices([{ pattern: 'bench/*', inputUsdPerMillion: 1, outputUsdPerMillion: 2 }]);
    const cached = usage.listPrices();
    expect(cached).toBeInstanceOf(Promise);
    const first = await cached;
    await usage.replacePrices([]);
    // Awaiting the held promise again gives what it read, not a fresh read of the emptied table.
    expect(await cached).toBe(first);
    expect(first.map((p) => p.pattern)).toEqual(['bench/*']);
    expect(await usage.listPrices()).toEqual([]);

    // The cache every model call reads: one read while fresh, a new one after this process edits.
    const held = usage.cachedPrices(60_000);
    expect(usage.cachedPrices(60_000)).toBe(held);
    expect(await held).toEqual([]);
    await usage.replacePrices([{ pattern: 'openai/*', inputUsdPerMillion: 3, outputUsdPerMillion: 4 }]);
    expect((await usage.cachedPrices(60_000)).map((p) => p.pattern)).toEqual(['openai/*']);
  });

  it('re-running migrations applies nothing', async () => {
    const result = await migrate(storage.db);
    expect(result.applied).toEqual([]);
    expect(result.latest).toMatch(/^\d{4}$/);
  });

  it('creates users with UUIDv7 ids and finds them by email in any case', async () => {
    const users = createUserRepository(storage.db);
    const ada = await users.create(newUser('Ada@Example.org'));
    expect(ada.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    expect(ada.role).toBe('user');
    expect(ada.createdAt).toBeInstanceOf(Date);
    expect((await users.findByEmail('ada@example.ORG'))?.id).toBe(ada.id);
    expect(await users.findByEmail('nobody@example.org')).toBeUndefined();
  });

  it('refuses a second account whose email differs only in case', async () => {
    const users = createUserRepository(storage.db);
    await expect(users.create(newUser('ADA@example.org'))).rejects.toMatchObject({
      status: 409,
      code: 'email_taken',
    });
  });

  it('refuses an unknown role at the database level', async () => {
    const users = createUserRepository(storage.db);
    await expect(users.create({ ...newUser('role@example.org'), role: 'root' as 'user' })).rejects.toThrow();
  });

  it('updates a user and bumps updatedAt', async () => {
    const users = createUserRepository(storage.db);
    const user = await users.create(newUser('grace@example.org'));
    const updated = await users.update(user.id, { preferredName: 'Grace', role: 'admin' });
    expect(updated).toMatchObject({ preferredName: 'Grace', role: 'admin' });
    expect(updated!.updatedAt.getTime()).toBeGreaterThanOrEqual(user.updatedAt.getTime());
    expect(await users.count()).toBeGreaterThanOrEqual(2);
  });

  it('finds live sessions only, scopes revocation to the owner, and cascades on user delete', async () => {
    const users = createUserRepository(storage.db);
    const sessions = createSessionRepository(storage.db);
    const owner = await users.create(newUser('owner@example.org'));
    const other = await users.create(newUser('other@example.org'));
    const future = new Date(Date.now() + 3600_000);
    const a = await sessions.create({ userId: owner.id, tokenHash: 'hash-a', expiresAt: future });
    const b = await sessions.create({ userId: owner.id, tokenHash: 'hash-b', expiresAt: future });
    await sessions.create({
      userId: owner.id,
      tokenHash: 'hash-expired',
      expiresAt: new Date(Date.now() - 1000),
    });

    expect((await sessions.findActiveByTokenHash('hash-a'))?.id).toBe(a.id);
    expect(await sessions.findActiveByTokenHash('hash-expired')).toBeUndefined();
    expect((await sessions.listActiveForUser(owner.id)).map((s) => s.id).sort()).toEqual([a.id, b.id].sort());

    expect(await sessions.revoke(other.id, a.id)).toBe(false); // not theirs
    expect(await sessions.findActiveByTokenHash('hash-a')).toBeDefined();
    expect(await sessions.revoke(owner.id, a.id)).toBe(true);
    expect(await sessions.findActiveByTokenHash('hash-a')).toBeUndefined();

    const c = await sessions.create({ userId: owner.id, tokenHash: 'hash-c', expiresAt: future });
    expect(await sessions.revokeAllForUser(owner.id, c.id)).toBe(1); // b, not c
    expect((await sessions.listActiveForUser(owner.id)).map((s) => s.id)).toEqual([c.id]);
    expect(await sessions.purgeEnded(new Date(Date.now() + 1000))).toBe(3);
  });

  it('stores per-user and system settings as JSON documents', async () => {
    const users = createUserRepository(storage.db);
    const settings = createSettingsRepository(storage.db);
    const user = await users.create(newUser('settings@example.org'));
    expect(await settings.getForUser(user.id)).toEqual({});
    await settings.putForUser(user.id, { privacyMode: 'local_only', nested: { a: [1, 2] } });
    await settings.putForUser(user.id, { privacyMode: 'cloud_allowed' });
    expect(await settings.getForUser(user.id)).toEqual({ privacyMode: 'cloud_allowed' });
    expect(await settings.getSystem('signup')).toBeUndefined();
    await settings.putSystem('signup', { open: false });
    expect(await settings.getSystem('signup')).toEqual({ open: false });
  });
});
