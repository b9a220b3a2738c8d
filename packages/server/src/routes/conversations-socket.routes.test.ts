import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { connectRedis } from '../realtime/redis.js';
import { CSRF, createTestApp, sessionCookie, signup } from '../test-support/app.js';
import { startChat } from '../test-support/conversations.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { waitUntil } from '../test-support/sse.js';
import {
  createTestStorage,
  describeStorage,
  storageModes,
  type TestStorage,
} from '../test-support/storage.js';
import { SESSION_EXPIRED_CLOSE } from './conversations-socket.routes.js';

const MODEL = 'ollama/llama3.2:latest';
type Frame = Record<string, unknown>;

/** A real WebSocket client that records every frame and how the socket closed. */
async function openSocket(app: FastifyInstance, auth: { cookie?: string; token?: string }) {
  const port = (app.server.address() as AddressInfo).port;
  const query = auth.token ? `?token=${auth.token}` : '';
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/conversations${query}`, {
    headers: auth.cookie ? { cookie: auth.cookie, origin: `http://127.0.0.1:${port}` } : {},
  });
  const frames: Frame[] = [];
  let closeCode: number | undefined;
  socket.on('message', (data) => frames.push(JSON.parse(String(data))));
  socket.on('close', (code) => {
    closeCode = code;
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    frames,
    send: (frame: Frame) => socket.send(JSON.stringify(frame)),
    closeCode: () => closeCode,
    /** Waits for a frame matching `match` and returns it. */
    async next(match: (frame: Frame) => boolean): Promise<Frame> {
      await waitUntil(async () => frames.some(match));
      return frames.find(match)!;
    },
  };
}

/** A user with a model, an avatar and a conversation, on `app`. */
async function chatUser(app: FastifyInstance, email: string) {
  const chat = await startChat(app, email, { model: MODEL });
  return { ...chat, conversation: { id: chat.conversationId } };
}

const login = async (app: FastifyInstance, email: string, password: string) =>
  sessionCookie(
    await app.inject({ method: 'POST', url: '/api/auth/login', headers: CSRF, payload: { email, password } }),
  );

const newToken = async (app: FastifyInstance, cookie: string) =>
  (
    await app.inject({
      method: 'POST',
      url: '/api/auth/tokens',
      headers: { ...CSRF, cookie },
      payload: { name: 'socket', scopes: ['read', 'write'] },
    })
  ).json() as { token: { id: string }; secret: string };

const messagesIn = async (storage: TestStorage, conversationId: string) =>
  Number(
    (
      await storage.db.execute(
        sql`select count(*)::int as n from messages where conversation_id = ${conversationId}`,
      )
    ).rows[0]!.n,
  );

type Revocation = 'logout' | 'session revoke' | 'token delete' | 'account disable';
const REVOCATIONS: Revocation[] = ['logout', 'session revoke', 'token delete', 'account disable'];

/**
 * Opens a socket for a fresh user the way `how` needs it, checks that it starts a reply, then
 * revokes through `revoker` (which may be another instance) and returns what the socket saw.
 */
async function revokeUnderOpenSocket(
  how: Revocation,
  opener: FastifyInstance,
  revoker: FastifyInstance,
  admin: { cookie: string },
  ollama: OllamaServer,
  email: string,
  countMessages: (conversationId: string) => Promise<number>,
) {
  const chat = await chatUser(opener, email);
  const second = await login(opener, chat.user.email, chat.password);
  const token = how === 'token delete' ? await newToken(opener, chat.cookie) : undefined;
  const auth = token ? { token: token.secret } : { cookie: how === 'logout' ? chat.cookie : second };
  const client = await openSocket(opener, auth);
  ollama.script({ kind: 'text', tokens: ['still', ' open'] });
  client.send({ type: 'send', ref: 'before', conversationId: chat.conversation.id, content: 'First' });
  await client.next((f) => f.ref === 'before' && f.type === 'finish');
  const stored = await countMessages(chat.conversation.id);

  const headers = { ...CSRF, cookie: chat.cookie };
  if (how === 'logout') {
    await revoker.inject({ method: 'POST', url: '/api/auth/logout', headers });
  } else if (how === 'session revoke') {
    const sessions = (await revoker.inject({ method: 'GET', url: '/api/auth/sessions', headers })).json()
      .sessions as { id: string; current: boolean }[];
    for (const s of sessions.filter((s) => !s.current))
      await revoker.inject({ method: 'DELETE', url: `/api/auth/sessions/${s.id}`, headers });
  } else if (how === 'token delete') {
    await revoker.inject({ method: 'DELETE', url: `/api/auth/tokens/${token!.token.id}`, headers });
  } else {
    const res = await revoker.inject({
      method: 'PATCH',
      url: `/api/admin/users/${chat.user.id}`,
      headers: { ...CSRF, cookie: admin.cookie },
      payload: { disabled: true },
    });
    expect(res.statusCode).toBe(200);
  }
  // Closed without waiting for another frame; a frame sent now starts nothing.
  const expired = await client.next((f) => f.code === 'session_expired');
  await waitUntil(async () => client.closeCode() !== undefined);
  expect(client.closeCode()).toBe(SESSION_EXPIRED_CLOSE);
  return { expired, stored, chat };
}

