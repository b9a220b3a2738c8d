import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { waitUntil } from '../test-support/sse.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

const MODEL = 'ollama/llama3.2:latest';

describeStorage('GET /api/conversations/:id/context (%s)', (mode) => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  let app: FastifyInstance;
  let cookie: string;
  let avatarId: string;
  const headers = () => ({ ...CSRF, cookie });

  beforeAll(async () => {
    ollama = await new OllamaServer().listen();
    storage = await createTestStorage(mode);
    app = (
      await createTestApp(storage, {
        OLLAMA_BASE_URL: ollama.origin,
        LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000',
        CHAT_DEFAULT_CONTEXT_WINDOW: '2000',
        CHAT_REPLY_TOKENS: '200',
        CHAT_SUMMARY_MODEL: 'ollama/tiny:latest',
      })
    ).app;
    ({ cookie } = await signup(app, 'sam@example.org'));
    await app.inject({
      method: 'PUT',
      url: '/api/settings',
      payload: { defaultModel: MODEL },
      headers: headers(),
    });
    const avatar = await app.inject({
      method: 'POST',
      url: '/api/avatars',
      headers: headers(),
      payload: { name: 'Aria', greeting: 'Hello {{user}}, I am {{char}}.' },
    });
    avatarId = avatar.json().avatar.id;
    await app.inject({
      method: 'PUT',
      url: `/api/avatars/${avatarId}/lorebook`,
      headers: headers(),
      payload: {
        entries: {
          '0': {
            uid: 0,
            key: ['lighthouse'],
            content: 'The lighthouse of Brest is haunted.',
            comment: 'Lighthouse',
          },
        },
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    await ollama?.close();
  });

  const createConversation = async (as = cookie) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/conversations',
      headers: { ...CSRF, cookie: as },
      payload: { avatarId },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().conversation.id as string;
  };
  const context = (id: string, as = cookie) =>
    app.inject({ method: 'GET', url: `/api/conversations/${id}/context`, headers: { cookie: as } });
  const send = (id: string, content: string) =>
    app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/messages`,
      headers: headers(),
      payload: { content },
    });

  it('shows what the next reply would be sent, part by part, with the model and window', async () => {
    const id = await createConversation();
    const res = await context(id);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.conversationId).toBe(id);
    expect(body.model).toMatchObject({ id: MODEL, contextWindow: null });
    expect(body.modelError).toBeNull();
    expect(body.tokens).toMatchObject({
      window: 2000,
      windowSource: 'default',
      replyBudget: 200,
      available: 1800,
    });
    expect(body.parts.map((p: { kind: string }) => p.kind)).toEqual(['system', 'message']);
    expect(body.parts[1]).toMatchObject({
      role: 'assistant',
      text: 'Hello sam, I am Aria.',
      messageIndex: 1,
    });
    expect(body.messages).toEqual([
      { role: 'system', content: body.parts[0].text },
      { role: 'assistant', content: 'Hello sam, I am Aria.' },
    ]);
    expect(body.tokens.total).toBeGreaterThan(body.parts[0].tokens);
    expect(body).toMatchObject({
      summary: null,
      dropped: { count: 0, messageIds: [] },
      needsSummary: false,
      summarizing: false,
      lore: { activated: 0 },
    });
  });

  it('is exactly what the model then receives, lore included', async () => {
    const id = await createConversation();
    ollama.script({ kind: 'text', tokens: ['It', ' is', ' old.'] }, { kind: 'text', tokens: ['Lighthouse'] });
    expect((await send(id, 'Tell me about the lighthouse.')).statusCode).toBe(200);
    const shown = (await context(id)).json();
    expect(shown.lore.activated).toBe(1);
    expect(shown.lore.entries[0]).toMatchObject({ label: 'Lighthouse', position: 'before_char' });
    expect(shown.messages[0].content).toContain('The lighthouse of Brest is haunted.');

    // Regenerating the last reply sends the same context minus that reply.
    const sent = ollama.requests.filter((r) => r.path === '/api/chat' && r.body.model === 'llama3.2:latest');
    const first = sent.at(-2)!.body.messages as { role: string; content: string }[];
    expect(first.map((m) => ({ role: m.role, content: m.content }))).toEqual(shown.messages.slice(0, -1));
  });

  it('sends the conversation’s own system prompt and author’s note, set with PATCH, and shows them', async () => {
    const id = await createConversation();
    const patch = (prompt: object) =>
      app.inject({
        method: 'PATCH',
        url: `/api/conversations/${id}`,
        headers: headers(),
        payload: { prompt },
      });
    const set = await patch({
      systemPrompt: 'You are {{char}} on a stormy night. {{original}}',
      authorsNote: { text: '[Keep answers short.]', depth: 0, role: 'system' },
    });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().conversation.prompt).toEqual({
      systemPrompt: 'You are {{char}} on a stormy night. {{original}}',
      authorsNote: { text: '[Keep answers short.]', depth: 0, role: 'system' },
    });
    ollama.script({ kind: 'text', tokens: ['Aye.'] }, { kind: 'text', tokens: ['Storm'] });
    expect((await send(id, 'Is the sea rough?')).statusCode).toBe(200);
    const shown = (await context(id)).json();
    expect(shown.messages[0].content.startsWith('You are Aria on a stormy night. ')).toBe(true);
    expect(shown.parts.map((p: { kind: string }) => p.kind).at(-1)).toBe('authors_note');
    // What the model received for that reply had both (the context minus the reply it wrote).
    const sent = ollama.requests.filter((r) => r.path === '/api/chat' && r.body.model === 'llama3.2:latest');
    const received = sent.at(-2)!.body.messages as { role: string; content: string }[];
    expect(received[0]!.content.startsWith('You are Aria on a stormy night. ')).toBe(true);
    expect(received.at(-1)).toMatchObject({ role: 'system', content: '[Keep answers short.]' });

    // A field left out is kept; null (or blank text) clears it; bad input is refused.
    expect((await patch({ authorsNote: null })).json().conversation.prompt).toEqual({
      systemPrompt: 'You are {{char}} on a stormy night. {{original}}',
      authorsNote: null,
    });
    expect((await patch({ systemPrompt: '   ' })).json().conversation.prompt.systemPrompt).toBeNull();
    expect((await patch({ authorsNote: { text: 'x', depth: 101 } })).statusCode).toBe(400);
    expect((await patch({ systemPrompt: 'x'.repeat(20_001) })).statusCode).toBe(400);
  });

  it('answers 404 for another user’s conversation and for one that does not exist', async () => {
    const id = await createConversation();
    const other = await signup(app, 'other@example.org');
    const res = await context(id, other.cookie);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('conversation_not_found');
    expect((await context('01900000-0000-7000-8000-000000000000')).statusCode).toBe(404);
    expect((await context('not-an-id')).statusCode).toBe(404); // names nothing that exists
    expect((await app.inject({ method: 'GET', url: `/api/conversations/${id}/context` })).statusCode).toBe(
      401,
    );
  });

  it('still shows the context when its model cannot be had, and says why', async () => {
    const lonely = await signup(app, 'nomodel@example.org');
    await app.inject({
      method: 'PUT',
      url: '/api/settings',
      headers: { ...CSRF, cookie: lonely.cookie },
      payload: { defaultModel: 'nowhere/model' },
    });
    const avatar = await app.inject({
      method: 'POST',
      url: '/api/avatars',
      headers: { ...CSRF, cookie: lonely.cookie },
      payload: { name: 'Solo' },
    });
    const created = await app.inject({
      method: 'POST',
      url: '/api/conversations',
      headers: { ...CSRF, cookie: lonely.cookie },
      payload: { avatarId: avatar.json().avatar.id },
    });
    const body = (await context(created.json().conversation.id, lonely.cookie)).json();
    expect(body.model).toBeNull();
    expect(body.modelError.code).toBe('model_not_found');
    expect(body.tokens.windowSource).toBe('default');
  });

  it('summarizes older turns in the background once the window fills, and the summary is then used', async () => {
    const id = await createConversation();
    const story = (i: number) => `Story ${i}: ${'the lighthouse keeper told another story '.repeat(20)}`;
    ollama.defaultReply = { kind: 'text', tokens: ['Sam told Aria', ' many lighthouse stories.'] };
    let shown = (await context(id)).json();
    // The summary starts in the background as soon as a reply fills the window, so by the next
    // look it may already be written (or being written): any of the three ends the filling.
    const filled = () => shown.needsSummary || shown.summarizing || shown.summary !== null;
    for (let i = 0; !filled() && i < 12; i++) {
      ollama.script({ kind: 'text', tokens: [`Reply ${i}.`] });
      if (i === 0) ollama.script({ kind: 'text', tokens: ['Stories'] }); // the automatic title
      expect((await send(id, story(i))).statusCode).toBe(200);
      shown = (await context(id)).json();
    }
    expect(filled(), 'the window fills within 12 turns').toBe(true);
    // The reply that filled the window started a summary in the background.
    await waitUntil(async () => {
      shown = (await context(id)).json();
      return shown.summary !== null && !shown.summarizing;
    });
    // (The user's messages of the file's other conversations with Aria may be recalled too: a memory section.)
    const kinds = shown.parts
      .map((p: { kind: string }) => p.kind)
      .filter((kind: string) => kind !== 'memory');
    expect(kinds.slice(0, 2)).toEqual(['system', 'summary']);
    expect(shown.messages[0].content).toContain('Sam told Aria many lighthouse stories.');
    expect(shown.messages.map((m: { content: string }) => m.content)).not.toContain(story(0));
    expect(shown.dropped.count).toBe(0);
    expect(shown.needsSummary).toBe(false);

    const request = ollama.requests.find((r) => r.path === '/api/chat' && r.body.model === 'tiny:latest')!;
    expect(request.body.messages[1].content).toContain(`sam: ${story(0).trim()}`);
    const branch = (
      await app.inject({ method: 'GET', url: `/api/conversations/${id}/messages`, headers: headers() })
    ).json();
    const cut = branch.messages.find((m: { id: string }) => m.id === shown.summary.throughMessageId);
    expect(cut.hasSummary).toBe(true);
  });
});
