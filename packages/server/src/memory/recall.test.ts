import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import {
  conversations as conversationsTable,
  knowledgeChunks,
  knowledgeDocuments,
  memories,
  messageEmbeddings,
  type NewMemoryRow,
} from '../db/schema/index.js';
import { NEUTRAL_STYLE } from '../domain/avatar.js';
import { DEFAULT_USER_MEMORY_SETTINGS, type UserMemorySettings } from '../domain/memory.js';
import type { Message } from '../domain/message.js';
import { createAvatarRepository } from '../repositories/avatar.repository.js';
import { createConversationRepository } from '../repositories/conversation.repository.js';
import { createFileRepository } from '../repositories/file.repository.js';
import { createKnowledgeRepository } from '../repositories/knowledge.repository.js';
import { createMemoryRepository } from '../repositories/memory.repository.js';
import { messageStatistics, searchForRecall } from '../repositories/memory-search.repository.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import { createUserRepository } from '../repositories/user.repository.js';
import { recallQuery } from '../services/conversation-context.service.js';
import { storedConversation } from '../test-support/conversations.js';
import { hashedEmbedding } from '../test-support/protocol-servers/hashed-embedding.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { createCorpusPresence } from './corpus-presence.js';
import { RECENCY_HALF_LIFE_DAYS, recency } from './fuse-ranks.js';
import { createMemoryRecall } from './recall.js';

const MODEL = 'test/hashed';
const embed = (text: string) => hashedEmbedding(text);

