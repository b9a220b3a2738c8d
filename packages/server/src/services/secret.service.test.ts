import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { queryRows } from '../db/database.js';
import { createSecretRepository, type SecretRepository } from '../repositories/secret.repository.js';
import { createUserRepository } from '../repositories/user.repository.js';
import { deriveKeyId, keyEntry, SecretBox } from '../security/secret-box.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { createSecretService, secretAad } from './secret.service.js';

interface RawSecret {
  id: string;
  owner_id: string | null;
  purpose: string;
  ciphertext: string;
  key_id: string;
}

const rawRows = (storage: TestStorage) =>
  queryRows<RawSecret>(storage.db, sql`select * from secrets order by id`);

async function makeUsers(storage: TestStorage, ...names: string[]): Promise<string[]> {
  const people = createUserRepository(storage.db);
  const ids = [];
  for (const name of names) {
    ids.push(
      (await people.create({ email: `${name}-${crypto.randomUUID()}@example.org`, passwordHash: 'h', name }))
        .id,
    );
  }
  return ids;
}

describeStorage('secret service on %s', (mode) => {
  let storage: TestStorage;
  let alice: string;
  let bob: string;
  const key = crypto.randomBytes(32);
  const service = () =>
    createSecretService({
      repository: createSecretRepository(storage.db),
      box: new SecretBox({ current: keyEntry(key) }),
    });

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    [alice, bob] = await makeUsers(storage, 'alice', 'bob');
  });
  afterAll(() => storage?.close());

  it("stores and reveals a secret for its owner only: anyone else's is a 404", async () => {
    const secrets = service();
    const { id } = await secrets.store(alice!, 'provider:openai', 'sk-alice-123');
    expect(await secrets.reveal(alice!, id)).toBe('sk-alice-123');
    await expect(secrets.reveal(bob!, id)).rejects.toMatchObject({ status: 404, code: 'secret_not_found' });
    await expect(secrets.reveal(null, id)).rejects.toMatchObject({ status: 404, code: 'secret_not_found' });
    await expect(secrets.replace(bob!, id, 'stolen')).rejects.toMatchObject({ code: 'secret_not_found' });
    await expect(secrets.remove(bob!, id)).rejects.toMatchObject({ code: 'secret_not_found' });
    await expect(secrets.reveal(alice!, 'nope')).rejects.toMatchObject({ code: 'secret_not_found' });
    expect(await secrets.reveal(alice!, id)).toBe('sk-alice-123');
  });

  it('keeps system secrets (owner null) apart from user secrets', async () => {
    const secrets = service();
    const { id } = await secrets.store(null, 'smtp:password', 'smtp-pass-456');
    expect(await secrets.reveal(null, id)).toBe('smtp-pass-456');
    await expect(secrets.reveal(alice!, id)).rejects.toMatchObject({ code: 'secret_not_found' });
    expect((await secrets.list(null)).map((s) => s.purpose)).toContain('smtp:password');
  });

  it('replaces, lists without values, and removes', async () => {
    const secrets = service();
    const { id } = await secrets.store(bob!, 'provider:groq', 'gsk-old');
    await secrets.replace(bob!, id, 'gsk-new');
    expect(await secrets.reveal(bob!, id)).toBe('gsk-new');
    const listed = await secrets.list(bob!);
    expect(listed).toEqual([
      expect.objectContaining({ id, purpose: 'provider:groq', keyId: deriveKeyId(key) }),
    ]);
    expect(JSON.stringify(listed)).not.toContain('gsk');
    await secrets.remove(bob!, id);
    await expect(secrets.reveal(bob!, id)).rejects.toMatchObject({ code: 'secret_not_found' });
  });

  it('never writes a plaintext to the database', async () => {
    const secrets = service();
    const plaintexts = ['sk-proj-PLAINTEXT-canary-1', 'clé-🔑-canary-2'];
    for (const text of plaintexts) await secrets.store(alice!, 'canary', text);
    const dump = JSON.stringify(await rawRows(storage));
    expect(dump).toContain('v1.');
    for (const text of plaintexts) {
      expect(dump).not.toContain(text);
      expect(dump).not.toContain(Buffer.from(text).toString('base64url'));
      expect(dump).not.toContain(Buffer.from(text).toString('hex'));
    }
    expect(dump).not.toContain(key.toString('hex'));
  });

  it("refuses a ciphertext copied into another user's row", async () => {
    const secrets = service();
    const repository = createSecretRepository(storage.db);
    const original = await secrets.store(alice!, 'provider:openai', 'sk-alice-copy');
    const victim = await secrets.store(bob!, 'provider:openai', 'sk-bob');
    const row = await repository.findForOwner(alice!, original.id);
    await repository.updateForOwner(bob!, victim.id, { ciphertext: row!.ciphertext, keyId: row!.keyId });
    await expect(secrets.reveal(bob!, victim.id)).rejects.toMatchObject({
      status: 500,
      code: 'secret_decrypt_failed',
      details: { reason: 'authentication_failed', secretId: victim.id },
    });
  });
});

