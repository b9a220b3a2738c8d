import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryRows } from '../db/database.js';
import { NEUTRAL_STYLE } from '../domain/avatar.js';
import { newId } from '../ids.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { createAvatarRepository } from './avatar.repository.js';
import { createMemoryRepository, type MemoryRepository, type NewMemory } from './memory.repository.js';
import { createUserRepository } from './user.repository.js';

describeStorage('memory repository on %s', (mode) => {
  let storage: TestStorage;
  let memoryRepo: MemoryRepository;
  let alice: string;
  let bob: string;
  let nova: string;
  let orion: string;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    memoryRepo = createMemoryRepository(storage.db);
    const people = createUserRepository(storage.db);
    alice = (await people.create({ email: 'alice@example.org', passwordHash: 'h', name: 'Alice' })).id;
    bob = (await people.create({ email: 'bob@example.org', passwordHash: 'h', name: 'Bob' })).id;
    const avatars = createAvatarRepository(storage.db);
    const base = {
      ownerId: alice,
      style: NEUTRAL_STYLE,
      voice: { engine: null, voice: null, rate: 1, pitch: 1 },
      memory: { enabled: true, scope: 'private' as const },
    };
    nova = (await avatars.create({ ...base, name: 'Nova' })).id;
    orion = (await avatars.create({ ...base, name: 'Orion' })).id;
  });
  afterAll(() => storage?.close());

  const memory = (ownerId: string, content: string, extra: Partial<NewMemory> = {}): NewMemory => ({
    ownerId,
    avatarId: null,
    kind: 'fact',
    content,
    importance: 0.5,
    confidence: 0.9,
    origin: 'extracted',
    sourceMessageIds: [],
    sourceConversationId: null,
    pinned: false,
    ...extra,
  });

  it('stores a memory and gives it back only to its owner', async () => {
    const sources = [newId(), newId()];
    const item = await memoryRepo.insert(
      memory(alice, 'Alice has a cat named Miso', {
        avatarId: nova,
        sourceMessageIds: sources,
        pinned: true,
      }),
    );
    expect(item).toMatchObject({
      ownerId: alice,
      avatarId: nova,
      kind: 'fact',
      content: 'Alice has a cat named Miso',
      importance: 0.5,
      origin: 'extracted',
      sourceMessageIds: sources,
      validTo: null,
      supersededBy: null,
      pinned: true,
      embeddingModel: null,
      lastRecalledAt: null,
    });
    expect(item.validFrom).toBeInstanceOf(Date);
    expect(await memoryRepo.get(alice, item.id)).toEqual(item);
    expect(await memoryRepo.get(bob, item.id)).toBeUndefined();
    expect(await memoryRepo.get(alice, 'not-a-uuid')).toBeUndefined();
    expect(await memoryRepo.update(bob, item.id, { content: 'taken over' })).toBeUndefined();
    expect(await memoryRepo.remove(bob, item.id)).toBe(false);
    expect(await memoryRepo.invalidate(bob, item.id)).toBeUndefined();
    expect(await memoryRepo.history(bob, item.id)).toEqual([]);
    expect(await memoryRepo.supersede(bob, item.id, memory(bob, 'x'))).toBeUndefined();
    expect((await memoryRepo.get(alice, item.id))?.content).toBe('Alice has a cat named Miso');
  });

  it('lists by avatar, scope, kind, pin and text, newest first, page by page', async () => {
    const owner = (
      await createUserRepository(storage.db).create({ email: 'l@example.org', passwordHash: 'h', name: 'L' })
    ).id;
    const avatars = createAvatarRepository(storage.db);
    const own = (
      await avatars.create({
        ownerId: owner,
        name: 'Own',
        style: NEUTRAL_STYLE,
        voice: { engine: null, voice: null, rate: 1, pitch: 1 },
        memory: { enabled: true, scope: 'shared' },
      })
    ).id;
    const shared = await memoryRepo.insert(memory(owner, 'Prefers tea over coffee', { kind: 'preference' }));
    const mine = await memoryRepo.insert(memory(owner, 'Lives in Lyon', { avatarId: own }));
    const pinned = await memoryRepo.insert(memory(owner, 'Is called Sam', { kind: 'profile', pinned: true }));
    const ids = (items: { id: string }[]) => items.map((i) => i.id);

    expect(ids(await memoryRepo.list(owner))).toEqual([pinned.id, mine.id, shared.id]);
    expect(ids(await memoryRepo.list(owner, { avatarId: null }))).toEqual([pinned.id, shared.id]);
    expect(ids(await memoryRepo.list(owner, { avatarId: own }))).toEqual([mine.id]);
    expect(ids(await memoryRepo.list(owner, { scope: { avatarId: own, shared: false } }))).toEqual([mine.id]);
    expect(ids(await memoryRepo.list(owner, { scope: { avatarId: own, shared: true } }))).toEqual([
      pinned.id,
      mine.id,
      shared.id,
    ]);
    expect(ids(await memoryRepo.list(owner, { kind: 'preference' }))).toEqual([shared.id]);
    expect(ids(await memoryRepo.list(owner, { pinned: true }))).toEqual([pinned.id]);
    expect(ids(await memoryRepo.list(owner, { pinned: false }))).toEqual([mine.id, shared.id]);
    // Whole words through full text, partial words through the substring match, any case.
    expect(ids(await memoryRepo.list(owner, { q: 'coffee tea' }))).toEqual([shared.id]);
    expect(ids(await memoryRepo.list(owner, { q: 'LYO' }))).toEqual([mine.id]);
    expect(ids(await memoryRepo.list(owner, { q: '"called sam"' }))).toEqual([pinned.id]);
    expect(ids(await memoryRepo.list(owner, { q: 'yon' }))).toEqual([mine.id]);
    expect(ids(await memoryRepo.list(owner, { q: 'prefers te' }))).toEqual([shared.id]);
    expect(await memoryRepo.list(owner, { q: '100%_' })).toEqual([]);
    expect(await memoryRepo.list(owner, { avatarId: 'nope' })).toEqual([]);
    expect(await memoryRepo.list(owner, { q: 'tea -coffee' })).toEqual([]);

    const first = await memoryRepo.list(owner, { limit: 2 });
    expect(ids(first)).toEqual([pinned.id, mine.id]);
    expect(ids(await memoryRepo.list(owner, { limit: 2, before: mine.id }))).toEqual([shared.id]);
    expect(await memoryRepo.list(owner, { before: 'nope' })).toEqual([]);
    expect(await memoryRepo.list(bob, { q: 'tea' })).toEqual([]);
    expect(await memoryRepo.count(owner)).toBe(3);
  });

  it('matches a substring only when the words find nothing', async () => {
    const cat = await memoryRepo.insert(memory(bob, 'Zorblax the cat sleeps all day'));
    const plant = await memoryRepo.insert(memory(bob, 'Has a zorblaxian plant'));
    const ids = async (q: string) => (await memoryRepo.list(bob, { q })).map((i) => i.id);
    // A finished word (trailing space) is matched whole: the plant is not "zorblax".
    expect(await ids('zorblax ')).toEqual([cat.id]);
    // The word being typed is also a prefix.
    expect(await ids('zorblax')).toEqual([plant.id, cat.id]);
    // No word starts with "orblax": then the substring matches, anywhere in a word.
    expect(await ids('orblax')).toEqual([plant.id, cat.id]);
    expect(await ids('ORBLAXIAN')).toEqual([plant.id]);
  });

  it('supersedes in one step and keeps the chain as history', async () => {
    const v1 = await memoryRepo.insert(memory(alice, 'Works at Acme', { avatarId: orion }));
    const v2 = await memoryRepo.supersede(
      alice,
      v1.id,
      memory(alice, 'Works at Globex', { avatarId: orion }),
    );
    expect(v2).toMatchObject({ content: 'Works at Globex', validTo: null, supersededBy: null });
    const old = await memoryRepo.get(alice, v1.id);
    expect(old?.supersededBy).toBe(v2!.id);
    expect(old?.validTo).toBeInstanceOf(Date);
    // The old one ended when the new one began.
    expect(old!.validTo!.getTime()).toBe(v2!.validFrom.getTime());

    // An ended memory cannot be superseded again (nothing is stored).
    const before = await memoryRepo.count(alice);
    expect(await memoryRepo.supersede(alice, v1.id, memory(alice, 'Works at Initech'))).toBeUndefined();
    expect(await memoryRepo.count(alice)).toBe(before);

    const v3 = await memoryRepo.supersede(
      alice,
      v2!.id,
      memory(alice, 'Works at Initech', { avatarId: orion, sourceMessageIds: [newId()] }),
    );
    const chain = [v1.id, v2!.id, v3!.id];
    for (const id of chain) expect((await memoryRepo.history(alice, id)).map((i) => i.id)).toEqual(chain);

    const listed = await memoryRepo.list(alice, { avatarId: orion });
    expect(listed.map((i) => i.id)).toEqual([v3!.id]);
    const all = await memoryRepo.list(alice, { avatarId: orion, includeHistory: true });
    expect(all.map((i) => i.id)).toEqual([v3!.id, v2!.id, v1.id]);
  });

  it('lets only one of two concurrent supersessions of the same memory happen', async () => {
    const v1 = await memoryRepo.insert(memory(alice, 'Drives a red car'));
    const results = await Promise.all([
      memoryRepo.supersede(alice, v1.id, memory(alice, 'Drives a blue car')),
      memoryRepo.supersede(alice, v1.id, memory(alice, 'Drives a green car')),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const history = await memoryRepo.history(alice, v1.id);
    expect(history).toHaveLength(2);
  });

  it('invalidates into history, and deletes for good', async () => {
    const item = await memoryRepo.insert(memory(alice, 'Is learning Japanese'));
    const ended = await memoryRepo.invalidate(alice, item.id);
    expect(ended?.validTo).toBeInstanceOf(Date);
    expect(await memoryRepo.invalidate(alice, item.id)).toBeUndefined();
    expect((await memoryRepo.list(alice, { q: 'Japanese' })).length).toBe(0);
    expect((await memoryRepo.list(alice, { q: 'Japanese', includeHistory: true })).length).toBe(1);

    expect(await memoryRepo.remove(alice, item.id)).toBe(true);
    expect(await memoryRepo.get(alice, item.id)).toBeUndefined();
    const left = await queryRows<{ n: number }>(
      storage.db,
      sql`select count(*)::int as n from memories where to_tsvector('simple', content) @@ to_tsquery('simple', 'japanese')`,
    );
    expect(left[0]!.n).toBe(0);
  });

  it('edits, and a content change drops the vector so it is embedded again', async () => {
    const item = await memoryRepo.insert(memory(alice, 'Likes jazz'));
    expect(await memoryRepo.setEmbedding(alice, item.id, 'ollama/nomic', [0.6, 0.8])).toBe(true);
    expect((await memoryRepo.get(alice, item.id))?.embeddingModel).toBe('ollama/nomic');
    expect((await memoryRepo.withoutEmbedding(alice, 'ollama/nomic', 100)).map((i) => i.id)).not.toContain(
      item.id,
    );
    expect((await memoryRepo.withoutEmbedding(alice, 'openai/small', 100)).map((i) => i.id)).toContain(
      item.id,
    );

    const pinned = await memoryRepo.update(alice, item.id, {
      pinned: true,
      importance: 0.9,
      kind: 'preference',
    });
    expect(pinned).toMatchObject({
      pinned: true,
      importance: 0.9,
      kind: 'preference',
      embeddingModel: 'ollama/nomic',
    });

    const edited = await memoryRepo.update(alice, item.id, { content: 'Likes bebop jazz', avatarId: nova });
    expect(edited).toMatchObject({ content: 'Likes bebop jazz', avatarId: nova, embeddingModel: null });
    const [stored] = await queryRows<{ embedding: unknown }>(
      storage.db,
      sql`select embedding from memories where id = ${item.id}`,
    );
    expect(stored!.embedding).toBeNull();
    expect((await memoryRepo.withoutEmbedding(alice, 'ollama/nomic', 100)).map((i) => i.id)).toContain(
      item.id,
    );

    // A vector computed for text that has changed since is not stored.
    expect(await memoryRepo.setEmbedding(alice, item.id, 'ollama/nomic', [1, 0], 'Likes jazz')).toBe(false);
    expect(await memoryRepo.setEmbedding(alice, item.id, 'ollama/nomic', [1, 0], 'Likes bebop jazz')).toBe(
      true,
    );
    expect(await memoryRepo.setEmbedding(bob, item.id, 'ollama/nomic', [1, 0])).toBe(false);
  });

  it('marks recalled memories in one go, only the owner’s', async () => {
    const a = await memoryRepo.insert(memory(alice, 'Has two sisters'));
    const b = await memoryRepo.insert(memory(alice, 'Was born in March'));
    const other = await memoryRepo.insert(memory(bob, 'Plays chess'));
    await memoryRepo.markRecalled(alice, [a.id, b.id, other.id, 'junk']);
    expect((await memoryRepo.get(alice, a.id))?.lastRecalledAt).toBeInstanceOf(Date);
    expect((await memoryRepo.get(alice, b.id))?.lastRecalledAt).toBeInstanceOf(Date);
    expect((await memoryRepo.get(alice, a.id))?.updatedAt).toEqual(a.updatedAt);
    expect((await memoryRepo.get(bob, other.id))?.lastRecalledAt).toBeNull();
  });

  it('forgets one avatar’s memories, or all of them, and says how many', async () => {
    const owner = (
      await createUserRepository(storage.db).create({ email: 'f@example.org', passwordHash: 'h', name: 'F' })
    ).id;
    await memoryRepo.insert(memory(owner, 'Shared one'));
    await memoryRepo.insert(memory(owner, 'Nova one', { avatarId: nova }));
    await memoryRepo.insert(memory(owner, 'Nova two', { avatarId: nova }));
    await memoryRepo.insert(memory(owner, 'Orion one', { avatarId: orion }));
    const bobs = await memoryRepo.count(bob);

    expect(await memoryRepo.removeAll(owner, nova)).toBe(2);
    expect((await memoryRepo.list(owner)).map((i) => i.content).sort()).toEqual(['Orion one', 'Shared one']);
    expect(await memoryRepo.removeAll(owner)).toBe(2);
    expect(await memoryRepo.count(owner)).toBe(0);
    expect(await memoryRepo.count(bob)).toBe(bobs);
  });
});
