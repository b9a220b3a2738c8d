import { eq } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { users } from '../db/schema/index.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { createSecretRepository, type NewSecret } from './secret.repository.js';
import { createUserRepository } from './user.repository.js';

describeStorage('secret repository on %s', (mode) => {
  let storage: TestStorage;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    storage = await createTestStorage(mode);
    const people = createUserRepository(storage.db);
    alice = (await people.create({ email: 'alice@example.org', passwordHash: 'h', name: 'Alice' })).id;
    bob = (await people.create({ email: 'bob@example.org', passwordHash: 'h', name: 'Bob' })).id;
  });
  afterAll(() => storage?.close());

  const secret = (ownerId: string | null, purpose = 'provider:openai'): NewSecret => ({
    id: uuidv7(),
    ownerId,
    purpose,
    ciphertext: `v1.k1.iv.${purpose}`,
    keyId: 'k1',
  });

  it('scopes reads, updates and deletes to the owner; null is the system scope', async () => {
    const repository = createSecretRepository(storage.db);
    const mine = await repository.create(secret(alice));
    const system = await repository.create(secret(null, 'smtp'));

    expect((await repository.findForOwner(alice, mine.id))?.ciphertext).toBe(mine.ciphertext);
    expect(await repository.findForOwner(bob, mine.id)).toBeUndefined();
    expect(await repository.findForOwner(null, mine.id)).toBeUndefined();
    expect((await repository.findForOwner(null, system.id))?.purpose).toBe('smtp');
    expect(await repository.findForOwner(alice, system.id)).toBeUndefined();
    expect(await repository.findForOwner(alice, 'not-a-uuid')).toBeUndefined();

    expect(await repository.updateForOwner(bob, mine.id, { ciphertext: 'x', keyId: 'k2' })).toBeUndefined();
    expect(await repository.deleteForOwner(bob, mine.id)).toBe(false);
    expect(await repository.deleteForOwner(null, mine.id)).toBe(false);
    const updated = await repository.updateForOwner(alice, mine.id, {
      ciphertext: 'v1.k2.iv.new',
      keyId: 'k2',
    });
    expect(updated).toMatchObject({ ciphertext: 'v1.k2.iv.new', keyId: 'k2', purpose: 'provider:openai' });

    const listed = await repository.listForOwner(alice);
    expect(listed.map((row) => row.id)).toEqual([mine.id]);
    expect(listed[0]).not.toHaveProperty('ciphertext');
    expect((await repository.listForOwner(null)).map((row) => row.id)).toContain(system.id);
    expect(await repository.listForOwner(bob)).toEqual([]);

    expect(await repository.deleteForOwner(alice, mine.id)).toBe(true);
    expect(await repository.findForOwner(alice, mine.id)).toBeUndefined();
  });

  it('pages through every owner in id order and re-encrypts without bumping updatedAt', async () => {
    const repository = createSecretRepository(storage.db);
    const created = [];
    for (const owner of [alice, bob, null, alice, bob]) created.push(await repository.create(secret(owner)));
    const seen: string[] = [];
    let afterId: string | undefined;
    for (;;) {
      const rows = await repository.listBatch({ afterId, limit: 2 });
      if (rows.length === 0) break;
      seen.push(...rows.map((row) => row.id));
      afterId = rows.at(-1)!.id;
    }
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(expect.arrayContaining(created.map((row) => row.id)));

    const target = created[1]!;
    await repository.reencrypt(target.id, { ciphertext: 'v1.k9.iv.rotated', keyId: 'k9' });
    const after = await repository.findForOwner(bob, target.id);
    expect(after).toMatchObject({ ciphertext: 'v1.k9.iv.rotated', keyId: 'k9' });
    expect(after!.updatedAt.getTime()).toBe(target.updatedAt.getTime());
    expect(await repository.countByKeyId()).toEqual(
      expect.arrayContaining([{ keyId: 'k9', count: 1 }, expect.objectContaining({ keyId: 'k1' })]),
    );
  });

  it('rolls back everything done through a transaction that throws, and locks rows inside one', async () => {
    const repository = createSecretRepository(storage.db);
    const row = await repository.create(secret(alice, 'rollback'));
    await expect(
      repository.transaction(async (tx) => {
        const locked = await tx.listBatch({ limit: 1000, lock: true });
        expect(locked.map((r) => r.id)).toContain(row.id);
        await tx.reencrypt(row.id, { ciphertext: 'changed', keyId: 'k2' });
        await tx.create(secret(alice, 'created-in-tx'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await repository.findForOwner(alice, row.id))?.ciphertext).toBe(row.ciphertext);
    expect((await repository.listForOwner(alice)).map((r) => r.purpose)).not.toContain('created-in-tx');
  });

  it("deletes a user's secrets with the user", async () => {
    const repository = createSecretRepository(storage.db);
    const people = createUserRepository(storage.db);
    const carol = await people.create({ email: 'carol@example.org', passwordHash: 'h', name: 'Carol' });
    const row = await repository.create(secret(carol.id));
    await storage.db.delete(users).where(eq(users.id, carol.id));
    expect(await repository.findForOwner(carol.id, row.id)).toBeUndefined();
  });
});
