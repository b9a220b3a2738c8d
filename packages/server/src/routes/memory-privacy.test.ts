import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_USER_MEMORY_SETTINGS } from '../domain/memory.js';
import { createMemoryRecall } from '../memory/recall.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

const MODEL = 'ollama/llama3.2:latest';
/** A word only Bea's memories, documents and messages hold: it must never reach Ada. */
const SECRET = 'zephyrine';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Person = Awaited<ReturnType<typeof signup>> & { headers: Record<string, string>; avatarId: string };

/**
 * The ownership walk of memory and knowledge (issue 13 point 8): Bea has memories (her avatar's
 * own, shared ones, and ones of an avatar shared with the whole instance), documents and
 * messages. Ada, signed in on the same server, calls every memory and knowledge route with Bea's
 * ids and avatars: each answers 404, or answers without a trace of Bea's items — and Bea's items
 * are untouched afterwards.
 */
describeStorage('memory privacy: one user’s memory never reaches another (%s)', (mode) => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  let app: FastifyInstance;
  let bea: Person;
  let ada: Person;
  /** An avatar of Bea's that every user of the instance may chat with. */
  let guideId: string;
  const beaMemories: { id: string; content: string }[] = [];
  const beaDocuments: { avatarId: string; id: string }[] = [];

  const call = (who: Person, method: Method, url: string, payload?: object) =>
    app.inject({ method, url, headers: who.headers, ...(payload ? { payload } : {}) });

  async function person(email: string): Promise<Person> {
    const account = await signup(app, email);
    const headers = { ...CSRF, cookie: account.cookie };
    await app.inject({ method: 'PUT', url: '/api/settings', payload: { defaultModel: MODEL }, headers });
    const avatars = (await app.inject({ method: 'GET', url: '/api/avatars', headers })).json().avatars;
    return { ...account, headers, avatarId: avatars[0].id };
  }

  async function remember(who: Person, content: string, avatarId: string | null, pinned = false) {
    const res = await call(who, 'POST', '/api/memories', { content, kind: 'fact', avatarId, pinned });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().memory as { id: string; content: string };
  }

  async function upload(who: Person, avatarId: string, name: string, text: string) {
    const form = new FormData();
    form.append('file', new Blob([text], { type: 'text/plain' }), name);
    const request = new Request('http://x/', { method: 'POST', body: form });
    const res = await app.inject({
      method: 'POST',
      url: `/api/avatars/${avatarId}/documents`,
      headers: { ...who.headers, 'content-type': request.headers.get('content-type')! },
      payload: Buffer.from(await request.arrayBuffer()),
    });
    return res;
  }

  async function chat(who: Person, avatarId: string, content: string) {
    const created = await call(who, 'POST', '/api/conversations', { avatarId });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().conversation.id as string;
    const sent = await call(who, 'POST', `/api/conversations/${id}/messages`, { content });
    expect(sent.statusCode, sent.body).toBe(200);
    return id;
  }

  /** Neither a memory id, a document id nor the secret word of Bea's is anywhere in the text. */
  const expectNoTraceOfBea = (body: string) => {
    expect(body.toLowerCase()).not.toContain(SECRET);
    for (const memory of beaMemories) expect(body).not.toContain(memory.id);
    for (const document of beaDocuments) expect(body).not.toContain(document.id);
  };
  /** 404, or an answer that holds nothing of Bea's. */
  const expectHiddenOrEmpty = (res: { statusCode: number; body: string }) => {
    expect([200, 404], res.body).toContain(res.statusCode);
    expectNoTraceOfBea(res.body);
  };

  beforeAll(async () => {
    ollama = await new OllamaServer().listen();
    storage = await createTestStorage(mode);
    // No job queue: knowledge documents are indexed in this process.
    app = (
      await createTestApp(storage, {
        OLLAMA_BASE_URL: ollama.origin,
        LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000',
        CHAT_FLUSH_INTERVAL_MS: '50',
      })
    ).app;
    bea = await person('bea@example.org'); // the first account: the administrator
    ada = await person('ada@example.org');

    const guide = await call(bea, 'POST', '/api/avatars', {
      name: 'Guide',
      memory: { enabled: true, scope: 'shared' },
    });
    expect(guide.statusCode, guide.body).toBe(201);
    guideId = guide.json().avatar.id;
    await storage.db.execute(sql`update avatars set visibility = 'instance' where id = ${guideId}`);
    // Bea's own avatar sees the shared memories too.
    await call(bea, 'PATCH', `/api/avatars/${bea.avatarId}`, { memory: { enabled: true, scope: 'shared' } });

    beaMemories.push(
      await remember(bea, `My cat is called ${SECRET}`, bea.avatarId, true),
      await remember(bea, `I keep the ${SECRET} key under the mat`, null),
      await remember(bea, `My locker code at the ${SECRET} gym is 4417`, guideId, true),
    );
    for (const avatarId of [bea.avatarId, guideId]) {
      const res = await upload(bea, avatarId, 'plans.txt', `The ${SECRET} protocol: launch at dawn.`);
      expect(res.statusCode, res.body).toBe(201);
      beaDocuments.push({ avatarId, id: res.json().documents[0].id });
    }
    await chat(bea, bea.avatarId, `Remember: ${SECRET} is the password`);
    await chat(bea, guideId, `At the gym, ${SECRET} is my code name`);

    // Ada has her own memory, and talks with the avatar Bea shared.
    await remember(ada, 'I like green tea', null);
    await chat(ada, guideId, 'Hello Guide, what do you know?');
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    await ollama?.close();
  });

  it('lists, searches and filters only the caller’s memories', async () => {
    const own = await call(ada, 'GET', '/api/memories');
    expect(own.statusCode).toBe(200);
    expect(own.json().items.map((m: { content: string }) => m.content)).toEqual(['I like green tea']);
    for (const query of [
      `?q=${SECRET}`,
      '?history=true',
      '?pinned=true',
      '?avatarId=shared',
      `?avatarId=${guideId}`,
      `?visibleTo=${guideId}`,
      `?avatarId=${bea.avatarId}`,
      `?visibleTo=${bea.avatarId}`,
      `?avatarId=${bea.avatarId}&history=true`,
    ]) {
      const res = await call(ada, 'GET', `/api/memories${query}`);
      expectHiddenOrEmpty(res);
      if (res.statusCode === 200 && query.includes(bea.avatarId)) expect(res.json().items).toEqual([]);
    }
  });

  it('answers 404 for each of another user’s memories: get, edit, delete, history', async () => {
    for (const memory of beaMemories) {
      for (const [method, url, payload] of [
        ['GET', `/api/memories/${memory.id}`],
        ['PATCH', `/api/memories/${memory.id}`, { content: 'overwritten by Ada' }],
        ['PATCH', `/api/memories/${memory.id}`, { pinned: false }],
        ['DELETE', `/api/memories/${memory.id}`],
        ['GET', `/api/memories/${memory.id}/history`],
      ] as [Method, string, object?][]) {
        const res = await call(ada, method, url, payload);
        expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(404);
        expectNoTraceOfBea(res.body.replace(memory.id, ''));
      }
      // Untouched for Bea.
      const mine = await call(bea, 'GET', `/api/memories/${memory.id}`);
      expect(mine.statusCode).toBe(200);
      expect(mine.json().memory.content).toBe(memory.content);
    }
  });

  it('never writes into, or moves a memory to, another user’s private avatar', async () => {
    const into = await call(ada, 'POST', '/api/memories', {
      content: 'planted by Ada',
      kind: 'fact',
      avatarId: bea.avatarId,
    });
    expect(into.statusCode).toBe(404);
    const own = (await call(ada, 'GET', '/api/memories')).json().items[0];
    const moved = await call(ada, 'PATCH', `/api/memories/${own.id}`, { avatarId: bea.avatarId });
    expect(moved.statusCode).toBe(404);
    // What Ada writes for the avatar everyone may use stays Ada's: Bea never sees it.
    const forGuide = await remember(ada, 'Ada trains on Tuesdays', guideId);
    const beaSees = await call(bea, 'GET', `/api/memories?visibleTo=${guideId}&history=true`);
    expect(beaSees.statusCode).toBe(200);
    expect(beaSees.body).not.toContain(forGuide.id);
    expect((await call(bea, 'GET', `/api/memories/${forGuide.id}`)).statusCode).toBe(404);
  });

  it('exports only the caller’s memories', async () => {
    const res = await call(ada, 'GET', '/api/memories/export');
    expect(res.statusCode).toBe(200);
    const file = res.json() as { items: { content: string }[] };
    expect(file.items.length).toBeGreaterThan(0);
    expectNoTraceOfBea(res.body);
    const beas = (await call(bea, 'GET', '/api/memories/export'))
      .json()
      .items.map((m: { id: string }) => m.id);
    expect(beas).toEqual(expect.arrayContaining(beaMemories.map((m) => m.id)));
  });

  it('recalls nothing of another user’s, with her avatars or the one she shared (memory/recall.ts)', async () => {
    const { recall } = createMemoryRecall({
      db: storage.db,
      settingsFor: async () => DEFAULT_USER_MEMORY_SETTINGS,
    });
    // Bea's own recall finds her memory, document and message: the word is recallable.
    const hers = await recall(bea.user.id, { avatarId: guideId, query: SECRET, k: 20 });
    expect(new Set(hers.map((item) => item.type))).toEqual(new Set(['memory', 'document', 'message']));
    for (const avatarId of [guideId, ada.avatarId, bea.avatarId]) {
      const items = await recall(ada.user.id, { avatarId, query: SECRET, k: 20 });
      expectNoTraceOfBea(JSON.stringify(items));
    }
  });

  it('recalls nothing of another user’s through GET /api/memories/recall', async () => {
    const own = await call(bea, 'GET', `/api/memories/recall?avatarId=${guideId}&q=${SECRET}&k=20`);
    expect(own.statusCode, own.body).toBe(200);
    expect(own.body.toLowerCase()).toContain(SECRET);
    for (const avatarId of [guideId, ada.avatarId, bea.avatarId]) {
      expectHiddenOrEmpty(
        await call(ada, 'GET', `/api/memories/recall?avatarId=${avatarId}&q=${SECRET}&k=20`),
      );
    }
  });

  it('keeps another user’s documents out of reach: list, read, file, upload, delete', async () => {
    for (const document of beaDocuments) {
      const base = `/api/avatars/${document.avatarId}/documents`;
      for (const [method, url] of [
        ['GET', base],
        ['GET', `${base}/${document.id}`],
        ['GET', `${base}/${document.id}/file`],
        ['DELETE', `${base}/${document.id}`],
        // Bea's document id under Ada's own avatar.
        ['GET', `/api/avatars/${ada.avatarId}/documents/${document.id}`],
        ['GET', `/api/avatars/${ada.avatarId}/documents/${document.id}/file`],
        ['DELETE', `/api/avatars/${ada.avatarId}/documents/${document.id}`],
      ] as [Method, string][]) {
        const res = await call(ada, method, url);
        expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(404);
        expect(res.body.toLowerCase()).not.toContain(SECRET);
      }
      const uploaded = await upload(ada, document.avatarId, 'mine.txt', 'Ada’s notes.');
      expect(uploaded.statusCode, uploaded.body).toBe(404);
      const hers = await call(bea, 'GET', `${base}/${document.id}`);
      expect(hers.statusCode).toBe(200);
    }
    const own = await call(ada, 'GET', `/api/avatars/${ada.avatarId}/documents`);
    expect(own.statusCode).toBe(200);
    expectNoTraceOfBea(own.body);
  });

  it('never finds another user’s messages in search', async () => {
    const res = await call(ada, 'GET', `/api/search?q=${SECRET}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().hits).toEqual([]);
    expect((await call(bea, 'GET', `/api/search?q=${SECRET}`)).json().hits.length).toBeGreaterThan(0);
  });

  it('forgetting everything forgets only the caller’s memories', async () => {
    for (const query of [
      `?avatarId=${bea.avatarId}&confirm=true`,
      `?avatarId=${guideId}&confirm=true`,
      '?confirm=true',
    ]) {
      const res = await call(ada, 'DELETE', `/api/memories${query}`);
      expect([200, 404], res.body).toContain(res.statusCode);
    }
    expect((await call(ada, 'GET', '/api/memories?history=true')).json().items).toEqual([]);
    const beas = (await call(bea, 'GET', '/api/memories?history=true'))
      .json()
      .items.map((m: { id: string }) => m.id);
    expect(beas.sort()).toEqual(beaMemories.map((m) => m.id).sort());
  });
});
