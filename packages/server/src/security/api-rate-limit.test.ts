import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { connectRedis, createRedisGate } from '../realtime/redis.js';
import { type ApiLimiterOptions, createApiLimiter, registerApiRateLimit } from './api-rate-limit.js';
import {
  createFallbackCounterStore,
  createMemoryCounterStore,
  createRedisCounterStore,
} from './counter-store.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** A bare Fastify app: this plugin, a dummy API route, and the routes that must stay unlimited. */
async function buildTestApp(options: Partial<ApiLimiterOptions> = {}) {
  const app = Fastify({ logger: false });
  apps.push(app);
  // Registered before the limiter on purpose: the limit must cover it all the same.
  app.get('/api/early', async () => ({ ok: true }));
  await registerApiRateLimit(app, {
    limiter: createApiLimiter({ max: 3, ...options }),
    keyFor: (request) => {
      const user = request.headers['x-test-user'];
      return typeof user === 'string' ? `user:${user}` : undefined;
    },
  });
  app.get('/api/ping', async () => ({ pong: true }));
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/metrics', async () => 'metrics');
  app.get('/assets/app.js', async () => 'js');
  return app;
}

const ping = (app: FastifyInstance, headers: Record<string, string> = {}, remoteAddress = '10.0.0.1') =>
  app.inject({ method: 'GET', url: '/api/ping', headers, remoteAddress });

describe('API rate limit', () => {
  it('answers 429 with retry-after and the Lumina error shape past the limit', async () => {
    const app = await buildTestApp();
    const allowed = [await ping(app), await ping(app), await ping(app)];
    expect(allowed.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(allowed.map((r) => r.headers['x-ratelimit-remaining'])).toEqual(['2', '1', '0']);
    expect(allowed[0]!.headers['x-ratelimit-limit']).toBe('3');

    const limited = await ping(app);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('60');
    expect(limited.headers['content-type']).toMatch(/^application\/json/);
    expect(limited.json()).toEqual({
      error: {
        code: 'rate_limited',
        message: 'Too many requests. Try again in 60 seconds.',
        details: { retryAfterSeconds: 60 },
        requestId: expect.any(String),
      },
    });
  });

  it('leaves health, metrics and static files unlimited', async () => {
    const app = await buildTestApp({ max: 1 });
    for (const url of ['/health', '/metrics', '/assets/app.js']) {
      for (let i = 0; i < 5; i++) {
        const response = await app.inject({ method: 'GET', url });
        expect(response.statusCode).toBe(200);
        expect(response.headers['x-ratelimit-limit']).toBeUndefined();
      }
    }
    expect((await ping(app)).statusCode).toBe(200);
  });

  it('counts every /api request, including routes registered earlier and unknown paths', async () => {
    const app = await buildTestApp();
    expect((await app.inject({ url: '/api/early', remoteAddress: '10.0.0.1' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/missing', remoteAddress: '10.0.0.1' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/ping?x=1', remoteAddress: '10.0.0.1' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/early', remoteAddress: '10.0.0.1' })).statusCode).toBe(429);
  });

  it('counts a signed-in caller by identity, whatever the IP, and anonymous callers by IP', async () => {
    const app = await buildTestApp();
    const alice = { 'x-test-user': 'alice' };
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3'])
      expect((await ping(app, alice, ip)).statusCode).toBe(200);
    expect((await ping(app, alice, '10.0.0.4')).statusCode).toBe(429);
    // Same IP as alice's last request, but another identity or none: separate counters.
    expect((await ping(app, { 'x-test-user': 'bob' }, '10.0.0.3')).statusCode).toBe(200);
    expect((await ping(app, {}, '10.0.0.3')).statusCode).toBe(200);
  });

  it('reads an identity that an onRequest hook registered before it has resolved', async () => {
    const app = Fastify({ logger: false });
    apps.push(app);
    app.decorateRequest('caller', '');
    app.addHook('onRequest', async (request) => {
      (request as unknown as { caller: string }).caller = String(request.headers.authorization ?? '');
    });
    await registerApiRateLimit(app, {
      limiter: createApiLimiter({ max: 1 }),
      keyFor: (request) => (request as unknown as { caller: string }).caller || undefined,
    });
    app.get('/api/ping', async () => ({ pong: true }));
    const as = (caller: string, ip: string) =>
      app.inject({ url: '/api/ping', headers: { authorization: caller }, remoteAddress: ip });
    expect((await as('user:1', '10.0.0.1')).statusCode).toBe(200);
    expect((await as('user:1', '10.0.0.2')).statusCode).toBe(429);
    expect((await as('user:2', '10.0.0.2')).statusCode).toBe(200);
  });
});

const redisUrl = process.env.TEST_REDIS_URL;

describe.runIf(redisUrl)('API rate limit on Redis', () => {
  const clients: Redis[] = [];
  const nameSpaces: string[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    const cleaner = await connectRedis(redisUrl!); // a test may have cut its own clients off
    for (const nameSpace of nameSpaces.splice(0)) {
      const keys = await cleaner.keys(`${nameSpace}*`);
      if (keys.length > 0) await cleaner.del(...keys);
    }
    cleaner.disconnect();
  });
  const connect = async () => {
    const client = await connectRedis(redisUrl!);
    clients.push(client);
    return client;
  };
  // A namespace per test, so parallel runs against one Redis never share counters.
  const uniqueNameSpace = () => {
    nameSpaces.push(`lumina-test:${randomUUID()}:`);
    return nameSpaces.at(-1)!;
  };

  it('two app instances against the same Redis share one counter', async () => {
    const nameSpace = uniqueNameSpace();
    const one = await buildTestApp({
      store: createRedisCounterStore(await connect(), { prefix: nameSpace }),
    });
    const two = await buildTestApp({
      store: createRedisCounterStore(await connect(), { prefix: nameSpace }),
    });
    expect((await ping(one)).statusCode).toBe(200);
    expect((await ping(two)).statusCode).toBe(200);
    expect((await ping(one)).statusCode).toBe(200);
    const limited = await ping(two);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(55);
    expect(limited.json().error).toMatchObject({ code: 'rate_limited' });
    // Another client is unaffected on both instances.
    expect((await ping(one, {}, '10.0.0.2')).statusCode).toBe(200);
  });

  it('keeps limiting with local counters while Redis is unreachable', async () => {
    const redis = await connect();
    const store = createFallbackCounterStore(
      createRedisCounterStore(redis, { prefix: uniqueNameSpace() }),
      createMemoryCounterStore(),
      createRedisGate(redis),
    );
    const app = await buildTestApp({ store });
    expect((await ping(app)).statusCode).toBe(200); // counted in Redis
    redis.disconnect();
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await ping(app)).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
  });
});
