import type { FastifyInstance } from 'fastify';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageRole } from '../db/schema/index.js';
import { createConversationRepository } from '../repositories/conversation.repository.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import { RANK_WINDOW } from '../repositories/message-search.repository.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

type User = Awaited<ReturnType<typeof signup>>;
type Hit = {
  messageId: string;
  conversationId: string;
  conversationTitle: string;
  avatarId: string;
  role: MessageRole;
  model: string | null;
  createdAt: string;
  snippet: { text: string; match: boolean }[];
  rank: number;
};

const plain = (hit: Hit) => hit.snippet.map((s) => s.text).join('');
const matches = (hit: Hit) => hit.snippet.filter((s) => s.match).map((s) => s.text);

describeStorage('search on %s', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let ada: User;
  let bob: User;
  let adaAvatar: string;
  let adaSecondAvatar: string;
  let bobAvatar: string;
  /** Message ids by a short name. */
  const ids: Record<string, string> = {};

  const call = (url: string, who: User = ada) =>
    app.inject({ method: 'GET', url, headers: { ...CSRF, cookie: who.cookie } });
  const search = async (params: Record<string, string>, who: User = ada) => {
    const res = await call(`/api/search?${new URLSearchParams(params)}`, who);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { hits: Hit[]; nextCursor: string | null; truncated: boolean };
  };
  const avatarOf = async (who: User) => (await call('/api/avatars', who)).json().avatars[0].id as string;

  /** A conversation whose messages form one chain, in order; returns their ids. */
  async function conversation(
    who: User,
    avatarId: string,
    options: { title: string; tags?: string[] },
    messages: { name?: string; role: MessageRole; content: string; model?: string; at?: string }[],
  ): Promise<{ id: string; messageIds: string[] }> {
    const conversations = createConversationRepository(storage.db);
    const repo = createMessageRepository(storage.db);
    const conv = await conversations.create({
      ownerId: who.user.id,
      avatarId,
      title: options.title,
      tags: options.tags ?? [],
    });
    let parentId: string | null = null;
    const messageIds: string[] = [];
    for (const m of messages) {
      const row = await repo.insert({
        id: uuidv7(),
        conversationId: conv.id,
        ownerId: who.user.id,
        parentId,
        role: m.role,
        content: m.content,
        model: m.model ?? null,
        ...(m.at ? { createdAt: new Date(m.at) } : {}),
      });
      await conversations.messageAdded(conv.id, row.id, row.createdAt);
      if (m.name) ids[m.name] = row.id;
      messageIds.push(row.id);
      parentId = row.id;
    }
    return { id: conv.id, messageIds };
  }

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    app = (await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' })).app;
    ada = await signup(app, 'ada@example.org');
    bob = await signup(app, 'bob@example.org');
    adaAvatar = await avatarOf(ada);
    bobAvatar = await avatarOf(bob);
    const created = await app.inject({
      method: 'POST',
      url: '/api/avatars',
      headers: { ...CSRF, cookie: ada.cookie },
      payload: { name: 'Second' },
    });
    adaSecondAvatar = created.json().avatar.id;

    await conversation(ada, adaAvatar, { title: 'Dragons', tags: ['fantasy'] }, [
      { name: 'q1', role: 'user', content: 'Tell me about the dragon egg', at: '2026-01-10T10:00:00Z' },
      {
        name: 'a1',
        role: 'assistant',
        model: 'openai/gpt-4o',
        content: 'A dragon egg hatches after a dragon keeps it warm. Dragon eggs are rare.',
        at: '2026-01-10T10:00:05Z',
      },
      {
        name: 'long',
        role: 'user',
        content: `${'We walked along the river and talked about many other things for a long time. '.repeat(8)}Somewhere a dragon flew by.`,
        at: '2026-01-11T10:00:00Z',
      },
    ]);
    await conversation(ada, adaSecondAvatar, { title: 'Recipes', tags: ['food'] }, [
      {
        name: 'recipe',
        role: 'user',
        content: 'A recipe for dragonfruit salad please',
        at: '2026-02-01T09:00:00Z',
      },
      {
        name: 'xss',
        role: 'assistant',
        model: 'ollama/llama3.2',
        content: 'Try <script>alert("dragon")</script> & <b>bold</b> dragonfruit with lime.',
        at: '2026-02-01T09:00:03Z',
      },
      {
        name: 'syntax',
        role: 'user',
        content: "What does foo:* & (bar | !baz) mean? It's SQL-ish: o'reilly \\ back\\slash",
        at: '2026-02-02T09:00:00Z',
      },
    ]);
    await conversation(bob, bobAvatar, { title: "Bob's dragons", tags: ['fantasy'] }, [
      { name: 'bob', role: 'user', content: 'My dragon egg is secret', at: '2026-01-10T11:00:00Z' },
    ]);
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  it('finds matching messages, best first, with the conversation and a highlighted snippet', async () => {
    const { hits, nextCursor, truncated } = await search({ q: 'dragon egg ' });
    expect(hits.map((h) => h.messageId).sort()).toEqual([ids.a1, ids.q1].sort());
    expect(nextCursor).toBeNull();
    expect(truncated).toBe(false);
    expect(hits[0]!.rank).toBeGreaterThanOrEqual(hits[1]!.rank);
    const a1 = hits.find((h) => h.messageId === ids.a1)!;
    const q1 = hits.find((h) => h.messageId === ids.q1)!;
    expect(a1).toMatchObject({
      conversationTitle: 'Dragons',
      avatarId: adaAvatar,
      role: 'assistant',
      model: 'openai/gpt-4o',
      createdAt: '2026-01-10T10:00:05.000Z',
    });
    expect(q1).toMatchObject({ role: 'user', model: null, conversationTitle: 'Dragons' });
    expect(matches(q1)).toEqual(['dragon', 'egg']);
    expect(plain(q1)).toBe('Tell me about the dragon egg');
  });

  it('ranks a message about the term above a long one that mentions it once', async () => {
    const { hits } = await search({ q: 'dragon ' });
    expect(hits.map((h) => h.messageId)).toEqual([ids.a1, ids.q1, ids.long]);
    // The long message's snippet is a fragment around the match, not the whole text.
    expect(plain(hits[2]!).length).toBeLessThan(300);
    expect(matches(hits[2]!)).toEqual(['dragon']);
  });

  it('matches the last word as a prefix while it is typed', async () => {
    const drag = await search({ q: 'drag' });
    expect(drag.hits.map((h) => h.messageId).sort()).toEqual(
      [ids.q1, ids.a1, ids.long, ids.recipe, ids.xss].sort(),
    );
    const recipe = drag.hits.find((h) => h.messageId === ids.recipe)!;
    expect(matches(recipe)).toEqual(['dragonfruit']);
    expect((await search({ q: 'dragon eg' })).hits.map((h) => h.messageId)).toEqual([ids.a1, ids.q1]);
    expect((await search({ q: 'recipe or lim' })).hits.map((h) => h.messageId).sort()).toEqual(
      [ids.recipe, ids.xss].sort(),
    );
    // A space ends the word: `drag ` is the whole word, which no message has.
    expect((await search({ q: 'drag ' })).hits).toEqual([]);
  });

  it('understands web-search syntax: phrases and exclusions', async () => {
    expect((await search({ q: '"dragon keeps"' })).hits.map((h) => h.messageId)).toEqual([ids.a1]);
    expect((await search({ q: 'dragon -egg' })).hits.map((h) => h.messageId)).toEqual([ids.long]);
  });

  it('returns markup in a message as plain text segments, highlighting only the terms', async () => {
    const { hits } = await search({ q: 'lime' });
    expect(hits.map((h) => h.messageId)).toEqual([ids.xss]);
    expect(plain(hits[0]!)).toContain(
      'Try <script>alert("dragon")</script> & <b>bold</b> dragonfruit with lime',
    );
    expect(matches(hits[0]!)).toEqual(['lime']);
    for (const segment of hits[0]!.snippet) expect(segment.text).not.toMatch(/[\uE000-\uE002]/);
    const bold = await search({ q: 'bold' });
    expect(bold.hits[0]!.snippet).toContainEqual({ text: 'bold', match: true });
    expect(plain(bold.hits[0]!)).toContain('<b>bold</b>');
  });

  it('takes tsquery syntax characters in q as plain text', async () => {
    for (const q of [
      ':*&|!()',
      'foo:* & (bar | !baz)',
      "o'reilly",
      'back\\slash',
      '\\',
      "'",
      '(',
      '!',
      'a:*b',
      '\uE000drag\uE001',
    ]) {
      const res = await call(`/api/search?${new URLSearchParams({ q })}`);
      expect(res.statusCode, `${q}: ${res.body}`).toBe(200);
    }
    expect((await search({ q: ':*&|!()' })).hits).toEqual([]);
    expect((await search({ q: 'foo:* & (bar | !baz)' })).hits.map((h) => h.messageId)).toEqual([ids.syntax]);
    expect((await search({ q: "o'reilly" })).hits.map((h) => h.messageId)).toEqual([ids.syntax]);
  });

  it('filters by avatar, model, role, tag and date range', async () => {
    const ofIds = async (params: Record<string, string>) =>
      (await search({ q: 'drag', ...params })).hits.map((h) => h.messageId).sort();
    expect(await ofIds({ avatarId: adaSecondAvatar })).toEqual([ids.recipe, ids.xss].sort());
    expect(await ofIds({ model: 'openai/gpt-4o' })).toEqual([ids.a1]);
    expect(await ofIds({ role: 'assistant' })).toEqual([ids.a1, ids.xss].sort());
    expect(await ofIds({ tag: 'food' })).toEqual([ids.recipe, ids.xss].sort());
    expect(await ofIds({ tag: 'fantasy', role: 'user' })).toEqual([ids.q1, ids.long].sort());
    expect(await ofIds({ from: '2026-01-11', to: '2026-02-01' })).toEqual(
      [ids.long, ids.recipe, ids.xss].sort(),
    );
    expect(await ofIds({ to: '2026-01-10T10:00:05Z' })).toEqual([ids.q1]);
    expect(await ofIds({ from: '2026-01-10T10:00:05Z', to: '2026-01-11T00:00:00Z' })).toEqual([ids.a1]);
  });

  it("never returns another user's messages", async () => {
    const adaHits = (await search({ q: 'secret' })).hits;
    expect(adaHits).toEqual([]);
    const bobHits = (await search({ q: 'dragon egg' }, bob)).hits;
    expect(bobHits.map((h) => h.messageId)).toEqual([ids.bob]);
    // Filtering by someone else's avatar or their tag finds nothing of theirs either.
    expect((await search({ q: 'dragon', avatarId: bobAvatar })).hits).toEqual([]);
    expect((await search({ q: 'dragon', avatarId: adaAvatar }, bob)).hits).toEqual([]);
  });

  it('pages with a cursor', async () => {
    const first = await search({ q: 'drag', limit: '2' });
    expect(first.hits).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await search({ q: 'drag', limit: '2', cursor: first.nextCursor! });
    const third = await search({ q: 'drag', limit: '2', cursor: second.nextCursor! });
    expect(third.nextCursor).toBeNull();
    const all = [...first.hits, ...second.hits, ...third.hits];
    expect(all.map((h) => h.messageId)).toEqual((await search({ q: 'drag' })).hits.map((h) => h.messageId));
    expect(new Set(all.map((h) => h.messageId)).size).toBe(5);
  });

  it('finds nothing for text without words, and rejects bad parameters', async () => {
    expect(await search({ q: '' })).toEqual({ hits: [], nextCursor: null, truncated: false });
    expect((await search({ q: '  !! ' })).hits).toEqual([]);
    for (const params of [
      { q: 'x', limit: '51' },
      { q: 'x', avatarId: 'nope' },
      { q: 'x', role: 'robot' },
      { q: 'x', from: 'yesterday' },
      { q: 'x', from: '2026-02-01', to: '2026-01-01' },
      { q: 'x', cursor: 'not-a-cursor' },
      { q: 'x'.repeat(201) },
      {},
    ]) {
      const res = await call(`/api/search?${new URLSearchParams(params as Record<string, string>)}`);
      expect(res.statusCode, JSON.stringify(params)).toBe(400);
      expect(res.json().error.code).toBe('invalid_request');
    }
    expect((await app.inject({ method: 'GET', url: '/api/search?q=dragon' })).statusCode).toBe(401);
  });

  it('ranks only the newest matches and says so', async () => {
    const conversations = createConversationRepository(storage.db);
    const messages = createMessageRepository(storage.db);
    const conv = await conversations.create({ ownerId: ada.user.id, avatarId: adaAvatar, title: 'Many' });
    const start = Date.parse('2025-01-01T00:00:00Z');
    await messages.insertMany(
      Array.from({ length: RANK_WINDOW + 5 }, (_, i) => ({
        id: uuidv7(),
        conversationId: conv.id,
        ownerId: ada.user.id,
        role: 'user' as const,
        content: `zebra number ${i}${i === 0 ? ' zebra zebra zebra' : ''}`,
        createdAt: new Date(start + i * 1000),
      })),
    );
    const page = await search({ q: 'zebra', limit: '50' });
    expect(page.truncated).toBe(true);
    // The oldest (and best) match is outside the window; a date range reaches it.
    expect(page.hits.every((h) => h.createdAt > '2025-01-01T00:00:04.000Z')).toBe(true);
    const old = await search({ q: 'zebra', to: '2025-01-01T00:00:05Z' });
    expect(old.truncated).toBe(false);
    expect(plain(old.hits[0]!)).toBe('zebra number 0 zebra zebra zebra');
  });

  describe('jump to a hit', () => {
    it('keeps the visible branch when it shows the message, else takes the newest leaf below it', async () => {
      const { id, messageIds } = await conversation(ada, adaAvatar, { title: 'Branches' }, [
        { role: 'user', content: 'root question' },
        { role: 'assistant', content: 'first answer' },
        { role: 'user', content: 'follow-up' },
      ]);
      const [root, answer, followUp] = messageIds as [string, string, string];
      // A newer sibling of the answer, with a reply below it; the active leaf stays on the first branch.
      const messages = createMessageRepository(storage.db);
      const sibling = await messages.insert({
        id: uuidv7(),
        conversationId: id,
        ownerId: ada.user.id,
        parentId: root,
        role: 'assistant',
        content: 'second answer',
      });
      const below = await messages.insert({
        id: uuidv7(),
        conversationId: id,
        ownerId: ada.user.id,
        parentId: sibling.id,
        role: 'user',
        content: 'on the second branch',
      });
      const jump = async (messageId: string, who: User = ada) => call(`/api/search/jump/${messageId}`, who);

      expect((await jump(answer)).json()).toEqual({
        conversationId: id,
        messageId: answer,
        activeLeafId: followUp,
        onActiveBranch: true,
      });
      // The root is on the visible branch: jumping there must not flip to the newer sibling.
      expect((await jump(root)).json()).toMatchObject({ activeLeafId: followUp, onActiveBranch: true });
      expect((await jump(sibling.id)).json()).toEqual({
        conversationId: id,
        messageId: sibling.id,
        activeLeafId: below.id,
        onActiveBranch: false,
      });
      expect((await jump(below.id)).json()).toMatchObject({ activeLeafId: below.id, onActiveBranch: false });

      const other = await jump(answer, bob);
      expect(other.statusCode).toBe(404);
      expect(other.json().error.code).toBe('message_not_found');
      expect((await jump('00000000-0000-7000-8000-000000000000')).statusCode).toBe(404);
      const garbage = await jump('nope'); // not a UUID: names nothing, like any unknown id
      expect(garbage.statusCode).toBe(404);
      expect(garbage.json().error.code).toBe('message_not_found');
    });
  });
});
