import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryRows } from '../db/database.js';
import { DEFAULT_USER_MEMORY_SETTINGS } from '../domain/memory.js';
import { createMemoryRecall } from '../memory/recall.js';
import { createEmbeddingRepository } from '../repositories/embedding.repository.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

const MODEL = 'ollama/llama3.2:latest';

/**
 * Incognito conversations through the API (docs/memory.md, "Incognito"): chosen at creation and
 * never changed, answered like any other, but in no list, search, statistics or export, and gone
 * when their owner signs out.
 */
describeStorage('incognito conversations (%s)', (mode) => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  let app: FastifyInstance;

  beforeAll(async () => {
    ollama = await new OllamaServer().listen();
    storage = await createTestStorage(mode);
    app = (
      await createTestApp(storage, {
        OLLAMA_BASE_URL: ollama.origin,
        LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000',
        CHAT_FLUSH_INTERVAL_MS: '50',
      })
    ).app;
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    await ollama?.close();
  });

  /** A signed-in user with the default model set and their first avatar. */
  async function person(email: string) {
    const account = await signup(app, email);
    const headers = { ...CSRF, cookie: account.cookie };
    await app.inject({ method: 'PUT', url: '/api/settings', payload: { defaultModel: MODEL }, headers });
    const avatarId = (await app.inject({ method: 'GET', url: '/api/avatars', headers })).json().avatars[0]
      .id as string;
    const start = async (payload: object = {}) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/conversations',
        headers,
        payload: { avatarId, ...payload },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().conversation as { id: string; incognito: boolean };
    };
    const say = async (conversationId: string, content: string, attachments?: string[]) => {
      const res = await app.inject({
        method: 'POST',
        url: `/api/conversations/${conversationId}/messages`,
        headers,
        payload: { content, ...(attachments ? { attachments } : {}) },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.body).toContain('event: finish');
    };
    const get = (url: string) => app.inject({ method: 'GET', url, headers });
    const attach = async (name: string, text: string) => {
      const form = new FormData();
      form.append('file', new Blob([text], { type: 'text/markdown' }), name);
      const request = new Request('http://x/', { method: 'POST', body: form });
      const res = await app.inject({
        method: 'POST',
        url: '/api/attachments',
        headers: { ...headers, 'content-type': request.headers.get('content-type')! },
        payload: Buffer.from(await request.arrayBuffer()),
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().attachment.id as string;
    };
    return { ...account, headers, avatarId, start, say, get, attach };
  }

  const fileExists = async (id: string) =>
    (await queryRows(storage.db, sql`select 1 from files where id = ${id}`)).length === 1;
  const conversationExists = async (id: string) =>
    (await queryRows(storage.db, sql`select 1 from conversations where id = ${id}`)).length === 1;
  const messagesOf = async (id: string) =>
    (
      await queryRows<{ n: number }>(
        storage.db,
        sql`select count(*)::int as n from messages where conversation_id = ${id}`,
      )
    )[0]!.n;

  it('is chosen at creation, answered like any chat, and never changed afterwards', async () => {
    const ada = await person('ada@example.org');
    const plain = await ada.start();
    const secret = await ada.start({ incognito: true });
    expect(plain.incognito).toBe(false);
    expect(secret.incognito).toBe(true);
    await ada.say(secret.id, 'remember the lighthouse');
    const shown = await ada.get(`/api/conversations/${secret.id}/messages`);
    expect(shown.json().conversation.incognito).toBe(true);
    expect(shown.json().messages.map((m: { role: string }) => m.role)).toEqual([
      'assistant',
      'user',
      'assistant',
    ]);

    const patch = (id: string, payload: object) =>
      app.inject({ method: 'PATCH', url: `/api/conversations/${id}`, headers: ada.headers, payload });
    const off = await patch(secret.id, { incognito: false });
    expect(off.statusCode).toBe(400);
    expect(off.json().error.code).toBe('incognito_permanent');
    const on = await patch(plain.id, { incognito: true });
    expect(on.statusCode).toBe(400);
    expect(on.json().error.code).toBe('incognito_permanent');
    // Its own value is no change; other fields still change.
    const same = await patch(secret.id, { incognito: true, title: 'Lighthouse' });
    expect(same.statusCode, same.body).toBe(200);
    expect(same.json().conversation).toMatchObject({ incognito: true, title: 'Lighthouse' });
    expect((await ada.get(`/api/conversations/${plain.id}`)).json().conversation.incognito).toBe(false);
  });

  it('is in no list, search, statistics or export, and a branch of it is incognito too', async () => {
    const bea = await person('bea@example.org');
    const plain = await bea.start({ title: 'Quokka plans' });
    const secret = await bea.start({ title: 'Quokka secrets', incognito: true });
    await bea.say(plain.id, 'the quokka visits tuesday');
    await bea.say(secret.id, 'the quokka hides the key');

    const listed = (await bea.get('/api/conversations'))
      .json()
      .conversations.map((c: { id: string }) => c.id);
    expect(listed).toContain(plain.id);
    expect(listed).not.toContain(secret.id);
    const byTitle = (await bea.get('/api/conversations?q=quokka')).json().conversations;
    expect(byTitle.map((c: { id: string }) => c.id)).toEqual([plain.id]);
    expect(
      (await bea.get(`/api/conversations?avatarId=${bea.avatarId}&archived=false`)).json().conversations,
    ).toHaveLength(1);

    const hits = (await bea.get('/api/search?q=quokka')).json().hits as { conversationId: string }[];
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.conversationId === plain.id)).toBe(true);
    // The conversation is still there for its owner, by its id.
    expect((await bea.get(`/api/conversations/${secret.id}`)).statusCode).toBe(200);

    const stats = (await bea.get('/api/avatar-stats')).json().stats;
    expect(stats).toEqual([expect.objectContaining({ avatarId: bea.avatarId, conversations: 1 })]);

    for (const format of ['json', 'md', 'sillytavern']) {
      const exported = await bea.get(`/api/conversations/${secret.id}/export?format=${format}`);
      expect(exported.statusCode).toBe(409);
      expect(exported.json().error.code).toBe('incognito_not_exportable');
    }
    expect((await bea.get(`/api/conversations/${plain.id}/export`)).statusCode).toBe(200);

    const branch = (await bea.get(`/api/conversations/${secret.id}/messages`)).json().messages;
    const fork = await app.inject({
      method: 'POST',
      url: `/api/conversations/${secret.id}/fork`,
      headers: bea.headers,
      payload: { messageId: branch.at(-1).id },
    });
    expect(fork.statusCode, fork.body).toBe(201);
    expect(fork.json().conversation.incognito).toBe(true);
    expect((await bea.get('/api/conversations')).json().conversations).toHaveLength(1);
  });

  it('is never indexed or recalled as chat history; an ordinary chat with the same words is', async () => {
    const eve = await person('eve@example.org');
    const plain = await eve.start();
    const secret = await eve.start({ incognito: true });
    await eve.say(plain.id, 'the periwinkle door is blue');
    await eve.say(secret.id, 'the periwinkle door hides the safe');
    const pending = await createEmbeddingRepository(storage.db).pendingMessages(
      eve.user.id,
      'test/embed',
      100,
    );
    const conversationOf = async (messageId: string) =>
      (
        await queryRows<{ conversation_id: string }>(
          storage.db,
          sql`select conversation_id from messages where id = ${messageId}`,
        )
      )[0]!.conversation_id;
    const pendingConversations = new Set(await Promise.all(pending.map((m) => conversationOf(m.id))));
    expect(pendingConversations.has(plain.id)).toBe(true);
    expect(pendingConversations.has(secret.id)).toBe(false);

    const { recall } = createMemoryRecall({
      db: storage.db,
      settingsFor: async () => DEFAULT_USER_MEMORY_SETTINGS,
    });
    // Asked from a third conversation with the same avatar: only the ordinary chat is recalled.
    const items = await recall(eve.user.id, { avatarId: eve.avatarId, query: 'periwinkle door', k: 20 });
    const messages = items.filter((item) => item.type === 'message');
    expect(messages.map((item) => item.conversationId)).toContain(plain.id);
    expect(messages.map((item) => item.conversationId)).not.toContain(secret.id);
    expect(JSON.stringify(items)).not.toContain('hides the safe');
  });

  it('ends when its owner signs out: deleted with its messages and attachments; other chats and people keep theirs', async () => {
    const cal = await person('cal@example.org');
    const dee = await person('dee@example.org');
    const calPlain = await cal.start();
    const calSecret = await cal.start({ incognito: true });
    const deeSecret = await dee.start({ incognito: true });
    const secretFile = await cal.attach('secret.md', '# Only for this chat');
    const sharedFile = await cal.attach('both.md', '# Sent in both chats');
    await cal.say(calSecret.id, 'a secret for nobody', [secretFile, sharedFile]);
    await cal.say(calPlain.id, 'this one is kept', [sharedFile]);
    await dee.say(deeSecret.id, 'mine stays while I am here');
    // The greeting (and its alternates), the message and the reply.
    expect(await messagesOf(calSecret.id)).toBeGreaterThanOrEqual(3);
    const deeMessages = await messagesOf(deeSecret.id);

    const out = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: cal.headers });
    expect(out.statusCode).toBe(204);
    expect(await conversationExists(calSecret.id)).toBe(false);
    expect(await messagesOf(calSecret.id)).toBe(0);
    // The file only the incognito chat carried is gone at once; one a kept chat uses stays.
    expect(await fileExists(secretFile)).toBe(false);
    expect(await fileExists(sharedFile)).toBe(true);
    expect(await conversationExists(calPlain.id)).toBe(true);
    expect(await conversationExists(deeSecret.id)).toBe(true);
    expect(await messagesOf(deeSecret.id)).toBe(deeMessages);
  });
});
