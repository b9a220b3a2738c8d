import type { Redis } from 'ioredis';
import type { Database } from '../db/database.js';
import { createRedisGate, type RedisGate, subscriberOf } from '../realtime/redis.js';
import { createAuthEpochRepository } from '../repositories/auth-epoch.repository.js';
import { type AuthEpochs, createMemoryAuthEpochs, createSharedAuthEpochs } from './auth-epoch.js';
import {
  type CounterStore,
  createFallbackCounterStore,
  createMemoryCounterStore,
  createRedisCounterStore,
} from './counter-store.js';

export interface SecurityStores {
  epochs: AuthEpochs;
  /** Sign-in and sign-up failures and lock-outs. */
  loginCounters: CounterStore;
  /** The per-client API budget, spent by HTTP requests and WebSocket frames. */
  apiCounters: CounterStore;
  /** Present with Redis: what tells whether Redis is answering. */
  gate: RedisGate | undefined;
  close(): Promise<void>;
}

/**
 * Where the security state lives. Without Redis: in this process. With Redis: shared between
 * instances, and each store falls back on its own when Redis stops answering (epochs to the
 * database column, counters to this process) so an outage costs no request more than a moment.
 * @example const stores = createSecurityStores(storage.db, redis); app.addHook('onClose', stores.close);
 */
export function createSecurityStores(db: Database, redis?: Redis): SecurityStores {
  if (!redis) {
    const epochs = createMemoryAuthEpochs();
    const loginCounters = createMemoryCounterStore();
    const apiCounters = createMemoryCounterStore();
    return {
      epochs,
      loginCounters,
      apiCounters,
      gate: undefined,
      close: async () => {
        await Promise.all([epochs.close(), loginCounters.close(), apiCounters.close()]);
      },
    };
  }
  const gate = createRedisGate(redis);
  const epochs = createSharedAuthEpochs({
    redis,
    subscriber: subscriberOf(redis),
    gate,
    database: createAuthEpochRepository(db),
  });
  const counters = (prefix: string) =>
    createFallbackCounterStore(createRedisCounterStore(redis, { prefix }), createMemoryCounterStore(), gate);
  const loginCounters = counters('lumina:counter:');
  const apiCounters = counters('lumina:ratelimit:api:');
  return {
    epochs,
    loginCounters,
    apiCounters,
    gate,
    close: async () => {
      await Promise.all([epochs.close(), loginCounters.close(), apiCounters.close()]);
    },
  };
}
