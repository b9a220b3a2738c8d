import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { createFileRepository } from './file.repository.js';
import { createUserRepository } from './user.repository.js';

describeStorage('file repository on %s', (mode) => {
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

  const picture = (ownerId: string, bytes: Buffer) => ({
    ownerId,
    kind: 'avatar-image',
    mimeType: 'image/webp',
    bytes,
    sizeBytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    width: 512,
    height: 512,
  });

  it('keeps the bytes exactly and reads them back only for the owner', async () => {
    const files = createFileRepository(storage.db);
    const bytes = Buffer.from([0, 1, 2, 255, 254, 0, 10, 13]);
    const { id } = await files.create(picture(alice, bytes));

    const read = await files.findForOwner(alice, id);
    expect(read).toMatchObject({ ownerId: alice, mimeType: 'image/webp', sizeBytes: 8, width: 512 });
    expect(Buffer.compare(read!.bytes, bytes)).toBe(0);
    expect(await files.findForOwner(bob, id)).toBeUndefined();
  });

  it('deletes only the owner’s file', async () => {
    const files = createFileRepository(storage.db);
    const { id } = await files.create(picture(alice, Buffer.from('picture')));

    expect(await files.deleteForOwner(bob, id)).toBe(false);
    expect(await files.findForOwner(alice, id)).toBeDefined();
    expect(await files.deleteForOwner(alice, id)).toBe(true);
    expect(await files.findForOwner(alice, id)).toBeUndefined();
    expect(await files.deleteForOwner(alice, id)).toBe(false);
  });
});