describeStorage('secret rotation on %s', (mode) => {
  let storage: TestStorage;
  let owners: (string | null)[];
  const oldKey = crypto.randomBytes(32);
  const newKey = crypto.randomBytes(32);
  const oldBox = new SecretBox({ current: keyEntry(oldKey) });

  beforeEach(async () => {
    storage = await createTestStorage(mode);
    owners = [...(await makeUsers(storage, 'ann', 'ben')), null];
  });
  afterEach(() => storage?.close());

  /** Stores `count` secrets spread over the owners; returns [owner, id, plaintext] triples. */
  async function seed(count: number) {
    const secrets = createSecretService({ repository: createSecretRepository(storage.db), box: oldBox });
    const stored: { owner: string | null; id: string; plaintext: string }[] = [];
    for (let i = 0; i < count; i++) {
      const owner = owners[i % owners.length]!;
      const plaintext = `secret-${i}-${crypto.randomUUID()}`;
      stored.push({ owner, plaintext, ...(await secrets.store(owner, `purpose-${i}`, plaintext)) });
    }
    return stored;
  }

  it('re-encrypts every row with the new key: readable with the keyring, not with either key alone', async () => {
    const stored = await seed(7);
    const before = await rawRows(storage);
    const repository = createSecretRepository(storage.db);
    const secrets = createSecretService({ repository, box: oldBox });
    const progress: number[] = [];

    const result = await secrets.rotate({ newKey, onProgress: (n) => progress.push(n) });
    expect(result).toEqual({ total: 7, reencrypted: 7, keyId: deriveKeyId(newKey) });
    expect(progress.at(-1)).toBe(7);
    expect(secrets.currentKeyId()).toBe(deriveKeyId(newKey));

    const after = await rawRows(storage);
    expect(after.map((row) => row.key_id)).toEqual(Array(7).fill(deriveKeyId(newKey)));
    for (const row of after) expect(SecretBox.keyIdOf(row.ciphertext)).toBe(deriveKeyId(newKey));

    const newOnly = new SecretBox({ current: keyEntry(newKey) });
    const ring = new SecretBox({ current: keyEntry(newKey), previous: [keyEntry(oldKey)] });
    for (const [index, row] of before.entries()) {
      const aad = secretAad({ id: row.id, ownerId: row.owner_id, purpose: row.purpose });
      const { plaintext } = stored.find((s) => s.id === row.id)!;
      expect(() => newOnly.decrypt(row.ciphertext, aad)).toThrow(/not in the keyring/);
      expect(ring.decrypt(row.ciphertext, aad)).toBe(plaintext);
      expect(newOnly.decrypt(after[index]!.ciphertext, aad)).toBe(plaintext);
      expect(() => oldBox.decrypt(after[index]!.ciphertext, aad)).toThrow(/not in the keyring/);
    }
    for (const { owner, id, plaintext } of stored) expect(await secrets.reveal(owner, id)).toBe(plaintext);

    // Rotating to the key already in use only picks up stragglers; here there are none.
    expect(await secrets.rotate({ newKey })).toEqual({
      total: 7,
      reencrypted: 0,
      keyId: deriveKeyId(newKey),
    });
  });

  it('changes nothing when one row in the middle cannot be decrypted', async () => {
    const stored = await seed(6);
    const broken = stored[3]!;
    const original = (await rawRows(storage)).find((row) => row.id === broken.id)!;
    const [v, id, iv, data] = original.ciphertext.split('.') as [string, string, string, string];
    const flipped = Buffer.from(data, 'base64url');
    flipped[0]! ^= 0xff;
    await storage.db.execute(
      sql`update secrets set ciphertext = ${[v, id, iv, flipped.toString('base64url')].join('.')} where id = ${broken.id}`,
    );
    const before = await rawRows(storage);

    const secrets = createSecretService({ repository: createSecretRepository(storage.db), box: oldBox });
    await expect(secrets.rotate({ newKey })).rejects.toMatchObject({
      code: 'secret_decrypt_failed',
      details: { secretId: broken.id, reason: 'authentication_failed' },
    });
    expect(await rawRows(storage)).toEqual(before);
    expect(secrets.currentKeyId()).toBe(deriveKeyId(oldKey));
    expect(await secrets.reveal(stored[0]!.owner, stored[0]!.id)).toBe(stored[0]!.plaintext);
  });

  it('rolls back rows already re-encrypted when a later write fails', async () => {
    await seed(5);
    const before = await rawRows(storage);
    const real = createSecretRepository(storage.db);
    let writes = 0;
    // The database refusing the third write, as a full disk or a dropped connection would.
    const failing: SecretRepository = {
      ...real,
      transaction: (work) =>
        real.transaction((tx) =>
          work({
            ...tx,
            reencrypt: async (rowId, value) => {
              if (++writes === 3) throw new Error('disk full');
              await tx.reencrypt(rowId, value);
            },
          }),
        ),
    };
    const secrets = createSecretService({ repository: failing, box: oldBox });
    await expect(secrets.rotate({ newKey })).rejects.toThrow('disk full');
    expect(writes).toBe(3);
    expect(await rawRows(storage)).toEqual(before);
  });

  it('stops and changes nothing when aborted', async () => {
    await seed(3);
    const before = await rawRows(storage);
    const secrets = createSecretService({ repository: createSecretRepository(storage.db), box: oldBox });
    await expect(secrets.rotate({ newKey, signal: AbortSignal.abort() })).rejects.toThrow();
    expect(await rawRows(storage)).toEqual(before);
  });

  it('re-encrypts only stragglers when rotating to the current key, and reports unknown key ids', async () => {
    await seed(2);
    const mixed = createSecretService({
      repository: createSecretRepository(storage.db),
      box: oldBox.withCurrentKey(newKey),
    });
    await mixed.store(owners[0]!, 'written-after', 'new-key-value');
    expect(await mixed.rotate({ newKey })).toEqual({ total: 3, reencrypted: 2, keyId: deriveKeyId(newKey) });

    const lost = createSecretService({
      repository: createSecretRepository(storage.db),
      box: new SecretBox({ current: keyEntry(crypto.randomBytes(32)) }),
    });
    expect(await lost.unknownKeyIds()).toEqual([{ keyId: deriveKeyId(newKey), count: 3 }]);
    expect(await mixed.unknownKeyIds()).toEqual([]);
  });
});
