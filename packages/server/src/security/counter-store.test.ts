import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../realtime/redis.js';
import { describeCounterStore } from '../test-support/counter-store-conformance.js';
import { createMemoryCounterStore, createRedisCounterStore } from './counter-store.js';

const redisUrl = process.env.TEST_REDIS_URL;

describeCounterStore('memory', async () => {
  let time = 1_700_000_000_000;
  const now = () => time;
  const store = createMemoryCounterStore({ now });
  return {
    store,
    now,
    advance: async (ms) => {
      time += ms;
    },
    close: () => store.close(),
  };
});

let redis: Redis | undefined;
afterAll(() => redis?.disconnect());

describeCounterStore(
  'redis',
  async () => {
    redis ??= await connectRedis(redisUrl!);
    // A prefix per test, so parallel runs against one Redis never see each other's keys.
    const prefix = `lumina-test:${randomUUID()}:`;
    return {
      store: createRedisCounterStore(redis!, { prefix }),
      now: Date.now,
      advance: (ms) => sleep(ms),
      close: () => deleteKeys(redis!, prefix),
    };
  },
  { enabled: Boolean(redisUrl) },
);

describe.runIf(redisUrl)('Redis counter store', () => {
  it('writes under its prefix and gives every counter a TTL', async () => {
    redis ??= await connectRedis(redisUrl!);
    const prefix = `lumina-test:${randomUUID()}:`;
    const store = createRedisCounterStore(redis, { prefix });
    await store.increment('ip:1.2.3.4', 60_000);
    const keys = await redis.keys(`${prefix}*`);
    expect(keys).toHaveLength(1);
    const ttl = await redis.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await deleteKeys(redis, prefix);
  });
});

describe('memory counter store', () => {
  let time = 0;
  const now = () => time;
  beforeAll(() => {
    time = 1_000;
  });

  it('drops the oldest entries past its size bound', async () => {
    const store = createMemoryCounterStore({ now, maxEntries: 3 });
    for (const key of ['a', 'b', 'c', 'd']) await store.increment(key, 60_000);
    expect(await store.get('a')).toBeUndefined();
    expect(await store.get('d')).toMatchObject({ count: 1 });
    expect(await store.get('b')).toMatchObject({ count: 1 });
    await store.close();
  });

  it('sweeps expired entries before evicting live ones', async () => {
    const store = createMemoryCounterStore({ now, maxEntries: 2 });
    await store.increment('old', 10);
    await store.increment('live', 60_000);
    time += 20;
    await store.increment('new', 60_000);
    expect(await store.get('live')).toMatchObject({ count: 1 });
    expect(await store.get('new')).toMatchObject({ count: 1 });
    await store.close();
  });
});

async function deleteKeys(client: Redis, prefix: string) {
  const keys = await client.keys(`${prefix}*`);
  if (keys.length > 0) await client.del(...keys);
}
