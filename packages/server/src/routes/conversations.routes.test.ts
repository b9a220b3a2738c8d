import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { parseSse, type SseEvent, sseReader, waitUntil } from '../test-support/sse.js';
import {
  createTestStorage,
  describeStorage,
  storageModes,
  type TestStorage,
} from '../test-support/storage.js';

const textOf = (events: SseEvent[]) =>
  events
    .filter((e) => e.event === 'text-delta')
    .map((e) => e.data.delta)
    .join('');

const MODEL = 'ollama/llama3.2:latest';

/** The text of the complete events in a stream read so far. */
const textSoFar = (text: string) => textOf(parseSse(text.slice(0, text.lastIndexOf('\n\n') + 2)));

describeStorage('conversations and streaming replies (%s)', (mode) => {
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
        CHAT_MAX_MESSAGE_CHARS: '1000',
        CHAT_FLUSH_INTERVAL_MS: '50',
      })
    ).app;
    ({ cookie } = await signup(app, 'chat@example.org'));
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
      payload: {
        name: 'Aria',
        greeting: 'Hello {{user}}, I am {{char}}.',
        alternateGreetings: ['Hey there!'],
      },
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
    return res.json() as {
      conversation: { id: string; messageCount: number };
      messages: { id: string; content: string; siblingIds: string[] }[];
    };
  };
  const send = (conversationId: string, payload: object) =>
    app.inject({
      method: 'POST',
      url: `/api/conversations/${conversationId}/messages`,
      headers: headers(),
      payload,
    });
  const branch = async (conversationId: string) =>
    (
      await app.inject({
        method: 'GET',
        url: `/api/conversations/${conversationId}/messages`,
        headers: headers(),
      })
    ).json();

  it('starts with the greeting (macros filled in), alternate greetings as its siblings, counted once', async () => {
    const { messages, conversation } = await createConversation();
    expect(messages).toHaveLength(1);
    expect(messages[0]!.content).toBe('Hello chat, I am Aria.');
    expect(messages[0]!.siblingIds).toHaveLength(2);
    // The alternates are choices to swipe to, not messages: the greeting counts once.
    expect(conversation.messageCount).toBe(1);
  });

  it('streams a reply as SSE parts, stores it with usage and timings, and names the conversation', async () => {
    const { conversation } = await createConversation();
    ollama.script({ kind: 'text', tokens: ['The', ' sky', ' is', ' blue.'] });
    ollama.script({ kind: 'text', tokens: ['Sky colour'] }); // the automatic title
    const res = await send(conversation.id, { content: 'Why is the sky blue?' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    const events = parseSse(res.body);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({
      event: 'message-start',
      data: { role: 'user', content: 'Why is the sky blue?' },
    });
    expect(events[1]).toMatchObject({ event: 'message-start', data: { role: 'assistant', model: MODEL } });
    expect(textOf(events)).toBe('The sky is blue.');
    expect(events.find((e) => e.event === 'usage')?.data).toMatchObject({ outputTokens: expect.any(Number) });
    expect(events.find((e) => e.event === 'finish')?.data).toMatchObject({
      status: 'complete',
      finishReason: 'stop',
    });
    expect(events.find((e) => e.event === 'title')?.data).toMatchObject({ title: 'Sky colour' });

    const stored = await branch(conversation.id);
    expect(stored.conversation.title).toBe('Sky colour');
    expect(stored.messages.map((m: { role: string }) => m.role)).toEqual(['assistant', 'user', 'assistant']);
    const reply = stored.messages[2];
    expect(reply).toMatchObject({ status: 'complete', content: 'The sky is blue.', model: MODEL });
    expect(reply.usage.outputTokens).toBeGreaterThan(0);
    expect(reply.timings.durationMs).toBeGreaterThanOrEqual(0);
    // The model saw the avatar's system prompt, the greeting and the question.
    const sent = ollama.requests.filter((r) => r.path === '/api/chat').at(-2)!.body.messages;
    expect(sent[0].role).toBe('system');
    expect(sent.at(-1)).toEqual(expect.objectContaining({ role: 'user', content: 'Why is the sky blue?' }));
  });

  it('regenerates a sibling reply, switches branches, edits a user message, forks and deletes a branch', async () => {
    const { conversation } = await createConversation();
    ollama.script({ kind: 'text', tokens: ['First answer'] }, { kind: 'text', tokens: ['Title'] });
    await send(conversation.id, { content: 'Tell me something' });
    const first = (await branch(conversation.id)).messages[2];

    ollama.script({ kind: 'text', tokens: ['Second answer'] });
    const regen = await app.inject({
      method: 'POST',
      url: `/api/messages/${first.id}/regenerate`,
      headers: headers(),
    });
    expect(textOf(parseSse(regen.body))).toBe('Second answer');
    let view = await branch(conversation.id);
    expect(view.messages[2].content).toBe('Second answer');
    expect(view.messages[2].siblingIds).toEqual([first.id, view.messages[2].id]);

    const back = await app.inject({
      method: 'PATCH',
      url: `/api/conversations/${conversation.id}`,
      headers: headers(),
      payload: { activeLeafId: first.id },
    });
    expect(back.json().conversation.activeLeafId).toBe(first.id);
    expect((await branch(conversation.id)).messages[2].content).toBe('First answer');

    const question = view.messages[1];
    ollama.script({ kind: 'text', tokens: ['Edited answer'] });
    const edit = await app.inject({
      method: 'POST',
      url: `/api/messages/${question.id}/edit`,
      headers: headers(),
      payload: { content: 'Tell me something else' },
    });
    const editEvents = parseSse(edit.body);
    expect(editEvents[0]!.data).toMatchObject({ role: 'user', content: 'Tell me something else' });
    view = await branch(conversation.id);
    expect(view.messages.map((m: { content: string }) => m.content).slice(1)).toEqual([
      'Tell me something else',
      'Edited answer',
    ]);
    expect(view.messages[1].siblingIds).toHaveLength(2);

    const renamed = await app.inject({
      method: 'PATCH',
      url: `/api/conversations/${conversation.id}`,
      headers: headers(),
      payload: { title: 'Something to tell' },
    });
    expect(renamed.statusCode).toBe(200);
    const fork = await app.inject({
      method: 'POST',
      url: `/api/conversations/${conversation.id}/fork`,
      headers: headers(),
      payload: { messageId: view.messages[1].id },
    });
    expect(fork.statusCode).toBe(201);
    // Named after the source, so the two are told apart in the list.
    expect(fork.json().conversation.title).toBe('Something to tell (branch)');
    const forked = await branch(fork.json().conversation.id);
    expect(forked.messages.map((m: { content: string }) => m.content)).toEqual([
      'Hello chat, I am Aria.',
      'Tell me something else',
    ]);

    const removed = await app.inject({
      method: 'DELETE',
      url: `/api/messages/${view.messages[1].id}`,
      headers: headers(),
    });
    expect(removed.statusCode).toBe(200);
    const after = await branch(conversation.id);
    expect(after.messages[1].content).toBe('Tell me something'); // back on the surviving branch
    expect(after.messages[1].siblingIds).toHaveLength(1);
  });

  it('counts conversations and messages per avatar, with the last use', async () => {
    const stats = (await app.inject({ method: 'GET', url: '/api/avatar-stats', headers: headers() })).json()
      .stats;
    const aria = stats.find((s: { avatarId: string }) => s.avatarId === avatarId);
    expect(aria.conversations).toBeGreaterThanOrEqual(3);
    expect(aria.messages).toBeGreaterThanOrEqual(aria.conversations * 2);
    expect(Date.parse(aria.lastUsedAt)).toBeGreaterThan(Date.now() - 60_000);
    const avatar = (
      await app.inject({ method: 'GET', url: `/api/avatars/${avatarId}`, headers: headers() })
    ).json();
    expect(avatar.avatar.lastUsedAt).not.toBeNull();
  });

  it('refuses bad input with stable codes and stores nothing', async () => {
    const { conversation } = await createConversation();
    const other = await createConversation();
    expect((await send(conversation.id, { content: '   ' })).json().error.code).toBe('message_empty');
    const long = await send(conversation.id, { content: 'x'.repeat(1001) });
    expect(long.statusCode).toBe(400);
    expect(long.json().error.code).toBe('message_too_long');
    const foreignParent = await send(conversation.id, { content: 'hi', parentId: other.messages[0]!.id });
    expect(foreignParent.statusCode).toBe(400);
    expect((await branch(conversation.id)).conversation.messageCount).toBe(1); // the greeting (its alternate is a choice)

    const stranger = await signup(app, 'stranger@example.org');
    const res = await app.inject({
      method: 'POST',
      url: `/api/conversations/${conversation.id}/messages`,
      headers: { ...CSRF, cookie: stranger.cookie },
      payload: { content: 'hello?' },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('conversation_not_found');
  });

  it('keeps the partial text and the error when the model fails mid-reply', async () => {
    const { conversation } = await createConversation();
    ollama.script({ kind: 'cut', tokens: ['Half', ' a'] });
    const events = parseSse((await send(conversation.id, { content: 'Go on' })).body);
    expect(textOf(events)).toBe('Half a');
    expect(events.find((e) => e.event === 'error')?.data.code).toBeTypeOf('string');
    expect(events.at(-1)).toMatchObject({ event: 'finish', data: { status: 'error' } });
    const reply = (await branch(conversation.id)).messages.at(-1);
    expect(reply).toMatchObject({ status: 'error', content: 'Half a' });
    expect(reply.error.code).toBeTypeOf('string');
  });

  it('stores two concurrent sends on the same branch as siblings', async () => {
    // Two tabs showing the same branch both answer its last message.
    const { conversation, messages } = await createConversation();
    const parentId = messages[0]!.id;
    ollama.script(
      { kind: 'text', tokens: ['A'] },
      { kind: 'text', tokens: ['B'] },
      { kind: 'text', tokens: ['T'] },
    );
    await Promise.all([
      send(conversation.id, { content: 'one', parentId }),
      send(conversation.id, { content: 'two', parentId }),
    ]);
    const tree = (
      await app.inject({
        method: 'GET',
        url: `/api/conversations/${conversation.id}/messages?view=tree`,
        headers: headers(),
      })
    ).json();
    const users = tree.messages.filter((m: { role: string }) => m.role === 'user');
    expect(users.map((m: { content: string }) => m.content).sort()).toEqual(['one', 'two']);
    expect(users[0].parentId).toBe(users[1].parentId);
    expect(
      tree.messages.filter(
        (m: { role: string; status: string }) => m.role === 'assistant' && m.status === 'complete',
      ),
    ).toHaveLength(4);
  });

  it('cancels a reply in flight, keeps going when the client leaves, and resumes from Last-Event-ID', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const { conversation } = await createConversation();

    // 1. Stop: the model goes silent after two tokens; cancel keeps them.
    ollama.script({ kind: 'hang', tokens: ['Partial', ' text'] });
    const response = await fetch(`${base}/api/conversations/${conversation.id}/messages`, {
      method: 'POST',
      headers: { ...headers(), 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Start talking' }),
    });
    const replyId = response.headers.get('x-lumina-reply-id')!;
    await waitUntil(async () => (await branch(conversation.id)).messages.at(-1).content === 'Partial text');
    const cancelled = await app.inject({
      method: 'POST',
      url: `/api/messages/${replyId}/cancel`,
      headers: headers(),
    });
    expect(cancelled.json().message).toMatchObject({ status: 'cancelled', content: 'Partial text' });
    const events = parseSse(await response.text());
    expect(events.at(-1)).toMatchObject({ event: 'finish', data: { status: 'cancelled' } });

    // 2. The client goes away mid-reply: the reply is still written and stored.
    ollama.script({ kind: 'text', tokens: ['Still', ' here', ' after', ' you', ' left'], delayMs: 40 });
    const controller = new AbortController();
    const leaving = await fetch(`${base}/api/conversations/${conversation.id}/messages`, {
      method: 'POST',
      headers: { ...headers(), 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Keep going', parentId: replyId }),
      signal: controller.signal,
    });
    const leftId = leaving.headers.get('x-lumina-reply-id')!;
    controller.abort();

    // 3. Resume from Last-Event-ID 2: the parts after it, through the end.
    const resumed = parseSse(
      await (
        await fetch(`${base}/api/messages/${leftId}/stream`, { headers: { cookie, 'last-event-id': '2' } })
      ).text(),
    );
    expect(resumed[0]!.id).toBe(3);
    expect(textOf(resumed)).toBe('Still here after you left');
    await waitUntil(async () => (await branch(conversation.id)).messages.at(-1).status === 'complete');
    expect((await branch(conversation.id)).messages.at(-1).content).toBe('Still here after you left');

    // 4. An instance whose bus does not know the reply replays it from the database: one
    // message-start carrying the whole text, then finish.
    const other = (await createTestApp(storage, { OLLAMA_BASE_URL: ollama.origin })).app;
    try {
      const snapshot = parseSse(
        (
          await other.inject({
            method: 'GET',
            url: `/api/messages/${leftId}/stream?lastEventId=7`,
            headers: { cookie },
          })
        ).body,
      );
      expect(snapshot.map((e) => [e.id, e.event])).toEqual([
        [8, 'message-start'],
        [9, 'finish'],
      ]);
      expect(snapshot[0]!.data.content).toBe('Still here after you left');
      expect(snapshot[1]!.data).toMatchObject({ status: 'complete' });
    } finally {
      await other.close();
    }
  });

  it('streams over WebSocket, and answers a garbage frame with an error while staying open', async () => {
    if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    const { conversation } = await createConversation();
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/conversations`, {
      headers: { cookie, origin: `http://127.0.0.1:${port}` },
    });
    const frames: Record<string, unknown>[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(String(data))));
    await new Promise((resolve) => socket.on('open', resolve));
    socket.send('{not json');
    socket.send(JSON.stringify({ type: 'launch-missiles' }));
    ollama.script({ kind: 'text', tokens: ['Over', ' the', ' socket'] });
    socket.send(
      JSON.stringify({ type: 'send', ref: 'r1', conversationId: conversation.id, content: 'Hi by socket' }),
    );
    await waitUntil(async () => frames.some((f) => f.type === 'finish'));
    socket.close();
    expect(frames.slice(0, 2).map((f) => f.code)).toEqual(['invalid_frame', 'invalid_frame']);
    const parts = frames.filter((f) => f.ref === 'r1');
    expect(parts[0]).toMatchObject({ type: 'message-start', role: 'user', id: 1 });
    expect(
      parts
        .filter((f) => f.type === 'text-delta')
        .map((f) => f.delta)
        .join(''),
    ).toBe('Over the socket');

    // A read-only API token may follow replies but not start one.
    const token = (
      await app.inject({
        method: 'POST',
        url: '/api/auth/tokens',
        headers: headers(),
        payload: { name: 'reader', scopes: ['read'] },
      })
    ).json().secret;
    const reader = new WebSocket(`ws://127.0.0.1:${port}/ws/conversations?token=${token}`);
    const answers: Record<string, unknown>[] = [];
    reader.on('message', (data) => answers.push(JSON.parse(String(data))));
    await new Promise((resolve) => reader.on('open', resolve));
    reader.send(JSON.stringify({ type: 'send', ref: 'w', conversationId: conversation.id, content: 'Hi' }));
    await waitUntil(async () => answers.length > 0);
    reader.close();
    expect(answers[0]).toMatchObject({ type: 'error', code: 'insufficient_scope', ref: 'w' });
  });
});

