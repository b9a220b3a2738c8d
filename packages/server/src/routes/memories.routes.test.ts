import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryRows } from '../db/database.js';
import { MEMORY_LIMITS } from '../domain/memory.js';
import { createMemoryRepository, type NewMemory } from '../repositories/memory.repository.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

type Account = { userId: string; headers: Record<string, string> };

describeStorage('memories API (%s)', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let ada: Account;
  let eve: Account;

  const account = async (email: string): Promise<Account> => {
    const { user, cookie } = await signup(app, email);
    return { userId: user.id, headers: { ...CSRF, cookie } };
  };
  const call = (
    as: Account,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT',
    url: string,
    payload?: object,
  ) => app.inject({ method, url, headers: as.headers, ...(payload ? { payload } : {}) });
  const avatar = async (as: Account, name: string, extra: object = {}) => {
    const res = await call(as, 'POST', '/api/avatars', { name, ...extra });
    expect(res.statusCode).toBe(201);
    return res.json().avatar.id as string;
  };
  const remember = async (as: Account, body: object) => {
    const res = await call(as, 'POST', '/api/memories', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json().memory as { id: string; [key: string]: unknown };
  };
  const stored = (ownerId: string, content: string, extra: Partial<NewMemory> = {}): NewMemory => ({
    ownerId,
    avatarId: null,
    kind: 'fact',
    content,
    importance: 0.5,
    confidence: 0.8,
    origin: 'extracted',
    sourceMessageIds: [],
    sourceConversationId: null,
    pinned: false,
    ...extra,
  });

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    app = (await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' })).app;
    ada = await account('ada@example.org');
    eve = await account('eve@example.org');
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  it('writes a memory by hand: trimmed, manual, sure, current', async () => {
    const nova = await avatar(ada, 'Nova');
    const memory = await remember(ada, {
      content: '  Ada is allergic to peanuts  ',
      kind: 'fact',
      avatarId: nova,
      importance: 0.9,
      pinned: true,
    });
    expect(memory).toMatchObject({
      content: 'Ada is allergic to peanuts',
      kind: 'fact',
      avatarId: nova,
      importance: 0.9,
      confidence: 1,
      origin: 'manual',
      pinned: true,
      sourceMessageIds: [],
      validTo: null,
      supersededBy: null,
      embeddingModel: null,
      current: true,
    });
    expect(memory).not.toHaveProperty('ownerId');
    expect(new Date(memory.createdAt as string).toISOString()).toBe(memory.createdAt);

    const read = await call(ada, 'GET', `/api/memories/${memory.id}`);
    expect(read.json().memory).toEqual(memory);
    const shared = await remember(ada, { content: 'Ada likes hiking', kind: 'preference' });
    expect(shared.avatarId).toBeNull();
    expect(shared.importance).toBe(0.5);
  });

  it('refuses bad input with stable codes', async () => {
    const bad = async (body: object, status = 400, code = 'invalid_request') => {
      const res = await call(ada, 'POST', '/api/memories', body);
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().error.code).toBe(code);
      return res.json().error;
    };
    await bad({ content: '   ', kind: 'fact' });
    await bad({ content: 'x'.repeat(MEMORY_LIMITS.contentChars + 1), kind: 'fact' });
    await bad({ content: 'fine', kind: 'gossip' });
    await bad({ content: 'fine', kind: 'fact', importance: 1.5 });
    await bad({ content: 'fine', kind: 'fact', avatarId: 'nova' });
    const nul = await bad({ content: 'a\u0000b', kind: 'fact' });
    expect(nul.message).toMatch(/U\+0000/);
    expect(nul.details.issues[0].path).toMatch(/content/);
    // Exactly the limit is fine.
    await remember(ada, { content: 'y'.repeat(MEMORY_LIMITS.contentChars), kind: 'fact' });

    // Another person's private avatar does not exist for Ada; one shared with everyone does.
    const evesOwn = await avatar(eve, 'Eve’s own');
    await bad({ content: 'fine', kind: 'fact', avatarId: evesOwn }, 404, 'avatar_not_found');
    const evesPublic = await avatar(eve, 'Public', { visibility: 'instance' });
    const onPublic = await remember(ada, {
      content: 'Talks to Public on Sundays',
      kind: 'event',
      avatarId: evesPublic,
    });
    expect(onPublic.avatarId).toBe(evesPublic);
    // …and Eve never sees Ada's memory about her avatar.
    expect((await call(eve, 'GET', `/api/memories?avatarId=${evesPublic}`)).json().items).toEqual([]);

    const malformed = await call(ada, 'GET', '/api/memories/not-an-id');
    expect(malformed.statusCode).toBe(404);
    expect(malformed.json().error.code).toBe('memory_not_found');
    const badQuery = await call(ada, 'GET', '/api/memories?limit=0');
    expect(badQuery.statusCode).toBe(400);
  });

  it('keeps every memory its owner’s: another person gets 404 on every route', async () => {
    const secret = await remember(ada, { content: 'Ada’s secret: she hums while coding', kind: 'fact' });
    for (const [method, url, body] of [
      ['GET', `/api/memories/${secret.id}`],
      ['PATCH', `/api/memories/${secret.id}`, { pinned: true }],
      ['DELETE', `/api/memories/${secret.id}`],
      ['GET', `/api/memories/${secret.id}/history`],
    ] as const) {
      const res = await call(eve, method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().error.code).toBe('memory_not_found');
    }
    const list = await call(eve, 'GET', '/api/memories?q=secret');
    expect(list.json().items).toEqual([]);
    const exported = await call(eve, 'GET', '/api/memories/export');
    expect(exported.body).not.toContain('hums');
    const forgot = await call(eve, 'DELETE', '/api/memories?confirm=true');
    expect(forgot.statusCode).toBe(200);
    expect((await call(ada, 'GET', `/api/memories/${secret.id}`)).json().memory.pinned).toBe(false);
  });

  it('lists with filters and pages with a cursor', async () => {
    const sam = await account('sam@example.org');
    const orion = await avatar(sam, 'Orion', { memory: { enabled: true, scope: 'private' } });
    const lyra = await avatar(sam, 'Lyra', { memory: { enabled: true, scope: 'shared' } });
    const tea = await remember(sam, { content: 'Sam prefers green tea', kind: 'preference' });
    const city = await remember(sam, { content: 'Sam lives in Porto', kind: 'fact', avatarId: orion });
    const name = await remember(sam, {
      content: 'Sam likes to be called Sammy',
      kind: 'profile',
      pinned: true,
    });
    const ids = async (query: string) =>
      ((await call(sam, 'GET', `/api/memories${query}`)).json().items as { id: string }[]).map((i) => i.id);

    expect(await ids('')).toEqual([name.id, city.id, tea.id]);
    expect(await ids(`?avatarId=${orion}`)).toEqual([city.id]);
    expect(await ids('?avatarId=shared')).toEqual([name.id, tea.id]);
    expect(await ids(`?visibleTo=${orion}`)).toEqual([city.id]);
    expect(await ids(`?visibleTo=${lyra}`)).toEqual([name.id, tea.id]);
    expect(await ids('?kind=preference')).toEqual([tea.id]);
    expect(await ids('?pinned=true')).toEqual([name.id]);
    expect(await ids('?pinned=false')).toEqual([city.id, tea.id]);
    expect(await ids('?q=port')).toEqual([city.id]);
    expect(await ids('?q=green%20tea')).toEqual([tea.id]);

    const first = (await call(sam, 'GET', '/api/memories?limit=2')).json();
    expect(first.items.map((i: { id: string }) => i.id)).toEqual([name.id, city.id]);
    expect(first.nextCursor).toBe(city.id);
    const second = (await call(sam, 'GET', `/api/memories?limit=2&before=${first.nextCursor}`)).json();
    expect(second.items.map((i: { id: string }) => i.id)).toEqual([tea.id]);
    expect(second.nextCursor).toBeNull();

    const foreign = await avatar(ada, 'Not Sam’s');
    expect((await call(sam, 'GET', `/api/memories?visibleTo=${foreign}`)).statusCode).toBe(404);
  });

  it('edits a current memory; a new text drops the vector; history is not editable', async () => {
    const repo = createMemoryRepository(storage.db);
    const memory = await remember(ada, { content: 'Ada drinks coffee', kind: 'preference' });
    await repo.setEmbedding(ada.userId, memory.id, 'ollama/nomic-embed-text', [1, 0]);
    const pinned = await call(ada, 'PATCH', `/api/memories/${memory.id}`, { pinned: true, importance: 0.8 });
    expect(pinned.json().memory).toMatchObject({
      pinned: true,
      importance: 0.8,
      embeddingModel: 'ollama/nomic-embed-text',
    });
    const edited = await call(ada, 'PATCH', `/api/memories/${memory.id}`, { content: ' Ada drinks decaf ' });
    expect(edited.json().memory).toMatchObject({ content: 'Ada drinks decaf', embeddingModel: null });
    const nova = await avatar(ada, 'Nova two');
    const moved = await call(ada, 'PATCH', `/api/memories/${memory.id}`, { avatarId: nova });
    expect(moved.json().memory.avatarId).toBe(nova);
    const back = await call(ada, 'PATCH', `/api/memories/${memory.id}`, { avatarId: null });
    expect(back.json().memory.avatarId).toBeNull();
    expect((await call(ada, 'PATCH', `/api/memories/${memory.id}`, { content: '' })).statusCode).toBe(400);

    await repo.invalidate(ada.userId, memory.id);
    const late = await call(ada, 'PATCH', `/api/memories/${memory.id}`, { pinned: false });
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe('memory_not_current');
    expect((await call(ada, 'GET', `/api/memories/${memory.id}`)).json().memory.current).toBe(false);
  });

  it('shows the history of a superseded fact, oldest first', async () => {
    const repo = createMemoryRepository(storage.db);
    const first = await remember(ada, { content: 'Ada works at Acme', kind: 'fact' });
    const second = await repo.supersede(ada.userId, first.id, stored(ada.userId, 'Ada works at Globex'));
    const third = await repo.supersede(ada.userId, second!.id, stored(ada.userId, 'Ada works at Initech'));

    for (const id of [first.id, second!.id, third!.id]) {
      const res = await call(ada, 'GET', `/api/memories/${id}/history`);
      expect(res.statusCode).toBe(200);
      const items = res.json().items as { id: string; current: boolean; supersededBy: string | null }[];
      expect(items.map((i) => [i.id, i.current, i.supersededBy])).toEqual([
        [first.id, false, second!.id],
        [second!.id, false, third!.id],
        [third!.id, true, null],
      ]);
    }
    const current = (await call(ada, 'GET', '/api/memories?q=works')).json().items;
    expect(current.map((i: { id: string }) => i.id)).toEqual([third!.id]);
    const all = (await call(ada, 'GET', '/api/memories?q=works&history=true')).json().items;
    expect(all.map((i: { id: string }) => i.id)).toEqual([third!.id, second!.id, first.id]);
  });

  it('deletes one memory for good', async () => {
    const memory = await remember(ada, { content: 'Ada owns a kayak', kind: 'fact' });
    const res = await call(ada, 'DELETE', `/api/memories/${memory.id}`);
    expect(res.statusCode).toBe(204);
    expect((await call(ada, 'GET', `/api/memories/${memory.id}`)).statusCode).toBe(404);
    expect((await call(ada, 'GET', '/api/memories?q=kayak&history=true')).json().items).toEqual([]);
    expect((await call(ada, 'DELETE', `/api/memories/${memory.id}`)).statusCode).toBe(404);
  });

  it('forgets one avatar’s memories or all of them, only when confirmed', async () => {
    const kim = await account('kim@example.org');
    const orion = await avatar(kim, 'Orion');
    const lyra = await avatar(kim, 'Lyra');
    await remember(kim, { content: 'Kim told Orion about a trip', kind: 'event', avatarId: orion });
    await remember(kim, { content: 'Kim told Orion a secret', kind: 'fact', avatarId: orion });
    await remember(kim, { content: 'Kim told Lyra about work', kind: 'fact', avatarId: lyra });
    await remember(kim, { content: 'Kim is called Kim', kind: 'profile' });
    const adaBefore = (await call(ada, 'GET', '/api/memories?limit=200&history=true')).json().items.length;

    const unconfirmed = await call(kim, 'DELETE', `/api/memories?avatarId=${orion}`);
    expect(unconfirmed.statusCode).toBe(400);
    expect(unconfirmed.json().error.code).toBe('confirmation_required');
    expect((await call(kim, 'DELETE', '/api/memories?confirm=false')).statusCode).toBe(400);

    const one = await call(kim, 'DELETE', `/api/memories?avatarId=${orion}&confirm=true`);
    expect(one.json()).toEqual({ deleted: 2 });
    const left = (await call(kim, 'GET', '/api/memories'))
      .json()
      .items.map((i: { content: string }) => i.content);
    expect(left.sort()).toEqual(['Kim is called Kim', 'Kim told Lyra about work']);

    const notTheirs = await call(
      kim,
      'DELETE',
      `/api/memories?avatarId=${await avatar(ada, 'Ada’s')}&confirm=true`,
    );
    expect(notTheirs.statusCode).toBe(404);

    const all = await app.inject({
      method: 'DELETE',
      url: '/api/memories',
      headers: kim.headers,
      payload: { confirm: true },
    });
    expect(all.json()).toEqual({ deleted: 2 });
    expect((await call(kim, 'GET', '/api/memories?history=true')).json().items).toEqual([]);
    expect((await call(ada, 'GET', '/api/memories?limit=200&history=true')).json().items.length).toBe(
      adaBefore,
    );
  });

  it('exports every memory, history included, as a JSON download', async () => {
    const lee = await account('lee@example.org');
    const repo = createMemoryRepository(storage.db);
    const old = await remember(lee, { content: 'Lee lives in Oslo', kind: 'fact' });
    const moved = await repo.supersede(lee.userId, old.id, stored(lee.userId, 'Lee lives in Bergen'));
    const pinned = await remember(lee, { content: 'Lee’s birthday is 3 May', kind: 'profile', pinned: true });

    const res = await call(lee, 'GET', '/api/memories/export');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="lumina-memories-\d{4}-\d{2}-\d{2}\.json"$/,
    );
    const file = res.json();
    expect(file).toMatchObject({ format: 'lumina-memories', version: 1 });
    expect(Date.parse(file.exportedAt)).not.toBeNaN();
    expect(file.items.map((i: { id: string }) => i.id)).toEqual([pinned.id, moved!.id, old.id]);
    expect(file.items[2]).toMatchObject({
      content: 'Lee lives in Oslo',
      current: false,
      supersededBy: moved!.id,
    });
    expect(file.items[0]).not.toHaveProperty('ownerId');

    const empty = (await call(await account('new@example.org'), 'GET', '/api/memories/export')).json();
    expect(empty.items).toEqual([]);
  });

  it('exports more memories than one page holds, each exactly once, as valid JSON', async () => {
    const max = await account('max@example.org');
    await queryRows(
      storage.db,
      sql`insert into memories (id, owner_id, kind, content, origin)
          select gen_random_uuid(), ${max.userId}, 'fact', 'Fact number ' || n, 'imported'
          from generate_series(1, 2345) as n`,
    );
    const res = await call(max, 'GET', '/api/memories/export');
    const items = res.json().items as { id: string; content: string }[];
    expect(items).toHaveLength(2345);
    expect(new Set(items.map((i) => i.id)).size).toBe(2345);
    expect(new Set(items.map((i) => i.content)).has('Fact number 1')).toBe(true);
    expect(items.map((i) => i.id)).toEqual(
      items
        .map((i) => i.id)
        .sort()
        .reverse(),
    );
  });

  it('reads and changes the memory settings, kept apart from the other settings', async () => {
    const kit = await account('kit@example.org');
    const initial = await call(kit, 'GET', '/api/settings/memory');
    expect(initial.json()).toEqual({
      enabled: true,
      extractionModel: null,
      embeddingModel: null,
      recallMessages: true,
    });
    const changed = await call(kit, 'PATCH', '/api/settings/memory', {
      embeddingModel: 'ollama/nomic-embed-text',
      recallMessages: false,
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toEqual({
      enabled: true,
      extractionModel: null,
      embeddingModel: 'ollama/nomic-embed-text',
      recallMessages: false,
    });
    for (const bad of ['nomic-embed-text', '/model', 'ollama/', 'ollama /x', 'a/b '.repeat(100)]) {
      const res = await call(kit, 'PATCH', '/api/settings/memory', { extractionModel: bad });
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error.code).toBe('invalid_request');
    }
    // A model name with a slash of its own is fine.
    const nested = await call(kit, 'PATCH', '/api/settings/memory', {
      extractionModel: 'openrouter/meta-llama/llama-3.1-8b',
    });
    expect(nested.json().extractionModel).toBe('openrouter/meta-llama/llama-3.1-8b');

    // Changing the other settings keeps the memory settings, and the other way round.
    await call(kit, 'PUT', '/api/settings', { localOnly: true });
    expect((await call(kit, 'GET', '/api/settings/memory')).json().embeddingModel).toBe(
      'ollama/nomic-embed-text',
    );
    await call(kit, 'PATCH', '/api/settings/memory', { enabled: false });
    const all = (await call(kit, 'GET', '/api/settings')).json().settings;
    expect(all.localOnly).toBe(true);
    expect(all.memory).toMatchObject({ enabled: false, embeddingModel: 'ollama/nomic-embed-text' });
    // Another user's settings are their own.
    expect((await call(ada, 'GET', '/api/settings/memory')).json().embeddingModel).toBeNull();
  });
});