describeStorage('the conversation socket after its credential ends (%s)', (mode) => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  let app: FastifyInstance;
  let admin: { cookie: string };
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
    admin = await signup(app, 'admin@example.org'); // the first account is the admin
    await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    await ollama?.close();
  });

  for (const how of REVOCATIONS) {
    it(`closes with session_expired after ${how}, and starts no reply`, async () => {
      const email = `${how.replace(' ', '-')}-${mode}@example.org`;
      const { expired, stored, chat } = await revokeUnderOpenSocket(
        how,
        app,
        app,
        admin,
        ollama,
        email,
        (id) => messagesIn(storage, id),
      );
      expect(expired).toMatchObject({ type: 'error', code: 'session_expired' });
      expect(await messagesIn(storage, chat.conversation.id)).toBe(stored);
    });
  }
});

describeStorage('the conversation socket under load (%s)', (mode) => {
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
        LUMINA_API_LIMIT_PER_MINUTE: '40',
        CHAT_FLUSH_INTERVAL_MS: '50',
      })
    ).app;
    await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    await ollama?.close();
  });

  it('runs at most 4 replies per socket; a fifth answers too_many_replies and cancel still works', async () => {
    const chat = await chatUser(app, `bound-${mode}@example.org`);
    const client = await openSocket(app, { cookie: chat.cookie });
    ollama.script({ kind: 'hang', tokens: ['Thinking'] });
    client.send({ type: 'send', ref: 'r0', conversationId: chat.conversation.id, content: 'Go' });
    const start = await client.next(
      (f) => f.ref === 'r0' && f.type === 'message-start' && f.role === 'assistant',
    );
    const replyId = start.replyId as string;
    for (const ref of ['r1', 'r2', 'r3']) client.send({ type: 'resume', ref, messageId: replyId });
    await client.next((f) => f.ref === 'r3' && f.type === 'text-delta');
    client.send({ type: 'resume', ref: 'r4', messageId: replyId });
    const refused = await client.next((f) => f.ref === 'r4' && f.type === 'error');
    expect(refused).toMatchObject({ code: 'too_many_replies', details: { maxReplies: 4 } });
    client.send({ type: 'cancel', ref: 'stop', messageId: replyId });
    expect(await client.next((f) => f.ref === 'stop')).toMatchObject({
      type: 'cancelled',
      status: 'cancelled',
    });
    // The followers end, so the socket may run replies again.
    await client.next((f) => f.ref === 'r3' && f.type === 'finish');
    client.send({ type: 'resume', ref: 'r5', messageId: replyId });
    await client.next((f) => f.ref === 'r5' && f.type === 'finish');
    client.socket.close();
  });

  it('spends the same per-user budget as HTTP: rate_limited frames, the socket stays open', async () => {
    const chat = await chatUser(app, `budget-${mode}@example.org`);
    const client = await openSocket(app, { cookie: chat.cookie });
    const unknown = '01900000-0000-7000-8000-000000000000';
    let sent = 0;
    while (!client.frames.some((f) => f.code === 'rate_limited')) {
      client.send({ type: 'cancel', ref: `c${sent}`, messageId: unknown });
      sent += 1;
      await client.next((f) => f.ref === `c${sent - 1}`);
      expect(sent).toBeLessThanOrEqual(40);
    }
    const limited = client.frames.find((f) => f.code === 'rate_limited')!;
    expect(limited).toMatchObject({ type: 'error', ref: `c${sent - 1}` });
    expect((limited.details as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
    // The frames spent the budget HTTP requests draw on.
    const http = await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: chat.cookie } });
    expect(http.statusCode).toBe(429);
    client.socket.close();
  });
});

describe.skipIf(!process.env.TEST_REDIS_URL)('the conversation socket on two instances sharing Redis', () => {
  it('a revoke on instance A closes the socket open on instance B', async () => {
    const ollama = await new OllamaServer().listen();
    const storage = await createTestStorage(storageModes().at(-1)!);
    const clients: Redis[] = [
      await connectRedis(process.env.TEST_REDIS_URL!),
      await connectRedis(process.env.TEST_REDIS_URL!),
    ];
    const env = {
      OLLAMA_BASE_URL: ollama.origin,
      LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000',
      CHAT_FLUSH_INTERVAL_MS: '50',
    };
    const a = (await createTestApp(storage, env, clients[0])).app;
    const b = (await createTestApp(storage, env, clients[1])).app;
    try {
      const admin = await signup(a, 'admin-two@example.org');
      await b.listen({ port: 0, host: '127.0.0.1' });
      for (const how of REVOCATIONS) {
        const email = `two-${how.replace(' ', '-')}@example.org`;
        const { expired } = await revokeUnderOpenSocket(how, b, a, admin, ollama, email, (id) =>
          messagesIn(storage, id),
        );
        expect(expired).toMatchObject({ code: 'session_expired' });
      }
    } finally {
      await a.close();
      await b.close();
      for (const client of clients) client.disconnect();
      await storage.close();
      await ollama.close();
    }
  });
});
