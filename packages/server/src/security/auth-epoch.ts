import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisGate } from '../realtime/redis.js';
import type { AuthEpochRepository } from '../repositories/auth-epoch.repository.js';

/**
 * A per-user counter bumped whenever the user's access changes (a session revoked, a token
 * deleted, the password changed, the account disabled or its role changed). Cached identities
 * and open WebSockets remember the epoch they were read at and re-check the credential when it
 * moved, so a revoke takes effect on the very next request or frame.
 */
export interface AuthEpochs {
  current(userId: string): Promise<number>;
  bump(userId: string): Promise<void>;
  /**
   * Calls `listener` when a user's epoch is bumped here or, with Redis, on another instance,
   * so open WebSockets of that user are checked at once. Returns the unsubscribe function.
   */
  onBump(listener: (userId: string) => void): () => void;
  close(): Promise<void>;
}

/** One process: epochs in memory (without Redis there is only one instance to tell). */
export function createMemoryAuthEpochs(): AuthEpochs {
  const epochs = new Map<string, number>();
  const listeners = new Set<(userId: string) => void>();
  return {
    current: async (userId) => epochs.get(userId) ?? 0,
    bump: async (userId) => {
      epochs.set(userId, (epochs.get(userId) ?? 0) + 1);
      for (const listener of listeners) listener(userId);
    },
    onBump(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => listeners.clear(),
  };
}

export interface SharedAuthEpochsDeps {
  redis: Redis;
  /** A connection for SUBSCRIBE (see subscriberOf), closed by close(). */
  subscriber: Redis;
  gate: RedisGate;
  /** The database column: the truth, read whenever Redis cannot answer. */
  database: AuthEpochRepository;
  prefix?: string;
  /** How long a mirrored epoch lives in Redis before it is read from the database again. */
  mirrorTtlMs?: number;
}

// Raises the mirror to ARGV[1] unless it already holds a higher value; never lowers it, so a
// slow writer cannot undo a newer bump. Refreshes the expiry.
const RAISE = `
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
if current < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1`;

/**
 * Epochs for several instances. The database column is the truth and every bump goes there;
 * Redis mirrors it so the per-request check costs one Redis read instead of a SQL query, and
 * carries a bump notice to the other instances. When Redis is stopped or frozen, reads fall
 * back to the database, so a revoke made meanwhile still holds on every instance. A mirror
 * write that failed is replayed when Redis answers again, and every mirrored value expires after
 * `mirrorTtlMs`, which bounds how long a mirror missed by a partitioned instance can be stale.
 */
export function createSharedAuthEpochs(deps: SharedAuthEpochsDeps): AuthEpochs {
  const { redis, subscriber, gate, database } = deps;
  // Not `lumina:auth-epoch:`, where earlier versions kept Redis-only counters unrelated to the column.
  const prefix = deps.prefix ?? 'lumina:auth-epoch-mirror:';
  const origin = randomUUID(); // this instance, so it skips its own bump notices
  const channel = `${prefix}bumped`;
  const ttlMs = deps.mirrorTtlMs ?? 10 * 60_000;
  const listeners = new Set<(userId: string) => void>();
  const unsynced = new Set<string>();

  const notify = (userId: string) => {
    for (const listener of listeners) listener(userId);
  };
  const mirror = (userId: string, epoch: number) =>
    gate.run(
      async () => {
        await redis.eval(RAISE, 1, prefix + userId, epoch, ttlMs);
        return true;
      },
      () => false,
    );
  const resync = async () => {
    for (const userId of [...unsynced]) {
      unsynced.delete(userId);
      if (!(await mirror(userId, await database.current(userId)))) unsynced.add(userId);
    }
  };
  const stopRecover = gate.onRecover(() => void resync().catch(() => {}));

  subscriber.on('message', (from: string, message: string) => {
    const [sender, userId] = message.split(' ');
    if (from === channel && sender !== origin && userId) notify(userId);
  });
  subscriber.subscribe(channel).catch(() => {}); // queued until connected; re-sent on reconnect

  return {
    async current(userId) {
      const mirrored = await gate.run(
        () => redis.get(prefix + userId),
        () => undefined,
      );
      if (typeof mirrored === 'string') return Number(mirrored);
      const epoch = await database.current(userId);
      // null: not mirrored yet (or expired): seed it. undefined: Redis is down, leave it be.
      if (mirrored === null) await mirror(userId, epoch);
      return epoch;
    },
    async bump(userId) {
      const epoch = await database.bump(userId);
      if (!(await mirror(userId, epoch))) unsynced.add(userId);
      notify(userId);
      await gate.run(
        () => redis.publish(channel, `${origin} ${userId}`),
        () => 0,
      );
    },
    onBump(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      stopRecover();
      listeners.clear();
      subscriber.disconnect();
    },
  };
}
