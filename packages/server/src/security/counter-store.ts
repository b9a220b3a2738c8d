import type { Redis } from 'ioredis';
import type { RedisGate } from '../realtime/redis.js';

/** One fixed window of a counter: how many hits so far and when (epoch ms) the window ends. */
export interface CounterWindow {
  count: number;
  resetAt: number;
}

/**
 * Fixed-window counters and lock-outs, shared by every throttle. In memory for one process;
 * in Redis when several instances must agree (a lock-out set by one holds on all of them).
 */
export interface CounterStore {
  /** Adds one hit; the first hit opens a window of `windowMs`, later hits do not extend it. */
  increment(key: string, windowMs: number): Promise<CounterWindow>;
  get(key: string): Promise<CounterWindow | undefined>;
  /** Forgets the counter and the lock-out of `key`. */
  reset(key: string): Promise<void>;
  /** Locks `key` until `untilMs` (epoch ms); the record disappears on its own afterwards. */
  setLock(key: string, untilMs: number): Promise<void>;
  /** The end (epoch ms) of the lock-out on `key`, or undefined when it is not locked. */
  getLock(key: string): Promise<number | undefined>;
  /** Stops background work; never closes a connection it was given. */
  close(): Promise<void>;
}

export interface MemoryCounterStoreOptions {
  now?: () => number;
  /** Oldest entries are dropped past this size, so a flood of distinct keys cannot exhaust memory. */
  maxEntries?: number;
  sweepIntervalMs?: number;
}

interface Entry {
  value: number;
  expiresAt: number;
}

/**
 * A process-local store: a Map with expiry, swept in the background.
 * @example const store = createMemoryCounterStore(); await store.increment('ip:1.2.3.4', 60_000);
 */
export function createMemoryCounterStore(options: MemoryCounterStoreOptions = {}): CounterStore {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 100_000;
  const entries = new Map<string, Entry>();

  const sweep = () => {
    const time = now();
    for (const [key, entry] of entries) if (entry.expiresAt <= time) entries.delete(key);
  };
  // unref: an idle sweep must never keep the process (or a test run) alive.
  const timer = setInterval(sweep, options.sweepIntervalMs ?? 60_000);
  timer.unref();

  const read = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  const write = (key: string, entry: Entry) => {
    if (!entries.has(key) && entries.size >= maxEntries) {
      sweep();
      // Map iterates in insertion order, so the first key is the oldest.
      while (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
    }
    entries.set(key, entry);
  };

  return {
    async increment(key, windowMs) {
      const entry = read(`c:${key}`);
      if (entry) {
        entry.value += 1;
        return { count: entry.value, resetAt: entry.expiresAt };
      }
      const fresh = { value: 1, expiresAt: now() + windowMs };
      write(`c:${key}`, fresh);
      return { count: 1, resetAt: fresh.expiresAt };
    },
    async get(key) {
      const entry = read(`c:${key}`);
      return entry && { count: entry.value, resetAt: entry.expiresAt };
    },
    async reset(key) {
      entries.delete(`c:${key}`);
      entries.delete(`l:${key}`);
    },
    async setLock(key, untilMs) {
      if (untilMs <= now()) entries.delete(`l:${key}`);
      else write(`l:${key}`, { value: untilMs, expiresAt: untilMs });
    },
    async getLock(key) {
      return read(`l:${key}`)?.value;
    },
    async close() {
      clearInterval(timer);
    },
  };
}

export interface RedisCounterStoreOptions {
  /** Every key is written under this prefix (default `lumina:counter:`). */
  prefix?: string;
  now?: () => number;
}

// INCR and PEXPIRE in one script, so a crash between them cannot leave a counter that never
// expires; a key somehow left without a TTL gets one here.
const INCREMENT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

/**
 * A store shared by every instance connected to the same Redis.
 * @example const store = createRedisCounterStore(await connectRedis(config.redisUrl!));
 */
export function createRedisCounterStore(redis: Redis, options: RedisCounterStoreOptions = {}): CounterStore {
  const prefix = options.prefix ?? 'lumina:counter:';
  const now = options.now ?? Date.now;
  const counterKey = (key: string) => `${prefix}c:${key}`;
  const lockKey = (key: string) => `${prefix}l:${key}`;

  return {
    async increment(key, windowMs) {
      const [count, ttl] = (await redis.eval(INCREMENT, 1, counterKey(key), windowMs)) as [number, number];
      return { count, resetAt: now() + ttl };
    },
    async get(key) {
      const [count, ttl] = (await redis.multi().get(counterKey(key)).pttl(counterKey(key)).exec())!.map(
        ([err, value]) => {
          if (err) throw err;
          return value;
        },
      ) as [string | null, number];
      return count === null || ttl < 0 ? undefined : { count: Number(count), resetAt: now() + ttl };
    },
    async reset(key) {
      await redis.del(counterKey(key), lockKey(key));
    },
    async setLock(key, untilMs) {
      const ttl = Math.ceil(untilMs - now());
      if (ttl <= 0) await redis.del(lockKey(key));
      else await redis.set(lockKey(key), String(untilMs), 'PX', ttl);
    },
    async getLock(key) {
      const until = await redis.get(lockKey(key));
      return until === null ? undefined : Number(until);
    },
    async close() {},
  };
}

/**
 * Redis while it answers, the process's own counters while it does not: a stopped or frozen
 * Redis must not turn every sign-in and API call into a wait and an error, and counting locally
 * still limits each instance (docs/rate-limits.md). Counts made during an outage stay local;
 * Redis's own counters resume where they were when it comes back.
 * @example createFallbackCounterStore(createRedisCounterStore(redis), createMemoryCounterStore(), gate)
 */
export function createFallbackCounterStore(
  primary: CounterStore,
  fallback: CounterStore,
  gate: RedisGate,
): CounterStore {
  return {
    increment: (key, windowMs) =>
      gate.run(
        () => primary.increment(key, windowMs),
        () => fallback.increment(key, windowMs),
      ),
    get: (key) =>
      gate.run(
        () => primary.get(key),
        () => fallback.get(key),
      ),
    reset: async (key) => {
      // Both, so a lock-out counted locally during an outage is cleared as well.
      await fallback.reset(key);
      await gate.run(
        () => primary.reset(key),
        () => undefined,
      );
    },
    setLock: (key, untilMs) =>
      gate.run(
        () => primary.setLock(key, untilMs),
        () => fallback.setLock(key, untilMs),
      ),
    getLock: async (key) => {
      const local = await fallback.getLock(key);
      const shared = await gate.run(
        () => primary.getLock(key),
        () => undefined,
      );
      return local === undefined ? shared : shared === undefined ? local : Math.max(local, shared);
    },
    close: async () => {
      await Promise.all([primary.close(), fallback.close()]);
    },
  };
}
