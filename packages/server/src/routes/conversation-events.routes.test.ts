import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationEventSchema } from '../realtime/conversation-events.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { startChat } from '../test-support/conversations.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { parseSse, sseReader } from '../test-support/sse.js';
import {
  createTestStorage,
  describeStorage,
  storageModes,
  type TestStorage,
} from '../test-support/storage.js';

const MODEL = 'ollama/llama3.2:latest';
const ENV = { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000', CHAT_FLUSH_INTERVAL_MS: '50' };

interface Event {
  event: string;
  messageId: string;
  part: { type: string; delta?: string; messageId?: string; status?: string; content?: string };
}

/** The events received so far, each checked against the published schema. */
function eventsIn(text: string): Event[] {
  return parseSse(text.slice(0, text.lastIndexOf('\n\n') + 2)).map((e) => {
    const event = conversationEventSchema.parse(e.data);
    expect(e.event).toBe(event.part.type);
    return { event: e.event, messageId: event.messageId, part: event.part as Event['part'] };
  });
}

/**
 * The reply's text as a client reads it: deltas, where a `message-start` carrying `content` (a
 * follower that caught up from the database, as it may under load) replaces the text so far.
 */
const textOf = (events: Event[], replyId: string) => {
  let text = '';
  for (const e of events) {
    if (e.messageId !== replyId) continue;
    if (e.part.type === 'text-delta') text += e.part.delta;
    else if (e.part.type === 'message-start' && e.part.messageId === replyId && e.part.content !== undefined)
      text = e.part.content;
  }
  return text;
};

async function origin(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** Starts a reply (the model hangs after its tokens) and answers its id; the response is drained. */
async function send(base: string, cookie: string, conversationId: string, content: string, parentId: string) {
  const response = await fetch(`${base}/api/conversations/${conversationId}/messages`, {
    method: 'POST',
    headers: { ...CSRF, cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ content, parentId }),
  });
  expect(response.status).toBe(200);
  void response.text().catch(() => {});
  return response.headers.get('x-lumina-reply-id')!;
}

describeStorage('conversation events (%s)', (mode) => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    ollama = await new OllamaServer().listen();
    storage = await createTestStorage(mode);
    app = (await createTestApp(storage, { ...ENV, OLLAMA_BASE_URL: ollama.origin })).app;
    base = await origin(app);
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    await ollama?.close();
  });

  it('one connection sees every reply of the conversation, each part tagged with its reply', async () => {
    const chat = await startChat(app, 'events@example.org', { model: MODEL });
    const controller = new AbortController();
    const response = await fetch(`${base}/api/conversations/${chat.conversationId}/events`, {
      headers: { cookie: chat.cookie },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = sseReader(response);

    ollama.script({ kind: 'hang', tokens: ['First', ' answer'] });
    const first = await send(base, chat.cookie, chat.conversationId, 'One', chat.greetingId);
    ollama.script({ kind: 'hang', tokens: ['Second', ' answer'] });
    const second = await send(base, chat.cookie, chat.conversationId, 'Two', chat.greetingId);

    let seen: Event[] = [];
    await events.until((text) => {
      seen = eventsIn(text);
      return textOf(seen, first) === 'First answer' && textOf(seen, second) === 'Second answer';
    });
    for (const replyId of [first, second]) {
      // Each reply's own start is on the stream (after the user message that opened its turn).
      expect(seen).toContainEqual(
        expect.objectContaining({
          messageId: replyId,
          part: expect.objectContaining({ messageId: replyId }),
        }),
      );
      await app.inject({ method: 'POST', url: `/api/messages/${replyId}/cancel`, headers: chat.headers });
    }
    await events.until((text) => {
      seen = eventsIn(text);
      return [first, second].every((id) => seen.some((e) => e.messageId === id && e.event === 'finish'));
    });
    expect(seen.filter((e) => e.event === 'finish').map((e) => e.part.status)).toEqual([
      'cancelled',
      'cancelled',
    ]);
    // The stream stays open for the next replies until the client leaves.
    controller.abort();
  });

  it('follows replies already being written when it connects', async () => {
    const chat = await startChat(app, 'late@example.org', { model: MODEL });
    ollama.script({ kind: 'hang', tokens: ['Already', ' going'] });
    const replyId = await send(base, chat.cookie, chat.conversationId, 'Hi', chat.greetingId);
    const controller = new AbortController();
    const events = sseReader(
      await fetch(`${base}/api/conversations/${chat.conversationId}/events`, {
        headers: { cookie: chat.cookie },
        signal: controller.signal,
      }),
    );
    await events.until((text) => textOf(eventsIn(text), replyId) === 'Already going');
    await app.inject({ method: 'POST', url: `/api/messages/${replyId}/cancel`, headers: chat.headers });
    await events.until((text) => eventsIn(text).some((e) => e.messageId === replyId && e.event === 'finish'));
    controller.abort();
  });

  it('another user’s conversation, or none, is not found', async () => {
    const chat = await startChat(app, 'owner@example.org', { model: MODEL });
    const stranger = await signup(app, 'stranger@example.org');
    const theirs = await app.inject({
      method: 'GET',
      url: `/api/conversations/${chat.conversationId}/events`,
      headers: { cookie: stranger.cookie },
    });
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json().error.code).toBe('conversation_not_found');
    const anonymous = await app.inject({
      method: 'GET',
      url: `/api/conversations/${chat.conversationId}/events`,
    });
    expect(anonymous.statusCode).toBe(401);
  });

  it('ends when the session it was opened with ends', async () => {
    const chat = await startChat(app, 'leaving@example.org', { model: MODEL });
    const response = await fetch(`${base}/api/conversations/${chat.conversationId}/events`, {
      headers: { cookie: chat.cookie },
    });
    const logout = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: chat.headers });
    expect(logout.statusCode).toBeLessThan(300);
    // The stream ends by itself (a test that hangs here fails by timeout).
    expect(await sseReader(response).rest()).toEqual([]);
  });
});

describe.runIf(process.env.TEST_REDIS_URL)('conversation events across two instances sharing Redis', () => {
  it('a reply written on one instance is seen on the other’s event stream', async () => {
    const ollama = await new OllamaServer().listen();
    const storage = await createTestStorage(storageModes().at(-1)!);
    const env = { ...ENV, OLLAMA_BASE_URL: ollama.origin };
    const redisA = new Redis(process.env.TEST_REDIS_URL!);
    const redisB = new Redis(process.env.TEST_REDIS_URL!);
    const a = (await createTestApp(storage, env, redisA)).app;
    const b = (await createTestApp(storage, env, redisB)).app;
    try {
      const chat = await startChat(a, 'two-instances@example.org', { model: MODEL });
      const [baseA, baseB] = [await origin(a), await origin(b)];
      const controller = new AbortController();
      const events = sseReader(
        await fetch(`${baseB}/api/conversations/${chat.conversationId}/events`, {
          headers: { cookie: chat.cookie },
          signal: controller.signal,
        }),
      );
      ollama.script({ kind: 'hang', tokens: ['Written', ' on', ' A'] });
      const replyId = await send(baseA, chat.cookie, chat.conversationId, 'Hello', chat.greetingId);
      await events.until((text) => textOf(eventsIn(text), replyId) === 'Written on A');
      await b.inject({ method: 'POST', url: `/api/messages/${replyId}/cancel`, headers: chat.headers });
      await events.until((text) =>
        eventsIn(text).some(
          (e) => e.messageId === replyId && e.event === 'finish' && e.part.status === 'cancelled',
        ),
      );
      controller.abort();
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
