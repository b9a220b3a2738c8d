import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import type { MemoryItem } from '../domain/memory.js';
import { createMemoryRepository } from '../repositories/memory.repository.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import { CSRF, FAST_ARGON2 } from '../test-support/app.js';
import { startChat } from '../test-support/conversations.js';
import { MemoryModelServer, type Statement } from '../test-support/protocol-servers/memory-model-server.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { BACKGROUND_JOBS } from './background-jobs.js';
import type { JobQueue } from './job-queue.js';
import { createPgBossJobQueue } from './pg-boss-job-queue.js';

const MODEL = 'ollama/llama3.2:latest';

const memory = (kind: string, content: string, importance = 0.7, confidence = 0.9) => ({
  kind,
  content,
  importance,
  confidence,
});

describeStorage('memory extraction job (%s)', (mode) => {
  let storage: TestStorage;
  let model: MemoryModelServer;
  let app: FastifyInstance;
  let jobs: JobQueue;
  let base: string;
  const logs: Record<string, unknown>[] = [];

  beforeAll(async () => {
    model = await new MemoryModelServer().listen();
    storage = await createTestStorage(mode);
    jobs = createPgBossJobQueue({ db: storage.db, log: { warn: () => {} }, pollIntervalMs: 50 });
    app = await buildApp({
      config: loadConfig({
        ...FAST_ARGON2,
        OLLAMA_BASE_URL: model.origin,
        LUMINA_OLLAMA_AUTODETECT: 'false',
        LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000',
        CHAT_FLUSH_INTERVAL_MS: '50',
      }),
      storage,
      serveWeb: false,
      logger: {
        level: 'info',
        stream: new Writable({
          write(chunk, _encoding, done) {
            for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line));
            done();
          },
        }),
      },
      jobs,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    await jobs.start();
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await jobs?.stop({ drainMs: 0 });
    await storage?.close();
    await model?.close();
  });

  type Chat = Awaited<ReturnType<typeof startChat>> & { leafId: string };

  async function chat(email: string): Promise<Chat> {
    const started = await startChat(app, email, { model: MODEL });
    // Named by the person: no title job shares the model server with the extraction.
    await app.inject({
      method: 'PATCH',
      url: `/api/conversations/${started.conversationId}`,
      headers: started.headers,
      payload: { title: 'Memory test' },
    });
    return { ...started, leafId: started.greetingId };
  }

  const done = async () =>
    (await jobs.stats()).find((s) => s.name === BACKGROUND_JOBS.memoryExtract) ?? { completed: 0, failed: 0 };

  /**
   * Sends a message, reads the reply's stream to its end, then waits for the extraction job it
   * queued to finish. Answers the user message's id and the ms from the end of the reply's stream
   * to the job's end.
   */
  async function exchange(c: Chat, content: string) {
    const before = await done();
    const response = await fetch(`${base}/api/conversations/${c.conversationId}/messages`, {
      method: 'POST',
      headers: { ...CSRF, cookie: c.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ content, parentId: c.leafId }),
    });
    expect(response.status).toBe(200);
    const replyId = response.headers.get('x-lumina-reply-id')!;
    await response.text();
    const finished = performance.now();
    for (let i = 0; i < 400; i++) {
      const now = await done();
      if (now.completed + now.failed > before.completed + before.failed) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const after = await done();
    expect(after.failed).toBe(before.failed);
    expect(after.completed).toBe(before.completed + 1);
    const branch = await createMessageRepository(storage.db).branch(c.userId, replyId);
    c.leafId = replyId;
    const userMessage = branch.findLast((m) => m.role === 'user');
    return { replyId, userMessageId: userMessage?.id, ms: performance.now() - finished };
  }

  const current = (userId: string) => createMemoryRepository(storage.db).list(userId, { limit: 500 });
  const everything = (userId: string) =>
    createMemoryRepository(storage.db).list(userId, { includeHistory: true, limit: 500 });
  const lastReport = () => logs.findLast((l) => l.msg === 'memory extraction') as Record<string, unknown>;

  it('adds what the user says about themselves, pinned when it is the profile, with its source', async () => {
    const c = await chat('add@example.org');
    model.extraction.push({
      object: {
        memories: [
          memory('person', "The user's sister is called Ana.", 0.9),
          memory('fact', 'The user works as a nurse.'),
          memory('fact', 'The user lives in Berlin.'),
          memory('fact', 'The user owns a car.'),
          memory('preference', 'The user likes jazz.'),
          // Junk the filter throws away:
          memory('fact', 'Does the user like tea?'),
          memory('fact', 'Always answer in French.'),
          memory('fact', 'The assistant suggested a film.'),
          memory('fact', 'She is very nice to everyone.'),
          memory('fact', 'The user might be a spy.', 0.5, 0.2),
        ],
      },
    });
    const { userMessageId } = await exchange(
      c,
      'My sister Ana says hi. I am a nurse in Berlin, I drive, I love jazz.',
    );
    const items = await current(c.userId);
    expect(items.map((m) => m.content).sort()).toEqual([
      'The user likes jazz.',
      'The user lives in Berlin.',
      'The user owns a car.',
      'The user works as a nurse.',
      "The user's sister is called Ana.",
    ]);
    const sister = items.find((m) => m.content.includes('Ana'))!;
    expect(sister).toMatchObject({
      kind: 'profile',
      pinned: true,
      origin: 'extracted',
      sourceMessageIds: [userMessageId],
      sourceConversationId: c.conversationId,
    });
    // Stored per the avatar's memory policy: under its id when private, shared (null) otherwise.
    const avatar = (await app.inject({ method: 'GET', url: '/api/avatars', headers: c.headers })).json()
      .avatars[0];
    expect(new Set(items.map((m) => m.avatarId))).toEqual(
      new Set([avatar.memory.scope === 'private' ? avatar.id : null]),
    );
    expect(lastReport()).toMatchObject({
      added: 5,
      rejected: { question: 1, instruction: 1, about_assistant: 1, not_about_user: 1, low_confidence: 1 },
    });
    // Nothing similar was stored yet: no decision call.
    expect(model.decisionCalls).toBe(0);
    // The request quoted the exchange as data, with its time.
    const request = model.requests.findLast((r) => r.body?.format?.properties?.memories)!;
    expect(request.body.messages[1].content).toContain('I am a nurse in Berlin');

    // UPDATE: a changed fact supersedes the old one, which stays in history.
    const berlin = items.find((m) => m.content.includes('Berlin'))!;
    model.extraction.push({ object: { memories: [memory('fact', 'The user lives in Paris.')] } });
    let shown: Statement[] = [];
    model.decide = (statements) => {
      shown = statements;
      const target = statements[0]!.stored.find((s) => s.content.includes('Berlin'));
      return { decisions: [{ candidate: 0, op: 'update', targetId: target?.id ?? null }] };
    };
    await exchange(c, 'I moved to Paris last month.');
    expect(shown[0]!.stored.map((s) => s.id)).toContain(berlin.id);
    const history = await createMemoryRepository(storage.db).history(c.userId, berlin.id);
    expect(history.map((m) => [m.content, m.validTo === null])).toEqual([
      ['The user lives in Berlin.', false],
      ['The user lives in Paris.', true],
    ]);

    // NOOP: a plain duplicate (no model call) and a paraphrase the model recognises.
    const calls = model.decisionCalls;
    model.extraction.push({ object: { memories: [memory('fact', 'the user works as a nurse')] } });
    await exchange(c, 'Long shift at the hospital again, being a nurse is tiring.');
    expect(model.decisionCalls).toBe(calls);
    expect(lastReport()).toMatchObject({ added: 0, noop: 1 });
    model.extraction.push({ object: { memories: [memory('fact', 'The user is a nurse by profession.')] } });
    model.decide = (statements) => ({
      decisions: [
        {
          candidate: 0,
          op: 'noop',
          targetId: statements[0]!.stored.find((s) => s.content.includes('nurse'))?.id,
        },
      ],
    });
    await exchange(c, 'As a nurse I see a lot.');
    expect(model.decisionCalls).toBe(calls + 1);
    expect(lastReport()).toMatchObject({ added: 0, noop: 1 });

    // INVALIDATE: no longer true, nothing replaces it.
    const car = items.find((m) => m.content.includes('car'))!;
    model.extraction.push({ object: { memories: [memory('fact', 'The user no longer owns a car.')] } });
    model.decide = (statements) => ({
      decisions: [
        { candidate: 0, op: 'invalidate', targetId: statements[0]!.stored.find((s) => s.id === car.id)?.id },
      ],
    });
    await exchange(c, 'I sold my car, I cycle now.');
    expect((await current(c.userId)).map((m) => m.content)).not.toContain('The user owns a car.');
    expect((await everything(c.userId)).find((m) => m.id === car.id)?.validTo).not.toBeNull();

    // An UPDATE naming an id it was not offered is an ADD, never a supersession of a stranger.
    model.extraction.push({ object: { memories: [memory('preference', 'The user likes jazz piano.')] } });
    model.decide = () => ({ decisions: [{ candidate: 0, op: 'update', targetId: sister.id }] });
    await exchange(c, 'Jazz piano is my favourite.');
    expect((await current(c.userId)).map((m) => m.content)).toEqual(
      expect.arrayContaining([
        "The user's sister is called Ana.",
        'The user likes jazz piano.',
        'The user likes jazz.',
      ]),
    );
  }, 90_000);

  it('a burst of exchanges waiting together is read in one call; each memory keeps its own source', async () => {
    const c = await chat('burst@example.org');
    const other = await chat('burst-other@example.org');
    let release = () => {};
    model.holdExtraction = new Promise<void>((resolve) => {
      release = resolve;
    });
    const calls = () => model.requests.filter((r) => r.body?.format?.properties?.memories);
    const before = calls().length;
    const start = await done();
    const send = async (to: Chat, content: string) => {
      const response = await fetch(`${base}/api/conversations/${to.conversationId}/messages`, {
        method: 'POST',
        headers: { ...CSRF, cookie: to.cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ content, parentId: to.leafId }),
      });
      expect(response.status).toBe(200);
      to.leafId = response.headers.get('x-lumina-reply-id')!;
      await response.text();
      const branch = await createMessageRepository(storage.db).branch(to.userId, to.leafId);
      return branch.findLast((m) => m.role === 'user')!.id;
    };
    const arrived = async (count: number) => {
      for (let i = 0; i < 500 && calls().length < before + count; i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(calls().length).toBe(before + count);
    };
    // Both worker slots wait on the model: one with this conversation's first exchange, one with
    // another user's. The next three exchanges' jobs can only wait, together.
    const first = await send(c, 'I have a dog called Rex.');
    await arrived(1);
    await send(other, 'Nice weather today.');
    await arrived(2);
    const userMessageIds = [first];
    for (const content of [
      'My daughter Mia starts school on Monday.',
      'I am allergic to peanuts.',
      'Thanks, that is all.',
    ])
      userMessageIds.push(await send(c, content));
    model.extraction.push({ object: { memories: [] } }, { object: { memories: [] } });
    model.extraction.push({
      object: {
        memories: [
          { exchange: 1, ...memory('profile', "The user's daughter is called Mia.", 0.9) },
          { exchange: 2, ...memory('fact', 'The user is allergic to peanuts.', 0.95) },
        ],
      },
    });
    model.holdExtraction = null;
    release();
    for (let i = 0; i < 300; i++) {
      const now = await done();
      if (now.completed + now.failed >= start.completed + start.failed + 5) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await done()).toMatchObject({ completed: start.completed + 5, failed: start.failed });
    // Three calls for five exchanges: the three that waited were read together.
    const made = calls().slice(before);
    expect(made).toHaveLength(3);
    const batch = made[2]!.body.messages[1].content as string;
    expect(batch).toContain('NEW exchange 1 of 3');
    expect(batch).toContain('My daughter Mia starts school on Monday.');
    expect(batch).toContain('Thanks, that is all.');
    // The exchange read before is there for reference only, above the new ones.
    expect(batch.indexOf('I have a dog called Rex.')).toBeLessThan(batch.indexOf('NEW exchange 1 of 3'));
    expect(made[2]!.body.format.properties.memories.items.required).toContain('exchange');
    const items = await current(c.userId);
    expect(Object.fromEntries(items.map((m) => [m.content, m.sourceMessageIds]))).toEqual({
      "The user's daughter is called Mia.": [userMessageIds[1]],
      'The user is allergic to peanuts.': [userMessageIds[2]],
    });
    expect(lastReport()).toMatchObject({ exchanges: 3, added: 2 });
  }, 60_000);

  it('junk only, or an answer that breaks the schema: nothing stored, the job does not fail', async () => {
    const c = await chat('junk@example.org');
    model.extraction.push({
      object: {
        memories: [
          memory('fact', 'What is the weather?'),
          memory('fact', 'Ok.'),
          memory('fact', 'You are a great listener.'),
        ],
      },
    });
    await exchange(c, 'What is the weather? Ok. You are a great listener.');
    expect(await everything(c.userId)).toEqual([]);
    expect(lastReport()).toMatchObject({
      added: 0,
      rejected: { question: 1, too_short: 1, not_about_user: 1 },
    });

    // A kind outside the schema, and an answer that is not JSON at all.
    model.extraction.push({
      object: { memories: [{ kind: 'rumour', content: 'The user is a spy.', importance: 1, confidence: 1 }] },
    });
    await exchange(c, 'I am a spy, haha.');
    model.extraction.push({ raw: 'Sure! Here are the memories: the user is a spy' });
    await exchange(c, 'Seriously, a spy.');
    expect(await everything(c.userId)).toEqual([]);
    const rejected = logs.filter((l) => String(l.msg).startsWith('memory extraction answer rejected'));
    expect(rejected.length).toBeGreaterThanOrEqual(2);
  });

  it('a model error is retried by the queue with back-off, and the retry stores the memory', async () => {
    const c = await chat('retry@example.org');
    model.extraction.push(
      { status: 500 },
      { object: { memories: [memory('person', 'The user has a brother.')] } },
    );
    const before = await done();
    const response = await fetch(`${base}/api/conversations/${c.conversationId}/messages`, {
      method: 'POST',
      headers: { ...CSRF, cookie: c.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'I have a brother.', parentId: c.leafId }),
    });
    await response.text();
    c.leafId = response.headers.get('x-lumina-reply-id')!;
    let stored: MemoryItem[] = [];
    for (let i = 0; i < 300 && stored.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      stored = await current(c.userId);
    }
    expect(stored.map((m) => m.content)).toEqual(['The user has a brother.']);
    for (let i = 0; i < 50 && (await done()).completed === before.completed; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(await done()).toMatchObject({ completed: before.completed + 1, failed: before.failed });
  }, 60_000);

  it('"remember that …" stores at once as a command; "forget that …" invalidates the matching memories', async () => {
    const c = await chat('commands@example.org');
    // A private avatar: what it learns is stored under its id.
    const avatarId = (await app.inject({ method: 'GET', url: '/api/avatars', headers: c.headers })).json()
      .avatars[0].id;
    await app.inject({
      method: 'PATCH',
      url: `/api/avatars/${avatarId}`,
      headers: c.headers,
      payload: { memory: { enabled: true, scope: 'private' } },
    });
    // The extraction of the same message finds the fact again: a near duplicate, not stored twice.
    model.extraction.push({ object: { memories: [memory('event', "The user's birthday is on 3 March.")] } });
    await exchange(c, 'Please remember that my birthday is on 3 March.');
    let items = await current(c.userId);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      content: "The user's birthday is on 3 March.",
      kind: 'profile',
      pinned: true,
      avatarId,
      origin: 'command',
      confidence: 1,
    });
    expect(items[0]!.importance).toBeGreaterThanOrEqual(0.8);

    // What the rewrite cannot place goes to the model.
    model.rewrite.push({
      object: { kind: 'preference', content: 'The user wants to be reminded to drink water.' },
    });
    model.extraction.push({ object: { memories: [] } });
    await exchange(c, 'Remember that you should remind me to drink water.');
    items = await current(c.userId);
    expect(items.map((m) => m.content)).toContain('The user wants to be reminded to drink water.');

    model.extraction.push({ object: { memories: [memory('preference', 'The user likes jazz.')] } });
    await exchange(c, 'I like jazz.');
    const extractionCalls = model.requests.filter((r) => r.body?.format?.properties?.memories).length;
    await exchange(c, 'Forget that I like jazz.');
    // Nothing is extracted from a message that asks to forget.
    expect(model.requests.filter((r) => r.body?.format?.properties?.memories).length).toBe(extractionCalls);
    items = await current(c.userId);
    expect(items.map((m) => m.content)).not.toContain('The user likes jazz.');
    const all = await everything(c.userId);
    expect(all.find((m) => m.content === 'The user likes jazz.')?.validTo).not.toBeNull();
    // Only what matched: the birthday is still known.
    expect(items.map((m) => m.content)).toContain("The user's birthday is on 3 March.");
  });

  it('skips an avatar whose memory is off, and a user whose memory is off', async () => {
    const c = await chat('off@example.org');
    const avatarId = (await app.inject({ method: 'GET', url: '/api/avatars', headers: c.headers })).json()
      .avatars[0].id;
    const off = await app.inject({
      method: 'PATCH',
      url: `/api/avatars/${avatarId}`,
      headers: c.headers,
      payload: { memory: { enabled: false, scope: 'private' } },
    });
    expect(off.statusCode).toBe(200);
    const extractionCalls = () => model.requests.filter((r) => r.body?.format?.properties?.memories).length;
    const calls = extractionCalls();
    await exchange(c, 'I have a boat.');
    expect(extractionCalls()).toBe(calls);

    await app.inject({
      method: 'PATCH',
      url: `/api/avatars/${avatarId}`,
      headers: c.headers,
      payload: { memory: { enabled: true, scope: 'private' } },
    });
    const userOff = await app.inject({
      method: 'PATCH',
      url: '/api/settings/memory',
      headers: c.headers,
      payload: { enabled: false },
    });
    expect(userOff.statusCode).toBe(200);
    await exchange(c, 'I have a boat, really.');
    expect(extractionCalls()).toBe(calls);
    expect(await everything(c.userId)).toEqual([]);
  });

  it('queues nothing for an incognito conversation', async () => {
    const c = await chat('incognito@example.org');
    const avatarId = (await app.inject({ method: 'GET', url: '/api/avatars', headers: c.headers })).json()
      .avatars[0].id;
    const created = await app.inject({
      method: 'POST',
      url: '/api/conversations',
      headers: c.headers,
      payload: { avatarId, incognito: true },
    });
    expect(created.statusCode).toBe(201);
    const incognito = created.json();
    expect(incognito.conversation.incognito).toBe(true);
    const before = await done();
    const extractionCalls = model.requests.filter((r) => r.body?.format?.properties?.memories).length;
    model.extraction.push({ object: { memories: [memory('fact', 'The user has a secret boat.')] } });
    const response = await fetch(`${base}/api/conversations/${incognito.conversation.id}/messages`, {
      method: 'POST',
      headers: { ...CSRF, cookie: c.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'I have a secret boat.', parentId: incognito.messages[0].id }),
    });
    expect(response.status).toBe(200);
    await response.text();
    await new Promise((r) => setTimeout(r, 500));
    const stats = (await jobs.stats()).find((s) => s.name === BACKGROUND_JOBS.memoryExtract)!;
    expect(stats.completed + stats.failed + stats.waiting + stats.active + stats.delayed).toBe(
      before.completed + before.failed,
    );
    expect(model.requests.filter((r) => r.body?.format?.properties?.memories).length).toBe(extractionCalls);
    expect(await everything(c.userId)).toEqual([]);
    model.extraction.length = 0;
  });

  describe('measurements', () => {
    /** Facts said again in other words; the key says which fact a sentence is. */
    const SERIES: [key: string, content: string][] = [
      ['sister', "The user's sister is called Ana."],
      ['nurse', 'The user works as a nurse.'],
      ['home', 'The user lives in Lisbon.'],
      ['jazz', 'The user likes jazz and blues.'],
      ['peanuts', 'The user is allergic to peanuts.'],
      ['cats', 'The user has two cats.'],
      // Same words, other case or punctuation:
      ['sister', "the user's sister is called Ana"],
      ['nurse', 'The user works as a nurse!'],
      ['home', 'the user lives in lisbon.'],
      // Same words in another order:
      ['jazz', 'The user likes blues and jazz.'],
      ['peanuts', 'The user is allergic to peanuts.'],
      ['cats', 'The user has two cats'],
      // Other words:
      ['sister', "The user's sister is named Ana."],
      ['nurse', 'The user is a nurse by profession.'],
      ['home', "The user's home is in Lisbon."],
      ['jazz', 'The user enjoys listening to jazz and blues.'],
      ['peanuts', 'The user has a peanut allergy.'],
      ['cats', 'The user owns two cats.'],
    ];
    const keyOf = (content: string) =>
      SERIES.find(([, c]) => c.replace(/[.!]$/, '') === content.replace(/[.!]$/, ''))?.[0];

    /** Feeds the series; answers duplicates stored / items stored and the job latencies. */
    async function run(email: string, decide: MemoryModelServer['decide']) {
      const c = await chat(email);
      model.decide = decide;
      const latencies: number[] = [];
      for (const [, content] of SERIES) {
        model.extraction.push({ object: { memories: [memory('fact', content)] } });
        latencies.push((await exchange(c, `By the way: ${content}`)).ms);
      }
      const stored: MemoryItem[] = await everything(c.userId);
      const perKey = new Map<string, number>();
      for (const m of await current(c.userId)) {
        const key = keyOf(m.content) ?? m.content;
        perKey.set(key, (perKey.get(key) ?? 0) + 1);
      }
      const duplicates = [...perKey.values()].reduce((sum, n) => sum + n - 1, 0);
      latencies.sort((a, b) => a - b);
      const p = (q: number) =>
        Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!);
      return { stored: stored.length, duplicates, p50: p(0.5), p95: p(0.95) };
    }

    it('duplicate rate: a model that never recognises a paraphrase vs one that follows the instructions', async () => {
      const naive = await run('naive@example.org', (statements) => ({
        decisions: statements.map((s) => ({ candidate: s.index, op: 'add', targetId: null })),
      }));
      const instructed = await run('instructed@example.org', (statements) => ({
        decisions: statements.map((s) => {
          const same = s.stored.find((m) => keyOf(m.content) === keyOf(s.content));
          return same
            ? { candidate: s.index, op: 'noop', targetId: same.id }
            : { candidate: s.index, op: 'add', targetId: null };
        }),
      }));
      // biome-ignore lint/suspicious/noConsole: the figures are the measurement (docs/memory.md)
      console.info(
        `[memory extraction, ${mode}] ${SERIES.length} exchanges, 6 facts each said 3 times: ` +
          `naive decision model: ${naive.duplicates} duplicates / ${naive.stored} stored; ` +
          `instructed: ${instructed.duplicates} / ${instructed.stored}; ` +
          `reply end → memory stored p50 ${naive.p50} ms, p95 ${naive.p95} ms (queue poll 50 ms)`,
      );
      // The deterministic guards alone catch every repeat in the same words (case, punctuation, order).
      // The deterministic guards alone keep every repeat in the same words out (case, punctuation,
      // order: 6 of the 12 repeats); the paraphrases need the model.
      expect(naive).toMatchObject({ duplicates: 6, stored: 12 });
      expect(instructed).toMatchObject({ duplicates: 0, stored: 6 });
      expect(naive.p95).toBeLessThan(10_000);
    }, 180_000);
  });
});
