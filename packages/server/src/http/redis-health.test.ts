import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { connectRedis, RedisConnectError } from '../realtime/redis.js';
import { waitUntil } from '../test-support/sse.js';
import { createTestStorage, type TestStorage } from '../test-support/storage.js';

const redisUrl = process.env.TEST_REDIS_URL;

describe.runIf(redisUrl)('health with Redis (TEST_REDIS_URL)', () => {
  let storage: TestStorage;
  beforeAll(async () => {
    storage = await createTestStorage('pglite');
  });
  afterAll(() => storage?.close());

  it('reports Redis when it is configured, and degraded (still 200) when it stops answering', async () => {
    const redis = await connectRedis(redisUrl!);
    const app = await buildApp({
      config: loadConfig({ LOG_LEVEL: 'silent' }),
      storage,
      redis,
      serveWeb: false,
    });
    const ok = await app.inject({ method: 'GET', url: '/health' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().checks.redis).toMatchObject({ status: 'ok' });

    redis.disconnect();
    // Health reuses a probe result for up to 1 s.
    await waitUntil(async () => (await app.inject({ method: 'GET', url: '/health' })).json().status !== 'ok');
    const down = await app.inject({ method: 'GET', url: '/health' });
    expect(down.statusCode).toBe(200); // the instance still serves every request on its fallbacks
    expect(down.json()).toMatchObject({ status: 'degraded', checks: { redis: { status: 'error' } } });
    await app.close();
  });
});

describe('connectRedis', () => {
  it('fails fast with one line when Redis is unreachable', async () => {
    const error = await connectRedis('redis://:hunter2@127.0.0.1:1').catch((e) => e);
    expect(error).toBeInstanceOf(RedisConnectError);
    expect(error.message).toMatch(/^cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/);
    expect(error.message).not.toContain('hunter2');
  });
});
