import { afterAll, beforeAll, expect, it } from 'vitest';
import { memories, type NewMemoryRow } from '../db/schema/index.js';
import { NEUTRAL_STYLE } from '../domain/avatar.js';
import { hasPgvector } from '../memory/vector-index.js';
import { storedConversation } from '../test-support/conversations.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { createAvatarRepository } from './avatar.repository.js';
import { pinnedMemories, searchMemories, type TextRanking } from './memory-search.repository.js';

const unit = (values: number[]) => {
  const norm = Math.hypot(...values);
  return values.map((v) => v / norm);
};

/**
 * A small test set for the text ranking: memories of one user, and questions whose evidence is
 * one of them. The distractors share the questions' common words ("my", "the", "is", "what"),
 * the evidence shares their rare ones: a ranking without IDF favours the distractors.
 */
const CORPUS = [
  'My sister Clara lives in Lyon and works as a nurse.',
  'The name of my cat is Miso and she is three years old.',
  'I am allergic to peanuts.',
  'My favourite band is Radiohead.',
  'I started learning the cello in September.',
  'My partner is called Jonas and he is a carpenter.',
  'I work as a data engineer at a bank in Frankfurt.',
  'My daughter Emma was born on 4 March 2019.',
  'I run the Berlin marathon every year in autumn.',
  'I do not eat meat; I have been vegetarian since 2015.',
  'My car is an old green Volvo.',
  'My mother grows tomatoes in her garden in Porto.',
  'I prefer tea to coffee in the morning.',
  'My best friend Yusuf moved to Toronto last spring.',
  'The book I am reading is Middlemarch.',
  'My apartment is on the fifth floor and has no lift.',
  'I am afraid of flying and take the train when I can.',
  'My grandfather was a fisherman in Brittany.',
  // Distractors: the questions' frequent words, many times over.
  'My my my, the the the weather is what it is, is it not what it is.',
  'What is the plan, what is the point, what is my part in the thing.',
  'It is what it is and my day is my day.',
  'The the is the most common word and my most common word is my.',
  'Sam asked the name of the thing, the name of the other thing and the name of the name.',
  'Sam lives where Sam lives, is called what Sam is called, and was born when Sam was born.',
  'Sam was reading, started reading, kept reading, learning and reading again.',
  'Sam moved, grows, runs and moves; Sam moved again and grows again.',
  'Sam called it the best plan, the best part and the best thing.',
];

const QUESTIONS: { query: string; evidence: number }[] = [
  { query: 'What is the name of my cat?', evidence: 1 },
  { query: 'Where does my sister live?', evidence: 0 },
  { query: 'What is my partner called?', evidence: 5 },
  { query: 'What is the book I am reading?', evidence: 14 },
  { query: 'When was my daughter born?', evidence: 7 },
  { query: 'Which instrument is it that I started learning?', evidence: 4 },
  { query: 'What is my car?', evidence: 10 },
  { query: 'Where did my best friend move?', evidence: 13 },
  { query: 'What is the marathon I run?', evidence: 8 },
  { query: 'What is it that my mother grows in the garden?', evidence: 11 },
];

