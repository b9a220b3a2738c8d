import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { parseSse, type SseEvent, sseReader, waitUntil } from '../test-support/sse.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

const MODEL = 'ollama/llama3.2:latest';

interface Msg {
  id: string;
  parentId: string | null;
  role: string;
  content: string;
  status: string;
  turnId: string | null;
  parts: { type: string; text?: string }[];
  siblingIds?: string[];
}

const textOf = (events: SseEvent[]) =>
  events
    .filter((e) => e.event === 'text-delta')
    .map((e) => e.data.delta)
    .join('');

describeStorage('message actions: edit in place, delete one message, impersonate (%s)', (mode) => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  let app: FastifyInstance;
  let cookie: string;
  let otherCookie: string;
  let avatarId: string;
  const headers = () => ({ ...CSRF, cookie });

  beforeAll(async () => {
    ollama = await new OllamaServer().listen();
    storage = await createTestStorage(mode);
    app = (
      await createTestApp(storage, {
        OLLAMA_BASE_URL: ollama.origin,
        LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000',
        CHAT_MAX_MESSAGE_CHARS: '1000',
        CHAT_FLUSH_INTERVAL_MS: '50',
      })
    ).app;
    ({ cookie } = await signup(app, 'sam@example.org'));
    ({ cookie: otherCookie } = await signup(app, 'other@example.org'));
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
      payload: { name: 'Aria', greeting: 'Hello {{user}}.', alternateGreetings: ['Hey there!'] },
    });
    avatarId = avatar.json().avatar.id;
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    await ollama?.close();
  });

  const createConversation = async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/conversations',
      headers: headers(),
      payload: { avatarId },
    });
    expect(res.statusCode).toBe(201);
    return res.json() as { conversation: { id: string; messageCount: number }; messages: Msg[] };
  };
  const send = async (conversationId: string, content: string, parentId?: string) => {
    ollama.script({ kind: 'text', tokens: [`Reply to ${content}`] });
    const res = await app.inject({
      method: 'POST',
      url: `/api/conversations/${conversationId}/messages`,
      headers: headers(),
      payload: { content, ...(parentId ? { parentId } : {}) },
    });
    expect(res.statusCode).toBe(200);
    const starts = parseSse(res.body).filter((e) => e.event === 'message-start');
    return { userId: starts[0]!.data.messageId as string, replyId: starts[1]!.data.messageId as string };
  };
  const branch = async (conversationId: string) =>
    (
      await app.inject({
        method: 'GET',
        url: `/api/conversations/${conversationId}/messages`,
        headers: headers(),
      })
    ).json() as { conversation: { activeLeafId: string; messageCount: number }; messages: Msg[] };
  const tree = async (conversationId: string) =>
    (
      await app.inject({
        method: 'GET',
        url: `/api/conversations/${conversationId}/messages?view=tree`,
        headers: headers(),
      })
    ).json().messages as Msg[];
  const patch = (id: string, payload: unknown, as = cookie) =>
    app.inject({
      method: 'PATCH',
      url: `/api/messages/${id}`,
      headers: { ...CSRF, cookie: as },
      payload: payload as object,
    });
  const remove = (id: string, scope?: string, as = cookie) =>
    app.inject({
      method: 'DELETE',
      url: `/api/messages/${id}${scope ? `?scope=${scope}` : ''}`,
      headers: { ...CSRF, cookie: as },
    });
  const search = async (q: string) =>
    (
      await app.inject({ method: 'GET', url: `/api/search?q=${encodeURIComponent(q)}`, headers: headers() })
    ).json().hits as { messageId: string }[];
  const listen = async () => {
    if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
    return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  };

  it('edits a reply in place: same message, new text (search follows), reasoning kept, no new alternative', async () => {
    const { conversation } = await createConversation();
    ollama.script({ kind: 'text', reasoning: ['Thinking', ' hard'], tokens: ['The', ' dragon', ' sleps.'] });
    const sent = await app.inject({
      method: 'POST',
      url: `/api/conversations/${conversation.id}/messages`,
      headers: headers(),
      payload: { content: 'Tell me about the cave' },
    });
    const replyId = parseSse(sent.body).filter((e) => e.event === 'message-start')[1]!.data
      .messageId as string;
    expect((await search('sleps')).map((h) => h.messageId)).toContain(replyId);

    const res = await patch(replyId, { content: 'The dragon sleeps soundly.' });
    expect(res.statusCode).toBe(200);
    expect(res.json().message).toMatchObject({
      id: replyId,
      content: 'The dragon sleeps soundly.',
      status: 'complete',
      parts: [
        { type: 'reasoning', text: 'Thinking hard' },
        { type: 'text', text: 'The dragon sleeps soundly.' },
      ],
    });
    const after = await branch(conversation.id);
    expect(after.conversation.activeLeafId).toBe(replyId);
    expect(after.messages.at(-1)).toMatchObject({
      id: replyId,
      content: 'The dragon sleeps soundly.',
      siblingIds: [replyId],
    });
    expect(await search('sleps')).toEqual([]);
    expect((await search('soundly')).map((h) => h.messageId)).toEqual([replyId]);
  });

  it('edits a message of the person in place too (its reply stays)', async () => {
    const { conversation } = await createConversation();
    const { userId, replyId } = await send(conversation.id, 'Helo there');
    // A vector of the old text (as the embedding job stores it) is forgotten with it.
    await storage.db.execute(sql`insert into message_embeddings (message_id, owner_id, embedding, embedding_model)
      select id, owner_id, '{1,0}'::real[], 'p/m' from messages where id = ${userId}`);
    const res = await patch(userId, { content: 'Hello there' });
    expect(res.json().message).toMatchObject({ id: userId, content: 'Hello there', role: 'user' });
    const after = await branch(conversation.id);
    expect(after.messages.map((m) => m.id).slice(-2)).toEqual([userId, replyId]);
    const vectors = await storage.db.execute(
      sql`select 1 from message_embeddings where message_id = ${userId}`,
    );
    expect(vectors.rows).toHaveLength(0);
  });

  it('refuses bad edits with stable codes', async () => {
    const { conversation, messages } = await createConversation();
    const greeting = messages[0]!.id;
    expect((await patch(greeting, { content: '  ' })).json().error.code).toBe('message_empty');
    const long = await patch(greeting, { content: 'x'.repeat(1001) });
    expect(long.statusCode).toBe(400);
    expect(long.json().error).toMatchObject({ code: 'message_too_long', details: { maxChars: 1000 } });
    expect((await patch(greeting, {})).json().error.code).toBe('invalid_request');
    expect((await patch(greeting, { content: 42 })).json().error.code).toBe('invalid_request');
    // Not an id at all: no such message.
    expect((await patch('not-an-id', { content: 'x' })).json().error.code).toBe('message_not_found');
    const unknown = await patch('01900000-0000-7000-8000-000000000000', { content: 'x' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('message_not_found');
    // Another person's message does not exist for them, and stays as it was.
    const foreign = await patch(greeting, { content: 'Mine now' }, otherCookie);
    expect(foreign.statusCode).toBe(404);
    expect((await branch(conversation.id)).messages[0]!.content).toBe('Hello sam.');
  });

  it('refuses to edit or delete one message while a reply is being written (409), then allows it', async () => {
    const base = await listen();
    const { conversation } = await createConversation();
    ollama.script({ kind: 'hang', tokens: ['Half'] });
    const response = await fetch(`${base}/api/conversations/${conversation.id}/messages`, {
      method: 'POST',
      headers: { ...headers(), 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Write slowly' }),
    });
    const replyId = response.headers.get('x-lumina-reply-id')!;
    await waitUntil(async () => (await branch(conversation.id)).messages.at(-1)!.content === 'Half');
    const questionId = (await branch(conversation.id)).messages.at(-2)!.id;

    const edit = await patch(replyId, { content: 'Changed' });
    expect(edit.statusCode).toBe(409);
    expect(edit.json().error.code).toBe('message_streaming');
    expect((await remove(replyId, 'message')).json().error.code).toBe('message_streaming');
    // Its question cannot go alone either: the reply being written would move.
    expect((await remove(questionId, 'message')).statusCode).toBe(409);
    const impersonate = await app.inject({
      method: 'POST',
      url: `/api/conversations/${conversation.id}/impersonate`,
      headers: headers(),
    });
    expect(impersonate.statusCode).toBe(409);
    expect(impersonate.json().error.code).toBe('message_streaming');

    await app.inject({ method: 'POST', url: `/api/messages/${replyId}/cancel`, headers: headers() });
    await response.text();
    expect((await patch(replyId, { content: 'Half, then stopped.' })).json().message).toMatchObject({
      status: 'cancelled',
      content: 'Half, then stopped.',
    });
  });

  it('deletes one message: its reply moves up to its parent and joins the parent’s turn; the leaf stays', async () => {
    const { conversation, messages } = await createConversation();
    const greeting = messages[0]!;
    const first = await send(conversation.id, 'First');
    const second = await send(conversation.id, 'Second');
    const before = await branch(conversation.id);
    expect(before.conversation.messageCount).toBe(5);

    const res = await remove(first.replyId, 'message');
    expect(res.statusCode).toBe(200);
    expect(res.json().conversation).toMatchObject({ activeLeafId: second.replyId, messageCount: 4 });
    const after = await branch(conversation.id);
    expect(after.messages.map((m) => m.id)).toEqual([
      greeting.id,
      first.userId,
      second.userId,
      second.replyId,
    ]);
    expect(after.messages[2]).toMatchObject({ parentId: first.userId, turnId: second.userId });

    // A question taken out: its answer follows the greeting and joins the greeting's turn.
    await remove(second.userId, 'message');
    const all = await tree(conversation.id);
    const moved = all.find((m) => m.id === second.replyId)!;
    expect(moved).toMatchObject({ parentId: first.userId });
    const removedFirst = await remove(first.userId, 'message');
    expect(removedFirst.statusCode).toBe(200);
    const last = (await tree(conversation.id)).find((m) => m.id === second.replyId)!;
    expect(last).toMatchObject({ parentId: greeting.id, turnId: greeting.turnId });
    expect((await branch(conversation.id)).messages.map((m) => m.id)).toEqual([greeting.id, second.replyId]);
  });

  it('deletes one alternative: the visible branch moves to a sibling; the default scope deletes the branch', async () => {
    const { conversation } = await createConversation();
    const { userId, replyId } = await send(conversation.id, 'Pick one');
    ollama.script({ kind: 'text', tokens: ['Another answer'] });
    const regenerated = await app.inject({
      method: 'POST',
      url: `/api/messages/${replyId}/regenerate`,
      headers: headers(),
    });
    const otherId = regenerated.headers['x-lumina-reply-id'] as string;
    const next = await send(conversation.id, 'Go on');

    // The leaf's alternative goes alone: the branch shows the other alternative.
    const res = await remove(next.replyId, 'message');
    expect(res.json().conversation.activeLeafId).toBe(next.userId);
    const gone = await remove(otherId, 'message');
    // `Go on` was below the deleted reply: it now follows the question directly, and is the leaf.
    expect(gone.json().conversation.activeLeafId).toBe(next.userId);
    const after = await branch(conversation.id);
    expect(after.messages.map((m) => m.id).slice(-2)).toEqual([userId, next.userId]);
    expect(after.messages.at(-1)!.siblingIds).toEqual([replyId, next.userId]);

    // scope=branch (also the default) takes everything below.
    const branchRes = await remove(userId, 'branch');
    expect(branchRes.statusCode).toBe(200);
    const left = await tree(conversation.id);
    expect(left.map((m) => m.id)).not.toContain(replyId);
    expect(left.map((m) => m.id)).not.toContain(next.userId);
  });

  it('deletes a greeting alone: what followed it becomes a first message, the alternates stay', async () => {
    const { conversation, messages } = await createConversation();
    const greeting = messages[0]!;
    const { userId, replyId } = await send(conversation.id, 'Hi');
    const res = await remove(greeting.id, 'message');
    expect(res.statusCode).toBe(200);
    expect(res.json().conversation.activeLeafId).toBe(replyId);
    const after = await branch(conversation.id);
    expect(after.messages.map((m) => m.id)).toEqual([userId, replyId]);
    expect(after.messages[0]!.parentId).toBeNull();
    expect(after.messages[0]!.siblingIds).toHaveLength(2); // the alternate greeting and this
    expect(after.messages[1]!.turnId).toBe(userId);
  });

  it('refuses a bad scope, an unknown message and another person’s message', async () => {
    const { messages } = await createConversation();
    const bad = await remove(messages[0]!.id, 'everything');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_request');
    expect((await remove('01900000-0000-7000-8000-000000000000', 'message')).json().error.code).toBe(
      'message_not_found',
    );
    expect((await remove(messages[0]!.id, 'message', otherCookie)).statusCode).toBe(404);
    expect((await remove(messages[0]!.id, 'message')).statusCode).toBe(200);
  });

  it('impersonates: streams the person’s next message from the context, stores nothing, records usage', async () => {
    const { conversation } = await createConversation();
    await send(conversation.id, 'Where are we?');
    const before = await tree(conversation.id);
    ollama.script({ kind: 'text', tokens: ['Sam', ':', ' Let us', ' go', ' inside.'] });
    const res = await app.inject({
      method: 'POST',
      url: `/api/conversations/${conversation.id}/impersonate`,
      headers: headers(),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    const events = parseSse(res.body);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    // The name label a model writes is not part of the message.
    expect(textOf(events)).toBe('Let us go inside.');
    expect(events.map((e) => e.event)).not.toContain('message-start');
    expect(events.at(-2)).toMatchObject({ event: 'usage', data: { outputTokens: expect.any(Number) } });
    expect(events.at(-1)).toMatchObject({
      event: 'finish',
      data: { status: 'complete', finishReason: 'stop' },
    });

    const sentToModel = ollama.lastRequest('/api/chat').body.messages as { role: string; content: string }[];
    expect(sentToModel.at(-2)).toMatchObject({ role: 'assistant', content: 'Reply to Where are we?' });
    expect(sentToModel.at(-1)!.role).toBe('system');
    expect(sentToModel.at(-1)!.content).toContain("Write sam's next message");
    expect(await tree(conversation.id)).toEqual(before);

    const usage = await app.inject({ method: 'GET', url: '/api/usage?groupBy=purpose', headers: headers() });
    expect(usage.json().rows.find((r: { key: string }) => r.key === 'impersonate')).toMatchObject({
      calls: 1,
    });
  });

  it('impersonates after a chosen message, and refuses a parent from elsewhere and another person’s conversation', async () => {
    const { conversation, messages } = await createConversation();
    await send(conversation.id, 'Later question');
    ollama.script({ kind: 'text', tokens: ['My first words'] });
    const res = await app.inject({
      method: 'POST',
      url: `/api/conversations/${conversation.id}/impersonate`,
      headers: headers(),
      payload: { parentId: messages[0]!.id },
    });
    expect(textOf(parseSse(res.body))).toBe('My first words');
    const sentToModel = ollama.lastRequest('/api/chat').body.messages as { role: string; content: string }[];
    expect(sentToModel.some((m) => m.content === 'Later question')).toBe(false);

    const other = await createConversation();
    const wrong = await app.inject({
      method: 'POST',
      url: `/api/conversations/${conversation.id}/impersonate`,
      headers: headers(),
      payload: { parentId: other.messages[0]!.id },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.code).toBe('invalid_request');
    const notId = await app.inject({
      method: 'POST',
      url: `/api/conversations/${conversation.id}/impersonate`,
      headers: headers(),
      payload: { parentId: 'nope' },
    });
    expect(notId.json().error.code).toBe('invalid_request');
    const foreign = await app.inject({
      method: 'POST',
      url: `/api/conversations/${conversation.id}/impersonate`,
      headers: { ...CSRF, cookie: otherCookie },
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe('conversation_not_found');
  });

  it('stops the model when the client leaves (recorded as cancelled)', async () => {
    const base = await listen();
    const { conversation } = await createConversation();
    ollama.script({ kind: 'hang', tokens: ['I will', ' wait for you here'] });
    const controller = new AbortController();
    const response = await fetch(`${base}/api/conversations/${conversation.id}/impersonate`, {
      method: 'POST',
      headers: headers(),
      signal: controller.signal,
    });
    const sse = sseReader(response);
    await sse.until((text) => text.includes('event: text-delta'));
    controller.abort();
    await waitUntil(async () => {
      const usage = await app.inject({
        method: 'GET',
        url: '/api/usage?groupBy=purpose',
        headers: headers(),
      });
      const row = usage.json().rows.find((r: { key: string }) => r.key === 'impersonate');
      return row?.cancelled === 1;
    });
  });

  it('tells a model failure as an error part, then finish', async () => {
    const { conversation } = await createConversation();
    // Two attempts at the one model of the chain, both failing.
    ollama.script({ kind: 'http-error', status: 500, message: 'boom' }, { kind: 'http-error', status: 500 });
    const res = await app.inject({
      method: 'POST',
      url: `/api/conversations/${conversation.id}/impersonate`,
      headers: headers(),
    });
    const events = parseSse(res.body);
    expect(events.find((e) => e.event === 'error')).toMatchObject({ data: { code: expect.any(String) } });
    expect(events.at(-1)).toMatchObject({ event: 'finish', data: { status: 'error' } });
  });
});
