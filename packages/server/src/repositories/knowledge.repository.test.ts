import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryRows } from '../db/database.js';
import { createAvatarService } from '../services/avatar.service.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import {
  CHUNK_INSERT_BATCH,
  createKnowledgeRepository,
  type KnowledgeRepository,
} from './knowledge.repository.js';
import { createUserRepository } from './user.repository.js';

const file = (name: string, text = name) => ({
  name,
  mediaType: 'text/plain',
  bytes: Buffer.from(text),
  sha256: 'not checked here',
});

/** knowledge_documents, knowledge_chunks and their files, on each storage. */
describeStorage('knowledge repository (%s)', (mode) => {
  let storage: TestStorage;
  let repository: KnowledgeRepository;
  let ada: string;
  let bob: string;
  let avatar: string;

  const newAvatar = async (ownerId: string) =>
    (await createAvatarService({ db: storage.db }).create(ownerId, { name: 'Reader' })).id;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    repository = createKnowledgeRepository(storage.db);
    const users = createUserRepository(storage.db);
    ada = (await users.create({ email: 'ada@example.org', passwordHash: 'x', name: 'Ada' })).id;
    bob = (await users.create({ email: 'bob@example.org', passwordHash: 'x', name: 'Bob' })).id;
    avatar = await newAvatar(ada);
  });
  afterAll(async () => {
    await storage?.close();
  });

  it('adds documents only to the owner’s avatar, queued, with their files', async () => {
    expect(await repository.addDocuments(bob, avatar, [file('b.txt')], 10)).toEqual({
      ok: false,
      reason: 'avatar-not-found',
    });
    const added = await repository.addDocuments(ada, avatar, [file('one.txt'), file('two.txt')], 10);
    if (!added.ok) throw new Error('not added');
    expect(added.documents.map((d) => [d.name, d.status, d.chunkCount, d.embeddedCount, d.ownerId])).toEqual([
      ['one.txt', 'queued', 0, 0, ada],
      ['two.txt', 'queued', 0, 0, ada],
    ]);
    const kinds = await queryRows<{ kind: string; owner_id: string }>(
      storage.db,
      sql`select f.kind, f.owner_id from files f join knowledge_documents d on d.file_id = f.id where d.avatar_id = ${avatar}`,
    );
    expect(kinds).toEqual([
      { kind: 'knowledge', owner_id: ada },
      { kind: 'knowledge', owner_id: ada },
    ]);
    expect(await repository.findOwned(bob, avatar, added.documents[0]!.id)).toBeUndefined();
    expect(await repository.fileOwned(bob, avatar, added.documents[0]!.id)).toBeUndefined();
    expect(await repository.listForAvatar(bob, avatar)).toEqual([]);
  });

  it('never lets uploads at once pass the limit together', async () => {
    const own = await newAvatar(ada);
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        repository.addDocuments(ada, own, [file(`${i}a`), file(`${i}b`)], 5),
      ),
    );
    expect(outcomes.filter((o) => o.ok)).toHaveLength(2);
    expect(outcomes.filter((o) => !o.ok).every((o) => !o.ok && o.reason === 'limit')).toBe(true);
    expect(await repository.listForAvatar(ada, own)).toHaveLength(4);
  });

  it('claims a queued or stranded document, stores chunks in batches, replaces them on a rerun', async () => {
    const added = await repository.addDocuments(ada, avatar, [file('long.txt')], 100);
    if (!added.ok) throw new Error('not added');
    const id = added.documents[0]!.id;
    expect(await repository.startIndexing(bob, id)).toBeUndefined();
    const claimed = await repository.startIndexing(ada, id);
    expect(claimed?.document.status).toBe('indexing');
    expect(claimed?.bytes.toString()).toBe('long.txt');
    // A process that died left it `indexing`: it is taken again.
    expect((await repository.startIndexing(ada, id))?.document.status).toBe('indexing');

    const chunks = Array.from({ length: CHUNK_INSERT_BATCH * 2 + 7 }, (_, ord) => ({
      ord,
      page: 1 + Math.floor(ord / 100),
      content: `chunk ${ord}`,
    }));
    expect(await repository.storeChunks(ada, id, chunks, { pageCount: 5, truncated: true })).toBe(true);
    expect(await repository.findOwned(ada, avatar, id)).toMatchObject({
      status: 'ready',
      chunkCount: chunks.length,
      pageCount: 5,
      truncated: true,
      embeddedCount: 0,
    });
    const stored = await repository.chunksOwned(ada, id);
    expect(stored.map((c) => c.ord)).toEqual(chunks.map((c) => c.ord));
    expect(stored[250]).toMatchObject({ page: 3, content: 'chunk 250', avatarId: avatar });

    // A ready document is not claimed again.
    expect(await repository.startIndexing(ada, id)).toBeUndefined();

    // The embedding progress counts chunks with a vector.
    await storage.db.execute(
      sql`update knowledge_chunks set embedding = '{1,0}'::real[], embedding_model = 'm' where document_id = ${id} and ord < 3`,
    );
    expect((await repository.findOwned(ada, avatar, id))?.embeddedCount).toBe(3);

    // Storing again replaces, never duplicates.
    await storage.db.execute(sql`update knowledge_documents set status = 'queued' where id = ${id}`);
    await repository.startIndexing(ada, id);
    await repository.storeChunks(ada, id, chunks.slice(0, 2), { pageCount: 1, truncated: false });
    expect(await repository.chunksOwned(ada, id)).toHaveLength(2);

    await repository.markFailed(ada, id, { code: 'document_corrupt', message: 'broken' });
    expect(await repository.findOwned(ada, avatar, id)).toMatchObject({
      status: 'failed',
      chunkCount: 0,
      error: { code: 'document_corrupt', message: 'broken' },
    });
    expect(await repository.chunksOwned(ada, id)).toEqual([]);
  });

  it('deletes a document with its chunks and file; purges files an avatar deletion left', async () => {
    const own = await newAvatar(ada);
    const added = await repository.addDocuments(ada, own, [file('gone.txt'), file('orphan.txt')], 100);
    if (!added.ok) throw new Error('not added');
    const [gone, orphan] = added.documents;
    await repository.startIndexing(ada, gone!.id);
    await repository.storeChunks(ada, gone!.id, [{ ord: 0, page: null, content: 'x' }], {
      pageCount: null,
      truncated: false,
    });
    expect(await repository.deleteOwned(bob, own, gone!.id)).toBe(false);
    expect(await repository.deleteOwned(ada, avatar, gone!.id)).toBe(false); // another avatar of hers
    expect(await repository.deleteOwned(ada, own, gone!.id)).toBe(true);
    expect(await repository.chunksOwned(ada, gone!.id)).toEqual([]);
    const files = async () =>
      Number(
        (
          await queryRows<{ n: number }>(
            storage.db,
            sql`select count(*) as n from files where owner_id = ${ada} and kind = 'knowledge'`,
          )
        )[0]!.n,
      );
    const before = await files();
    await storage.db.execute(sql`delete from avatars where id = ${own}`);
    expect(await repository.findOwned(ada, own, orphan!.id)).toBeUndefined();
    expect(await files()).toBe(before); // the cascade took the document, not its file
    expect(await repository.purgeOrphanFiles(bob)).toBe(0);
    expect(await repository.purgeOrphanFiles(ada)).toBe(1);
    expect(await files()).toBe(before - 1);
  });
});
