import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { connectRedis } from '../realtime/redis.js';
import { SESSION_EXPIRED_CLOSE } from '../routes/conversations-socket.routes.js';
import { CSRF, createTestApp, sessionCookie, signup } from '../test-support/app.js';
import { PrivateRedis, privateRedisAvailable } from '../test-support/redis-server.js';
import { waitUntil } from '../test-support/sse.js';
import { createTestStorage, type TestStorage } from '../test-support/storage.js';

/**
 * Two instances sharing a Redis of the test's own, which the test kills, freezes and brings
 * back. Every request must still be answered (not 500, not hanging), revocation must still
 * hold across instances (through the database), /health must say `degraded`, and Redis must
 * be used again once it is back, without a restart.
 */
describe.runIf(privateRedisAvailable())('a Redis outage', () => {
  let redisServer: PrivateRedis;
  let storage: TestStorage;
  let clients: Redis[];
  let a: FastifyInstance;
  let b: FastifyInstance;
  beforeAll(async () => {
    redisServer = await PrivateRedis.start();
    storage = await createTestStorage(process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite');
    clients = [await connectRedis(redisServer.url), await connectRedis(redisServer.url)];
    const env = { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' };
    a = (await createTestApp(storage, env, clients[0])).app;
    b = (await createTestApp(storage, env, clients[1])).app;
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    for (const client of clients ?? []) client.disconnect();
    await storage?.close();
    await redisServer?.stop();
  });

  const me = (app: FastifyInstance, cookie: string) =>
    app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });
  const login = (app: FastifyInstance, email: string, password: string) =>
    app.inject({ method: 'POST', url: '/api/auth/login', headers: CSRF, payload: { email, password } });
  const health = async (app: FastifyInstance) => (await app.inject({ method: 'GET', url: '/health' })).json();
  /** The ids of the sessions other than the one of `owner`. */
  const otherSessionIds = async (app: FastifyInstance, owner: string) =>
    (
      (await app.inject({ method: 'GET', url: '/api/auth/sessions', headers: { cookie: owner } })).json()
        .sessions as { id: string; current: boolean }[]
    )
      .filter((s) => !s.current)
      .map((s) => s.id);
  const inspect = () => new Redis(redisServer.url);

  it('keeps serving, revokes across instances through the database, reports degraded, and recovers', async () => {
    const { cookie, password, user } = await signup(a, 'outage@example.org');
    const second = sessionCookie(await login(a, user.email, password));
    expect((await me(b, second)).statusCode).toBe(200); // B caches the session

    await redisServer.stop();
    expect((await me(a, cookie)).statusCode).toBe(200);
    expect((await me(b, second)).statusCode).toBe(200);

    // Revoked on A while Redis is down: B learns it from the database column.
    const [target] = await otherSessionIds(a, cookie);
    const revoked = await a.inject({
      method: 'DELETE',
      url: `/api/auth/sessions/${target}`,
      headers: { ...CSRF, cookie },
    });
    expect(revoked.statusCode).toBe(204);
    const refused = await me(b, second);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('session_expired');
    expect((await login(b, user.email, password)).statusCode).toBe(200);

    const degraded = await health(a);
    expect(degraded).toMatchObject({ status: 'degraded', checks: { redis: { status: 'error' } } });
    expect((await a.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);

    // Back (empty, as after a crash): the instances use it again without a restart.
    await redisServer.restart();
    await waitUntil(async () => (await health(a)).status === 'ok' && (await health(b)).status === 'ok');
    const observer = inspect();
    try {
      await waitUntil(async () => {
        await me(b, cookie);
        return (await observer.exists(`lumina:ratelimit:api:c:user:${user.id}`)) === 1;
      });
      await waitUntil(async () => (await observer.exists(`lumina:auth-epoch-mirror:${user.id}`)) === 1);
    } finally {
      observer.disconnect();
    }
    // And revocation still crosses instances, now through Redis again.
    const third = sessionCookie(await login(a, user.email, password));
    expect((await me(b, third)).statusCode).toBe(200);
    for (const id of await otherSessionIds(a, cookie))
      await a.inject({ method: 'DELETE', url: `/api/auth/sessions/${id}`, headers: { ...CSRF, cookie } });
    expect((await me(b, third)).statusCode).toBe(401);
  });

  it('answers promptly while Redis is frozen (accepts connections, never replies)', async () => {
    const { cookie, password, user } = await signup(a, 'frozen@example.org');
    redisServer.freeze();
    try {
      expect((await login(a, user.email, password)).statusCode).toBe(200);
      expect((await me(a, cookie)).statusCode).toBe(200);
      expect((await me(b, cookie)).statusCode).toBe(200);
      expect(await health(b)).toMatchObject({ status: 'degraded' });
    } finally {
      redisServer.thaw();
    }
    await waitUntil(async () => (await health(a)).status === 'ok');
    expect((await me(a, cookie)).statusCode).toBe(200);
  });

  it('a socket on B is refused at its next frame after a revoke on A while Redis is down', async () => {
    const { cookie, password, user } = await signup(a, 'socket-outage@example.org');
    const second = sessionCookie(await login(a, user.email, password));
    if (!b.server.listening) await b.listen({ port: 0, host: '127.0.0.1' });
    const port = (b.server.address() as AddressInfo).port;
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/conversations`, {
      headers: { cookie: second, origin: `http://127.0.0.1:${port}` },
    });
    const frames: { code?: string }[] = [];
    let closeCode: number | undefined;
    socket.on('message', (data) => frames.push(JSON.parse(String(data))));
    socket.on('close', (code) => {
      closeCode = code;
    });
    await new Promise((resolve) => socket.once('open', resolve));
    const cancelUnknown = () =>
      socket.send(JSON.stringify({ type: 'cancel', messageId: '01900000-0000-7000-8000-000000000000' }));
    cancelUnknown();
    await waitUntil(async () => frames.length === 1);
    expect(frames[0]!.code).toBe('message_not_found'); // admitted: the socket works

    await redisServer.stop();
    try {
      // No bump notice can cross without Redis; the frame's own check reads the database.
      for (const id of await otherSessionIds(a, cookie))
        await a.inject({ method: 'DELETE', url: `/api/auth/sessions/${id}`, headers: { ...CSRF, cookie } });
      cancelUnknown();
      await waitUntil(async () => closeCode !== undefined);
      expect(frames.at(-1)).toMatchObject({ type: 'error', code: 'session_expired' });
      expect(closeCode).toBe(SESSION_EXPIRED_CLOSE);
    } finally {
      await redisServer.restart();
    }
  });
});
