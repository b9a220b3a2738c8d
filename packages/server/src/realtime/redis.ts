import { Redis } from 'ioredis';
import { redactUrl } from '../db/storage.js';

export class RedisConnectError extends Error {
  override name = 'RedisConnectError';
}

/** Connects to Redis and fails fast (one clear line) when it is not reachable at start-up. */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
  });
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
