import crypto from 'node:crypto';
import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { queryRows } from '../db/database.js';
import { createSecretRepository } from '../repositories/secret.repository.js';
import { createUserRepository } from '../repositories/user.repository.js';
import { createSecretService } from '../services/secret.service.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import {
  keyFilePath,
  loadMasterKey,
  previousKeysPath,
  readPreviousKeys,
  replaceKeyFile,
  writePreviousKeys,
} from './master-key.js';
import { finishRotation, rotateSecrets } from './rotate-secrets.js';
import { deriveKeyId, keyEntry, SecretBox } from './secret-box.js';

describeStorage('rotateSecrets on %s', (mode) => {
  let storage: TestStorage;
  let dataDir: string;
  let stored: { owner: string | null; id: string; plaintext: string }[];

  beforeEach(async () => {
    storage = await createTestStorage(mode);
    dataDir = storage.dataDir;
    stored = [];
  });
  afterEach(() => storage?.close());

  const serviceFor = (secretKey: Buffer | undefined) =>
    createSecretService({
      repository: createSecretRepository(storage.db),
      box: new SecretBox(loadMasterKey({ secretKey, dataDir }).keyring),
    });

  async function seed(secretKey: Buffer | undefined, count = 4) {
    const user = await createUserRepository(storage.db).create({
      email: `u-${crypto.randomUUID()}@example.org`,
      passwordHash: 'h',
      name: 'U',
    });
    const secrets = serviceFor(secretKey);
    for (let i = 0; i < count; i++) {
      const owner = i % 2 === 0 ? user.id : null;
      const plaintext = `value-${i}-${crypto.randomUUID()}`;
      stored.push({ owner, plaintext, ...(await secrets.store(owner, `p${i}`, plaintext)) });
    }
  }

  /** What a server started now, with this environment, would manage to reveal. */
  async function expectAllReadable(secretKey: Buffer | undefined) {
    const secrets = serviceFor(secretKey);
    for (const { owner, id, plaintext } of stored) expect(await secrets.reveal(owner, id)).toBe(plaintext);
  }

  const keyIdsInDatabase = async () =>
    (await queryRows<{ key_id: string }>(storage.db, sql`select key_id from secrets`)).map((r) => r.key_id);
  const fileKey = () => Buffer.from(fs.readFileSync(keyFilePath(dataDir), 'utf8').trim(), 'hex');

  it('with a key file: re-encrypts everything, installs the new key and keeps the old one as previous', async () => {
    await seed(undefined);
    const oldKey = fileKey();
    const result = await rotateSecrets({ db: storage.db, dataDir, secretKey: undefined });

    const newKey = fileKey();
    expect(result).toMatchObject({
      source: 'file',
      keyId: deriveKeyId(newKey),
      previousKeyId: deriveKeyId(oldKey),
      total: 4,
      reencrypted: 4,
    });
    expect(result.newSecretKey).toBeUndefined();
    expect(result.nextSteps.join(' ')).not.toContain(newKey.toString('hex'));
    if (process.platform !== 'win32') expect(fs.statSync(keyFilePath(dataDir)).mode & 0o777).toBe(0o600);
    expect(readPreviousKeys(dataDir).map((k) => k.toString('hex'))).toEqual([oldKey.toString('hex')]);
    expect(await keyIdsInDatabase()).toEqual(Array(4).fill(deriveKeyId(newKey)));
    await expectAllReadable(undefined);

    const finished = await finishRotation({ db: storage.db, dataDir, secretKey: undefined });
    expect(finished).toMatchObject({ total: 4, reencrypted: 0, retiredKeyIds: [deriveKeyId(oldKey)] });
    expect(fs.existsSync(previousKeysPath(dataDir))).toBe(false);
    await expectAllReadable(undefined);
  });

  it('with LUMINA_SECRET_KEY: returns the new key, and both keys work until the rotation is finished', async () => {
    const envKey = crypto.randomBytes(32);
    await seed(envKey);
    const result = await rotateSecrets({ db: storage.db, dataDir, secretKey: envKey });
    expect(result).toMatchObject({
      source: 'env',
      total: 4,
      reencrypted: 4,
      previousKeyId: deriveKeyId(envKey),
    });
    const newKey = Buffer.from(result.newSecretKey!, 'hex');
    expect(result.keyId).toBe(deriveKeyId(newKey));
    expect(result.nextSteps.join(' ')).not.toContain(result.newSecretKey);
    expect(fs.existsSync(keyFilePath(dataDir))).toBe(false);

    // The operator has not updated the variable yet: the old one still opens everything …
    await expectAllReadable(envKey);
    // … and a secret written meanwhile is sealed with the old key.
    const interim = serviceFor(envKey);
    const late = await interim.store(null, 'late', 'written-before-the-switch');
    stored.push({ owner: null, id: late.id, plaintext: 'written-before-the-switch' });

    await expectAllReadable(newKey);
    const finished = await finishRotation({ db: storage.db, dataDir, secretKey: newKey });
    expect(finished).toMatchObject({ total: 5, reencrypted: 1, keyId: deriveKeyId(newKey) });
    expect(fs.existsSync(previousKeysPath(dataDir))).toBe(false);
    expect(await keyIdsInDatabase()).toEqual(Array(5).fill(deriveKeyId(newKey)));
    const newOnly = createSecretService({
      repository: createSecretRepository(storage.db),
      box: new SecretBox({ current: keyEntry(newKey) }),
    });
    for (const { owner, id, plaintext } of stored) expect(await newOnly.reveal(owner, id)).toBe(plaintext);
  });

  it('leaves the database and the key file alone when a row fails midway', async () => {
    await seed(undefined, 5);
    const oldKey = fileKey();
    await storage.db.execute(
      sql`update secrets set ciphertext = ciphertext || 'AA' where id = ${stored[2]!.id}`,
    );
    const before = await queryRows(storage.db, sql`select * from secrets order by id`);

    await expect(rotateSecrets({ db: storage.db, dataDir, secretKey: undefined })).rejects.toMatchObject({
      code: 'secret_decrypt_failed',
      details: { secretId: stored[2]!.id },
    });
    expect(await queryRows(storage.db, sql`select * from secrets order by id`)).toEqual(before);
    expect(fileKey().equals(oldKey)).toBe(true);
    stored.splice(2, 1);
    await expectAllReadable(undefined);
  });

  // A crash between any two steps of rotateSecrets leaves one of these states on disk; each must
  // still open every row. The steps are replayed with the same functions rotateSecrets uses.
  it('keeps every secret readable whichever step a crash interrupts', async () => {
    await seed(undefined);
    const oldKey = fileKey();
    const newKey = crypto.randomBytes(32);

    writePreviousKeys(dataDir, [newKey]); // step 1: new key durable, database untouched
    await expectAllReadable(undefined);

    await serviceFor(undefined).rotate({ newKey }); // step 2: committed, key files not yet updated
    expect(fileKey().equals(oldKey)).toBe(true);
    await expectAllReadable(undefined);

    writePreviousKeys(dataDir, [newKey, oldKey]); // step 3
    await expectAllReadable(undefined);

    replaceKeyFile(dataDir, newKey); // step 4: new key installed, previous list not yet tidied
    await expectAllReadable(undefined);

    // A later rotation from this state works and needs nothing from the interrupted one.
    const again = await rotateSecrets({ db: storage.db, dataDir, secretKey: undefined });
    expect(again).toMatchObject({ previousKeyId: deriveKeyId(newKey), reencrypted: 4 });
    await expectAllReadable(undefined);
  });

  it('takes a given key and refuses to rotate to the key already in use', async () => {
    const envKey = crypto.randomBytes(32);
    await seed(envKey, 1);
    await expect(
      rotateSecrets({ db: storage.db, dataDir, secretKey: envKey, newKey: envKey }),
    ).rejects.toThrow(/the new key is the current key/);
    const chosen = crypto.randomBytes(32);
    const result = await rotateSecrets({ db: storage.db, dataDir, secretKey: envKey, newKey: chosen });
    expect(result.newSecretKey).toBe(chosen.toString('hex'));
  });
});