describe('with CHAT_CONTINUE_ON_DISCONNECT=false', () => {
  it('cancels the reply when the client goes away, keeping the text so far', async () => {
    const ollama = await new OllamaServer().listen();
    const storage = await createTestStorage('pglite');
    const app = (
      await createTestApp(storage, {
        OLLAMA_BASE_URL: ollama.origin,
        CHAT_CONTINUE_ON_DISCONNECT: 'false',
        CHAT_FLUSH_INTERVAL_MS: '50',
      })
    ).app;
    try {
      const { cookie } = await signup(app, 'leaver@example.org');
      const headers = { ...CSRF, cookie };
      await app.inject({ method: 'PUT', url: '/api/settings', payload: { defaultModel: MODEL }, headers });
      const avatars = (await app.inject({ method: 'GET', url: '/api/avatars', headers })).json().avatars;
      const conversation = (
        await app.inject({
          method: 'POST',
          url: '/api/conversations',
          headers,
          payload: { avatarId: avatars[0].id },
        })
      ).json().conversation;
      await app.listen({ port: 0, host: '127.0.0.1' });
      const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      ollama.script({ kind: 'hang', tokens: ['Said', ' so', ' far'] });
      const controller = new AbortController();
      const response = await fetch(`${base}/api/conversations/${conversation.id}/messages`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'Talk to me' }),
        signal: controller.signal,
      });
      const replyId = response.headers.get('x-lumina-reply-id')!;
      const reader = response.body!.getReader();
      let seen = '';
      while (!seen.includes(' far')) seen += new TextDecoder().decode((await reader.read()).value);
      controller.abort();
      const reply = async () =>
        (await app.inject({ method: 'GET', url: `/api/conversations/${conversation.id}/messages`, headers }))
          .json()
          .messages.find((m: { id: string }) => m.id === replyId);
      await waitUntil(async () => (await reply()).status === 'cancelled');
      expect((await reply()).content).toBe('Said so far');
    } finally {
      await app.close();
      await storage.close();
      await ollama.close();
    }
  });
});

