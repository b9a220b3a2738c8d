import type { Redis, RedisOptions } from 'ioredis';
import { redactUrl } from '../db/storage.js';

export class RedisConnectError extends Error {
  override name = 'RedisConnectError';
}

/** How long one Redis command may take before it counts as failed (Redis stopped or frozen). */
export const REDIS_COMMAND_TIMEOUT_MS = 1000;

/**
 * Client options that keep a dead or frozen Redis from stalling requests: a command fails at
 * once while the connection is down (no offline queue, no retries) and after
 * `commandTimeoutMs` when Redis accepts it but never answers; meanwhile the client keeps
 * reconnecting in the background (every 0.1–2 s), so a Redis that comes back is used again.
 */
export function redisClientOptions(commandTimeoutMs = REDIS_COMMAND_TIMEOUT_MS): RedisOptions {
  return {
    lazyConnect: true,
    connectTimeout: 2000,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  };
}

/** Connects to Redis and fails fast (one clear line) when it is not reachable at start-up. */
export async function connectRedis(url: string, options: { commandTimeoutMs?: number } = {}): Promise<Redis> {
  // Loaded only when Redis is configured: ~0.2 s of CPU a single instance never needs at start-up.
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, redisClientOptions(options.commandTimeoutMs));
  redis.on('error', () => {}); // reconnects on its own; health reports the state
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new RedisConnectError(`cannot connect to Redis at ${redactUrl(url)}: ${(err as Error).message}`);
  }
  return redis;
}

/**
 * A second connection for SUBSCRIBE (a subscribed connection can run nothing else). Unlike the
 * command connection it queues commands while disconnected, so a subscription asked for during
 * an outage is sent on reconnect (ioredis also re-subscribes every channel then); each command
 * still fails after the command timeout rather than waiting forever.
 */
export function subscriberOf(redis: Redis): Redis {
  const subscriber = redis.duplicate({ lazyConnect: false, enableOfflineQueue: true });
  subscriber.on('error', () => {});
  return subscriber;
}

export interface RedisGateOptions {
  /** A Redis call slower than this is abandoned for the fallback (default: the command timeout). */
  timeoutMs?: number;
  /** After a failure, Redis is skipped for this long so requests do not each wait on it. */
  pauseMs?: number;
  now?: () => number;
}

/**
 * Runs work on Redis with a local fallback, so a stopped or frozen Redis slows nothing down:
 * while the client is not connected, or for `pauseMs` after a failed or slow call, the fallback
 * answers at once. When Redis works again, `onRecover` listeners run (to re-sync state written
 * to the fallback meanwhile).
 * @example const epoch = await gate.run(() => redis.get(key), () => readFromDatabase());
 */
export interface RedisGate {
  run<T>(work: () => Promise<T>, fallback: () => T | Promise<T>): Promise<T>;
  /** False while Redis is known to be unreachable (not connected, or paused after a failure). */
  usable(): boolean;
  onRecover(listener: () => void): () => void;
}

export function createRedisGate(redis: Redis, options: RedisGateOptions = {}): RedisGate {
  const timeoutMs = options.timeoutMs ?? REDIS_COMMAND_TIMEOUT_MS;
  const pauseMs = options.pauseMs ?? 2000;
  const now = options.now ?? Date.now;
  const recoverListeners = new Set<() => void>();
  let pausedUntil = 0;
  let failing = false;

  const recovered = () => {
    if (!failing) return;
    failing = false;
    for (const listener of recoverListeners) listener();
  };
  redis.on('ready', recovered);
  redis.on('close', () => {
    failing = true;
  });

  const usable = () => redis.status === 'ready' && now() >= pausedUntil;

  return {
    usable,
    async run(work, fallback) {
      if (!usable()) return fallback();
      let timer: NodeJS.Timeout | undefined;
      try {
        const result = await Promise.race([
          work(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`Redis gave no answer within ${timeoutMs} ms`)),
              timeoutMs,
            );
          }),
        ]);
        recovered();
        return result;
      } catch {
        failing = true;
        pausedUntil = now() + pauseMs;
        return fallback();
      } finally {
        clearTimeout(timer);
      }
    },
    onRecover(listener) {
      recoverListeners.add(listener);
      return () => recoverListeners.delete(listener);
    },
  };
}