describeStorage('memory recall on %s', (mode) => {
  let storage: TestStorage;
  let db: Database;
  let userId: string;
  let otherUserId: string;
  let privateAvatar: string;
  let sharedAvatar: string;
  let currentConversation: string;
  const ids: Record<string, string> = {};
  const settings = new Map<string, UserMemorySettings>();
  const embedCalls: string[] = [];
  const now = new Date('2026-12-07T12:00:00Z');

  const recallFor = () =>
    createMemoryRecall({
      db,
      settingsFor: async (user) => settings.get(user) ?? DEFAULT_USER_MEMORY_SETTINGS,
      embedQuery: async (_user, text) => {
        embedCalls.push(text);
        return { model: MODEL, values: embed(text) };
      },
    });

  const memory = async (name: string, row: Partial<NewMemoryRow> & Pick<NewMemoryRow, 'content'>) => {
    const [stored] = await db
      .insert(memories)
      .values({
        ownerId: userId,
        avatarId: privateAvatar,
        kind: 'fact',
        origin: 'extracted',
        embedding: embed(row.content),
        embeddingModel: MODEL,
        validFrom: new Date('2026-11-03T09:00:00Z'),
        ...row,
      })
      .returning({ id: memories.id });
    ids[name] = stored!.id;
  };

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    db = storage.db;
    const a = await storedConversation(db, 'sam@example.org');
    const b = await storedConversation(db, 'bo@example.org');
    userId = a.owner.id;
    otherUserId = b.owner.id;
    privateAvatar = a.avatar.id;
    currentConversation = a.conversation.id;
    sharedAvatar = (
      await createAvatarRepository(db).create({
        ownerId: userId,
        name: 'S',
        style: NEUTRAL_STYLE,
        voice: { engine: null, voice: null, rate: 1, pitch: 1 },
        memory: { enabled: true, scope: 'shared' },
      })
    ).id;

    await memory('cat', { content: 'Sam has a cat named Miso.', importance: 0.6 });
    await memory('profile', { content: 'Sam prefers to be called Sammy.', kind: 'profile', pinned: true });
    await memory('newJob', { content: 'Sam works as a baker in Lisbon.' });
    await memory('oldJob', {
      content: 'Sam works as a teacher in Lisbon.',
      validTo: new Date('2026-11-20T00:00:00Z'),
      supersededBy: ids.newJob!,
    });
    await memory('sharedAllergy', { avatarId: null, content: 'Sam is allergic to peanuts.' });
    await memory('boCat', {
      ownerId: otherUserId,
      avatarId: b.avatar.id,
      content: 'Bo has a cat named Miso.',
    });

    // Past messages with the private avatar (another conversation), with another avatar, and in
    // the conversation being answered.
    const conversations = createConversationRepository(db);
    const messages = createMessageRepository(db);
    const earlier = await conversations.create({ ownerId: userId, avatarId: privateAvatar });
    const withShared = await conversations.create({ ownerId: userId, avatarId: sharedAvatar });
    const said = async (conversationId: string, content: string, role: 'user' | 'assistant' = 'user') =>
      (
        await messages.append(conversationId, [
          {
            conversationId,
            ownerId: userId,
            parentId: null,
            role,
            content,
            createdAt: new Date('2026-10-01T08:00:00Z'),
          },
        ])
      )[0]!.id;
    ids.pastMessage = await said(earlier.id, 'My cat Miso knocked over the violin case again.');
    ids.pastReply = await said(earlier.id, 'Oh no, Miso and the violin case again!', 'assistant');
    const pastText = 'My cat Miso knocked over the violin case again.';
    await db.insert(messageEmbeddings).values({
      messageId: ids.pastMessage,
      ownerId: userId,
      embedding: embed(pastText),
      embeddingModel: MODEL,
    });
    ids.otherAvatarMessage = await said(withShared.id, 'Miso the cat is asleep on the violin case.');
    ids.currentMessage = await said(currentConversation, 'Miso and the violin case: a story for today.');

    // A document of the private avatar, page 3.
    const file = await createFileRepository(db).create({
      ownerId: userId,
      kind: 'knowledge',
      mimeType: 'application/pdf',
      bytes: Buffer.from('%PDF'),
      sizeBytes: 4,
      sha256: 'x'.repeat(64),
    });
    const [document] = await db
      .insert(knowledgeDocuments)
      .values({
        ownerId: userId,
        avatarId: privateAvatar,
        fileId: file.id,
        name: 'Cat care.pdf',
        mediaType: 'application/pdf',
        sizeBytes: 4,
        status: 'ready',
      })
      .returning({ id: knowledgeDocuments.id });
    ids.document = document!.id;
    const chunk = 'Cats like Miso need fresh water every day and a quiet place to sleep.';
    const [stored] = await db
      .insert(knowledgeChunks)
      .values({
        documentId: document!.id,
        ownerId: userId,
        avatarId: privateAvatar,
        ord: 0,
        page: 3,
        content: chunk,
        embedding: embed(chunk),
        embeddingModel: MODEL,
      })
      .returning({ id: knowledgeChunks.id });
    ids.chunk = stored!.id;
  });
  afterAll(() => storage?.close());

  const recallIds = async (query: string, options: { avatarId?: string; k?: number } = {}) =>
    (
      await recallFor().recall(userId, {
        avatarId: options.avatarId ?? privateAvatar,
        query,
        k: options.k ?? 10,
        conversationId: currentConversation,
        now,
      })
    ).map((item) => item.id);

  it('puts the pinned profile first, then memories, past messages and document chunks with their sources', async () => {
    const items = await recallFor().recall(userId, {
      avatarId: privateAvatar,
      query: 'What is my cat Miso doing?',
      k: 8,
      conversationId: currentConversation,
      now,
    });
    expect(items[0]).toMatchObject({ type: 'memory', id: ids.profile, pinned: true, kind: 'profile' });
    const byId = new Map(items.map((item) => [item.id, item]));
    expect(byId.get(ids.cat!)).toMatchObject({ type: 'memory', kind: 'fact', pinned: false });
    expect(byId.get(ids.pastMessage!)).toMatchObject({
      type: 'message',
      conversationId: expect.any(String),
      sourceMessageId: ids.pastMessage,
      createdAt: new Date('2026-10-01T08:00:00Z'),
    });
    expect(byId.get(ids.chunk!)).toMatchObject({
      type: 'document',
      documentId: ids.document,
      documentName: 'Cat care.pdf',
      page: 3,
    });
    // Scores descend after the profile.
    const scores = items.slice(1).map((item) => item.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(items[0]!.score).toBeGreaterThan(scores[0]!);
  });

  it('skips the corpora a user or an avatar does not have, and finds what is stored since at once', async () => {
    const knowledge = createKnowledgeRepository(db);
    const memoryRows = createMemoryRepository(db);
    const asked: string[] = [];
    const presence = createCorpusPresence(db, {
      memories: async (ownerId) => {
        asked.push(`memories ${ownerId}`);
        return memoryRows.hasAny(ownerId);
      },
      documents: async (ownerId, avatarId) => {
        asked.push(`documents ${avatarId}`);
        return knowledge.hasChunks(ownerId, avatarId);
      },
    });
    const withPresence = createMemoryRecall({
      db,
      presence,
      settingsFor: async (user) => settings.get(user) ?? DEFAULT_USER_MEMORY_SETTINGS,
      embedQuery: async (_user, text) => ({ model: MODEL, values: embed(text) }),
    });
    const recalled = async (user: string, avatarId: string, type: string) =>
      (
        await withPresence.recall(user, {
          avatarId,
          query: 'fresh water for the cat',
          k: 10,
          conversationId: currentConversation,
          now,
        })
      ).filter((item) => item.type === type);
    // The avatar with the document: its chunk is found, as without the presence.
    expect((await recalled(userId, privateAvatar, 'document')).map((item) => item.id)).toEqual([ids.chunk]);
    // Another avatar of the user has none: nothing, and asked once for two recalls.
    expect(await recalled(userId, sharedAvatar, 'document')).toEqual([]);
    expect(await recalled(userId, sharedAvatar, 'document')).toEqual([]);
    expect(asked.filter((q) => q === `documents ${sharedAvatar}`)).toHaveLength(1);
    // A document indexed for it through the repository: found at once.
    const [file] = await db
      .select({ id: knowledgeDocuments.fileId })
      .from(knowledgeDocuments)
      .where(eq(knowledgeDocuments.id, ids.document!));
    const [document] = await db
      .insert(knowledgeDocuments)
      .values({
        ownerId: userId,
        avatarId: sharedAvatar,
        fileId: file!.id,
        name: 'Water.md',
        mediaType: 'text/markdown',
        sizeBytes: 4,
        status: 'indexing',
      })
      .returning({ id: knowledgeDocuments.id });
    expect(
      await knowledge.storeChunks(
        userId,
        document!.id,
        [{ ord: 0, page: null, content: 'Give the cat fresh water twice a day.' }],
        { pageCount: null, truncated: false },
      ),
    ).toBe(true);
    expect((await recalled(userId, sharedAvatar, 'document')).map((item) => item.content)).toEqual([
      'Give the cat fresh water twice a day.',
    ]);
    await db.delete(knowledgeDocuments).where(eq(knowledgeDocuments.id, document!.id));

    // A user without memories: none searched; one stored through the repository is found at once.
    const newcomer = (
      await createUserRepository(db).create({ email: 'presence@example.org', passwordHash: 'x', name: 'New' })
    ).id;
    const avatar = (
      await createAvatarRepository(db).create({
        ownerId: newcomer,
        name: 'Nia',
        style: NEUTRAL_STYLE,
        voice: { engine: null, voice: null, rate: 1, pitch: 1 },
        memory: { enabled: true, scope: 'private' },
      })
    ).id;
    expect(await recalled(newcomer, avatar, 'memory')).toEqual([]);
    expect(await recalled(newcomer, avatar, 'memory')).toEqual([]);
    expect(asked.filter((q) => q === `memories ${newcomer}`)).toHaveLength(1);
    await memoryRows.insert({
      ownerId: newcomer,
      avatarId: avatar,
      kind: 'fact',
      content: "The user's cat drinks fresh water from a fountain.",
      importance: 0.6,
      confidence: 0.9,
      origin: 'manual',
      sourceMessageIds: [],
      sourceConversationId: null,
      pinned: false,
    });
    expect((await recalled(newcomer, avatar, 'memory')).map((item) => item.content)).toEqual([
      "The user's cat drinks fresh water from a fountain.",
    ]);
    presence.close();
  });

  it('recalls only the user’s own messages with this avatar, not the conversation being answered nor replies', async () => {
    const found = await recallIds('Miso violin case');
    expect(found).toContain(ids.pastMessage);
    expect(found).not.toContain(ids.pastReply);
    expect(found).not.toContain(ids.otherAvatarMessage);
    expect(found).not.toContain(ids.currentMessage);
    // The shared avatar sees its own conversation's message, not the private avatar's.
    const shared = await recallIds('Miso violin case', { avatarId: sharedAvatar });
    expect(shared).toContain(ids.otherAvatarMessage);
    expect(shared).not.toContain(ids.pastMessage);
  });

  it('keeps scopes apart: private and shared memories, another user’s never', async () => {
    const privateFound = await recallIds('peanuts allergy cat Miso');
    expect(privateFound).toContain(ids.cat);
    expect(privateFound).not.toContain(ids.sharedAllergy);
    expect(privateFound).not.toContain(ids.boCat);
    const sharedFound = await recallIds('peanuts allergy cat Miso', { avatarId: sharedAvatar });
    expect(sharedFound).toContain(ids.sharedAllergy);
    expect(sharedFound).not.toContain(ids.cat);
    expect(sharedFound).not.toContain(ids.boCat);
    // Bo's own recall sees Bo's memory only.
    const bo = await createMemoryRecall({ db, settingsFor: async () => DEFAULT_USER_MEMORY_SETTINGS }).recall(
      otherUserId,
      { avatarId: privateAvatar, query: 'cat Miso', k: 10 },
    );
    expect(bo).toEqual([]);
  });

  it('never returns a superseded memory, and forgets a deleted one at once', async () => {
    const found = await recallIds('what is my job in Lisbon');
    expect(found).toContain(ids.newJob);
    expect(found).not.toContain(ids.oldJob);

    await memory('forgotten', { content: 'Sam secretly collects porcelain frogs.' });
    expect(await recallIds('porcelain frogs')).toContain(ids.forgotten);
    await db.delete(memories).where(eq(memories.id, ids.forgotten!));
    expect(await recallIds('porcelain frogs')).not.toContain(ids.forgotten);
  });

  it('recalls nothing when memory is off for the avatar or the user; without messages when message recall is off', async () => {
    const avatars = createAvatarRepository(db);
    await avatars.update(userId, privateAvatar, { memory: { enabled: false, scope: 'private' } });
    expect(await recallIds('cat Miso')).toEqual([]);
    await avatars.update(userId, privateAvatar, { memory: { enabled: true, scope: 'private' } });

    settings.set(userId, { ...DEFAULT_USER_MEMORY_SETTINGS, enabled: false });
    expect(await recallIds('cat Miso')).toEqual([]);
    settings.set(userId, { ...DEFAULT_USER_MEMORY_SETTINGS, recallMessages: false });
    const found = await recallIds('Miso violin case');
    expect(found).toContain(ids.cat);
    expect(found).not.toContain(ids.pastMessage);
    settings.delete(userId);
  });

  it('ranks the same with the past messages’ statistics read before as with a sample per recall', async () => {
    // A history larger than the sample (smaller ones are read whole, statistics or not).
    const { owner, avatar, conversation } = await storedConversation(db, 'statistics@example.org');
    const words = ['garden', 'tomatoes', 'rain', 'bicycle', 'piano', 'lisbon', 'sister', 'wedding'];
    await db.execute(sql`
      insert into messages (id, conversation_id, owner_id, role, content, speaker_user_id, status)
      select gen_random_uuid(), ${conversation.id}, ${owner.id}, 'user',
             'Hello there, note ' || n || ' about the ' || (${`{${words.join(',')}}`}::text[])[1 + n % 8]
               || case when n % 37 = 0 then ' and my sister''s wedding in Lisbon' else '' end,
             ${owner.id}, 'complete'
      from generate_series(1, 320) as n`);
    const stats = await messageStatistics(db, owner.id, avatar.id);
    expect(stats.rows).toBe(250);
    expect(stats.avgdl).toBeGreaterThan(20);
    // Only shares the ranking reads are kept: "hello", "there", "note", "about", "the".
    expect(Object.keys(stats.frequent).sort()).toEqual(['about', 'hello', 'note', 'the', 'there']);
    expect(Object.values(stats.frequent).every((share) => share >= 0.2 && share <= 1)).toBe(true);
    for (const text of ['my sister wedding in Lisbon', 'the piano and the rain', 'Hello there', 'note 17']) {
      const search = (messageStats?: typeof stats) =>
        searchForRecall(db, owner.id, {
          scope: { avatarId: avatar.id, shared: false },
          pinnedLimit: 20,
          at: now,
          options: { k: 20, text },
          messages: { avatarId: avatar.id },
          messageStats,
        });
      const sampled = (await search()).messages.map((hit) => [hit.item.id, hit.textScore.toFixed(6)]);
      const kept = (await search(stats)).messages.map((hit) => [hit.item.id, hit.textScore.toFixed(6)]);
      expect(kept, text).toEqual(sampled);
      if (text !== 'Hello there') expect(kept.length, text).toBeGreaterThan(0);
    }
  });

  it('compares text-only, vector-only and hybrid: vectors find what shares no word', async () => {
    embedCalls.length = 0;
    const recall = recallFor();
    const ask = (m: 'text' | 'vector' | 'hybrid', query: string) =>
      recall
        .recall(userId, {
          avatarId: privateAvatar,
          query,
          k: 5,
          mode: m,
          conversationId: currentConversation,
          now,
        })
        .then((items) => items.filter((item) => !item.pinned).map((item) => item.id));
    // "cats" is not "cat" for full text ('simple' has no stemming); the hashed embedding folds plurals.
    expect(await ask('text', 'cats')).not.toContain(ids.cat);
    expect(embedCalls).toEqual([]);
    expect(await ask('vector', 'cats')).toContain(ids.cat);
    expect(await ask('hybrid', 'cats')).toContain(ids.cat);
    expect(embedCalls).toEqual(['cats', 'cats']);
    // Past messages too, through their own vectors.
    expect(await ask('text', 'violins')).not.toContain(ids.pastMessage);
    expect(await ask('vector', 'violins')).toContain(ids.pastMessage);
  });

  it('limits to k items after the profile and weighs recency', async () => {
    const items = await recallFor().recall(userId, {
      avatarId: privateAvatar,
      query: 'Sam cat Miso Lisbon violin water',
      k: 2,
      conversationId: currentConversation,
      now,
    });
    expect(items.filter((item) => !item.pinned)).toHaveLength(2);
    expect(recency(new Date(now.getTime() - RECENCY_HALF_LIFE_DAYS * 86_400_000), now)).toBeCloseTo(0.5);
  });

  it('recalls nothing for an avatar the user may not see', async () => {
    const found = await createMemoryRecall({
      db,
      settingsFor: async () => DEFAULT_USER_MEMORY_SETTINGS,
    }).recall(userId, { avatarId: '00000000-0000-7000-8000-000000000000', query: 'cat', k: 5 });
    expect(found).toEqual([]);
  });

  it('never recalls messages of an incognito conversation', async () => {
    const conversations = createConversationRepository(db);
    const secret = await conversations.create({ ownerId: userId, avatarId: privateAvatar });
    const [row] = await createMessageRepository(db).append(secret.id, [
      {
        conversationId: secret.id,
        ownerId: userId,
        parentId: null,
        role: 'user',
        content: 'Zanzibar lighthouse keeper.',
      },
    ]);
    expect(await recallIds('Zanzibar lighthouse')).toContain(row!.id);
    await db.update(conversationsTable).set({ incognito: true }).where(eq(conversationsTable.id, secret.id));
    expect(await recallIds('Zanzibar lighthouse')).not.toContain(row!.id);
  });
});

describe('the recall query of a turn', () => {
  const message = (role: 'user' | 'assistant', content: string) => ({ role, content }) as Message;
  it('is the message being answered with the end of the one before it', () => {
    expect(recallQuery([])).toBe('');
    expect(recallQuery([message('user', ' Hello ')])).toBe('Hello');
    const long = `${'x'.repeat(300)} the violin case`;
    expect(
      recallQuery([message('user', 'a'), message('assistant', long), message('user', 'Yes, that one.')]),
    ).toBe(`${long.slice(-200)}\nYes, that one.`);
    // A reply being regenerated: the last user message is still the query.
    expect(recallQuery([message('user', 'Where is Miso?'), message('assistant', 'Asleep.')])).toBe(
      'Where is Miso?',
    );
  });
});