describe.runIf(process.env.TEST_REDIS_URL)('replies across two instances sharing Redis', () => {
  it('follows and cancels a reply written by the other instance', async () => {
    const ollama = await new OllamaServer().listen();
    const storage = await createTestStorage(storageModes().at(-1)!);
    const env = { OLLAMA_BASE_URL: ollama.origin, LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' };
    const redisA = new Redis(process.env.TEST_REDIS_URL!);
    const redisB = new Redis(process.env.TEST_REDIS_URL!);
    const a = (await createTestApp(storage, env, redisA)).app;
    const b = (await createTestApp(storage, env, redisB)).app;
    try {
      const { cookie } = await signup(a, 'two@example.org');
      const headers = { ...CSRF, cookie };
      await a.inject({ method: 'PUT', url: '/api/settings', payload: { defaultModel: MODEL }, headers });
      const avatars = (await a.inject({ method: 'GET', url: '/api/avatars', headers })).json().avatars;
      const conversation = (
        await a.inject({
          method: 'POST',
          url: '/api/conversations',
          headers,
          payload: { avatarId: avatars[0].id },
        })
      ).json().conversation;
      const origin = async (app: FastifyInstance) => {
        await app.listen({ port: 0, host: '127.0.0.1' });
        return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      };
      const [baseA, baseB] = [await origin(a), await origin(b)];
      ollama.script({ kind: 'hang', tokens: ['Written', ' on', ' A'] });
      const response = await fetch(`${baseA}/api/conversations/${conversation.id}/messages`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'hello' }),
      });
      const replyId = response.headers.get('x-lumina-reply-id')!;
      const writing = sseReader(response);
      // A has published every token once its own stream carries them (the model then goes silent).
      await writing.until((text) => textSoFar(text) === 'Written on A');
      // Instance B replays what A wrote so far (its follower is attached once the replay is
      // out), then B's cancel reaches A.
      const following = sseReader(
        await fetch(`${baseB}/api/messages/${replyId}/stream`, { headers: { cookie } }),
      );
      await following.until((text) => textSoFar(text) === 'Written on A');
      const cancelled = await b.inject({ method: 'POST', url: `/api/messages/${replyId}/cancel`, headers });
      expect(cancelled.json().message).toMatchObject({ status: 'cancelled', content: 'Written on A' });
      const events = await following.rest();
      expect(textOf(events)).toBe('Written on A');
      expect(events.at(-1)).toMatchObject({ event: 'finish', data: { status: 'cancelled' } });
      await writing.rest();
    } finally {
      await a.close();
      await b.close();
      redisA.disconnect();
      redisB.disconnect();
      await storage.close();
      await ollama.close();
    }
  });
});
