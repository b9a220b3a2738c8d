import type { Redis } from 'ioredis';

/**
 * A per-user counter bumped whenever the user's access changes (a session revoked, a token
 * deleted, the password changed, the account disabled or its role changed). Cached identities
 * remember the epoch they were read at and are dropped when it moved, so a revoke takes effect
 * on the very next request. With Redis the counter is shared, so this holds across instances.
 */
export interface AuthEpochs {
  current(userId: string): Promise<number>;
  bump(userId: string): Promise<void>;
}

export function createMemoryAuthEpochs(): AuthEpochs {
  const epochs = new Map<string, number>();
  return {
    current: async (userId) => epochs.get(userId) ?? 0,
    bump: async (userId) => {
      epochs.set(userId, (epochs.get(userId) ?? 0) + 1);
    },
  };
}

export function createRedisAuthEpochs(redis: Redis, prefix = 'lumina:auth-epoch:'): AuthEpochs {
  return {
    current: async (userId) => Number((await redis.get(prefix + userId)) ?? 0),
    bump: async (userId) => {
      await redis.incr(prefix + userId);
    },
  };
}