describeStorage('memory search on %s', (mode) => {
  let storage: TestStorage;
  let ownerId: string;
  let otherOwnerId: string;
  let privateAvatar: string;
  let sharedAvatar: string;
  let otherSharedAvatar: string;
  const ids: Record<string, string> = {};

  const insert = async (name: string, row: Omit<NewMemoryRow, 'origin' | 'kind'> & Partial<NewMemoryRow>) => {
    const [stored] = await storage.db
      .insert(memories)
      .values({ kind: 'fact', origin: 'manual', ...row })
      .returning({ id: memories.id });
    ids[name] = stored!.id;
  };

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    const a = await storedConversation(storage.db, 'sam@example.org');
    const b = await storedConversation(storage.db, 'bo@example.org');
    ownerId = a.owner.id;
    otherOwnerId = b.owner.id;
    privateAvatar = a.avatar.id;
    const avatars = createAvatarRepository(storage.db);
    const newAvatar = async (name: string) =>
      (
        await avatars.create({
          ownerId,
          name,
          style: NEUTRAL_STYLE,
          voice: { engine: null, voice: null, rate: 1, pitch: 1 },
          memory: { enabled: true, scope: 'shared' },
        })
      ).id;
    sharedAvatar = await newAvatar('S');
    otherSharedAvatar = await newAvatar('T');
    const model = 'test/embed';
    await insert('privateCat', {
      ownerId,
      avatarId: privateAvatar,
      content: 'Sam has a cat named Miso.',
      embedding: unit([1, 0, 0]),
      embeddingModel: model,
    });
    await insert('sharedPeanuts', {
      ownerId,
      avatarId: null,
      content: 'Sam is allergic to peanuts.',
      embedding: unit([0, 1, 0]),
      embeddingModel: model,
    });
    await insert('sharedOwn', { ownerId, avatarId: sharedAvatar, content: 'Sam calls this avatar Skipper.' });
    await insert('otherShared', {
      ownerId,
      avatarId: otherSharedAvatar,
      content: 'Sam told T about a cat named Pixel.',
    });
    await insert('otherUser', {
      ownerId: otherOwnerId,
      avatarId: null,
      content: 'Bo has a cat named Miso too.',
      embedding: unit([1, 0, 0]),
      embeddingModel: model,
    });
    await insert('newCity', { ownerId, avatarId: null, content: 'Sam lives in Berlin.' });
    await insert('oldCity', {
      ownerId,
      avatarId: null,
      content: 'Sam lives in Lyon.',
      validTo: new Date(Date.now() - 60_000),
      supersededBy: ids.newCity!,
    });
    await insert('otherModel', {
      ownerId,
      avatarId: null,
      content: 'Sam plays chess on Sundays.',
      embedding: unit([1, 0.01, 0]),
      embeddingModel: 'other/model',
    });
    await insert('pinnedName', {
      ownerId,
      avatarId: null,
      content: 'Sam prefers to be called Sammy.',
      pinned: true,
    });
  });
  afterAll(() => storage?.close());

  it('finds by text within the scope: private sees its own, shared sees shared and its own, never another user', async () => {
    const privateHits = await searchMemories(
      storage.db,
      ownerId,
      { avatarId: privateAvatar, shared: false },
      { text: 'cat Miso peanuts', k: 10 },
    );
    expect(privateHits.map((hit) => hit.item.id)).toEqual([ids.privateCat]);
    expect(privateHits[0]).toMatchObject({ textRank: 1, vectorRank: null });
    expect(privateHits[0]!.textScore).toBeGreaterThan(0);

    const sharedHits = await searchMemories(
      storage.db,
      ownerId,
      { avatarId: sharedAvatar, shared: true },
      { text: 'cat Miso peanuts Skipper Pixel', k: 10 },
    );
    expect(new Set(sharedHits.map((hit) => hit.item.id))).toEqual(
      new Set([ids.sharedPeanuts, ids.sharedOwn]),
    );

    const all = await searchMemories(storage.db, ownerId, 'all', { text: 'cat Miso', k: 10 });
    expect(new Set(all.map((hit) => hit.item.id))).toEqual(new Set([ids.privateCat, ids.otherShared]));
    expect(all.every((hit) => hit.item.ownerId === ownerId)).toBe(true);
  });

  it('leaves superseded memories out unless the history is asked for', async () => {
    const scope = { avatarId: sharedAvatar, shared: true };
    const current = await searchMemories(storage.db, ownerId, scope, { text: 'lives in', k: 10 });
    expect(current.map((hit) => hit.item.id)).toEqual([ids.newCity]);
    const history = await searchMemories(storage.db, ownerId, scope, {
      text: 'lives in',
      k: 10,
      includeHistory: true,
    });
    expect(new Set(history.map((hit) => hit.item.id))).toEqual(new Set([ids.newCity, ids.oldCity]));
    const old = history.find((hit) => hit.item.id === ids.oldCity)!.item;
    expect(old.validTo).toBeInstanceOf(Date);
    expect(old.supersededBy).toBe(ids.newCity);
  });

  it('finds by vector among the same model only, most similar first', async () => {
    const hits = await searchMemories(storage.db, ownerId, 'all', {
      vector: { model: 'test/embed', values: unit([0.9, 0.3, 0]) },
      k: 10,
    });
    expect(hits.map((hit) => hit.item.id)).toEqual([ids.privateCat, ids.sharedPeanuts]);
    expect(hits.map((hit) => hit.vectorRank)).toEqual([1, 2]);
    expect(hits[0]!.vectorScore).toBeCloseTo(0.9 / Math.hypot(0.9, 0.3), 4);
    // A vector of another dimension matches nothing rather than failing.
    const other = await searchMemories(storage.db, ownerId, 'all', {
      vector: { model: 'test/embed', values: unit([1, 0]) },
      k: 10,
    });
    expect(other).toEqual([]);
    expect(await hasPgvector(storage.db)).toBe(mode === 'pglite');
  });

  it('merges the text and vector lists with both ranks', async () => {
    const hits = await searchMemories(
      storage.db,
      ownerId,
      { avatarId: privateAvatar, shared: true },
      { text: 'peanuts', vector: { model: 'test/embed', values: unit([1, 0, 0]) }, k: 5 },
    );
    const byId = new Map(hits.map((hit) => [hit.item.id, hit]));
    expect(byId.get(ids.sharedPeanuts!)).toMatchObject({ textRank: 1, vectorRank: 2 });
    expect(byId.get(ids.privateCat!)).toMatchObject({ textRank: null, vectorRank: 1 });
  });

  it('lists the pinned memories of a scope', async () => {
    const pinned = await pinnedMemories(storage.db, ownerId, { avatarId: sharedAvatar, shared: true }, 10);
    expect(pinned.map((item) => item.id)).toEqual([ids.pinnedName]);
    expect(await pinnedMemories(storage.db, ownerId, { avatarId: privateAvatar, shared: false }, 10)).toEqual(
      [],
    );
    expect(
      await pinnedMemories(storage.db, otherOwnerId, { avatarId: sharedAvatar, shared: true }, 10),
    ).toEqual([]);
  });

  it('ranks the evidence at least as high with BM25 as with ts_rank on the test set', async () => {
    const corpusOwner = (await storedConversation(storage.db, `set-${mode}@example.org`)).owner.id;
    const corpusIds: string[] = [];
    for (const content of CORPUS) {
      const [row] = await storage.db
        .insert(memories)
        .values({ ownerId: corpusOwner, avatarId: null, kind: 'fact', origin: 'manual', content })
        .returning({ id: memories.id });
      corpusIds.push(row!.id);
    }
    const measure = async (ranking: TextRanking) => {
      let reciprocal = 0;
      let top1 = 0;
      for (const { query, evidence } of QUESTIONS) {
        const hits = await searchMemories(storage.db, corpusOwner, 'all', {
          text: query,
          k: CORPUS.length,
          textRanking: ranking,
        });
        const rank = hits.findIndex((hit) => hit.item.id === corpusIds[evidence]) + 1;
        reciprocal += rank > 0 ? 1 / rank : 0;
        if (rank === 1) top1 += 1;
      }
      return { mrr: reciprocal / QUESTIONS.length, top1 };
    };
    const bm25 = await measure('bm25');
    const tsRank = await measure('ts_rank');
    // The figures in docs/memory.md ("Recall") come from this line.
    process.stdout.write(
      `[${mode}] evidence ranking over ${QUESTIONS.length} questions: BM25 ${JSON.stringify(bm25)}, ts_rank ${JSON.stringify(tsRank)}\n`,
    );
    expect(bm25.mrr).toBeGreaterThan(tsRank.mrr);
    expect(bm25.top1).toBeGreaterThanOrEqual(8);
  });
});
