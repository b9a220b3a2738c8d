import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, errorBody } from '../errors.js';
import { type CounterStore, createMemoryCounterStore } from './counter-store.js';

export interface ApiLimiterOptions {
  /** Requests (and WebSocket frames) per client per window (config `apiLimitPerMinute`). */
  max: number;
  /**
   * Where the counters live: shared between instances in Redis (with local counters while Redis
   * is down), or in memory for one process (the default).
   */
  store?: CounterStore | undefined;
  timeWindowMs?: number;
}

/** One budget of API calls per client, spent by HTTP requests and WebSocket frames alike. */
export interface ApiLimiter {
  readonly max: number;
  readonly timeWindowMs: number;
  readonly store: CounterStore;
  /** Counts one call of `key`; throws 429 `rate_limited` when it is over the limit. */
  spend(key: string): Promise<void>;
}

/**
 * @example
 * const limiter = createApiLimiter({ max: config.apiLimitPerMinute, store });
 * await limiter.spend(`user:${userId}`); // a WebSocket frame costs what a request costs
 */
export function createApiLimiter(options: ApiLimiterOptions): ApiLimiter {
  const timeWindowMs = options.timeWindowMs ?? 60_000;
  const store = options.store ?? createMemoryCounterStore();
  return {
    max: options.max,
    timeWindowMs,
    store,
    async spend(key) {
      const window = await store.increment(key, timeWindowMs);
      if (window.count > options.max) throw rateLimited(Math.ceil((window.resetAt - Date.now()) / 1000));
    },
  };
}

export interface ApiRateLimitOptions {
  limiter: ApiLimiter;
  /**
   * The caller's identity (`user:<id>`, `token:<id>`), or undefined for an anonymous request,
   * which is then counted by IP. It runs in an onRequest hook, after the root onRequest hooks
   * registered before this one, so register authentication first and read what it resolved.
   */
  keyFor?: (request: FastifyRequest) => string | undefined | Promise<string | undefined>;
}

const API_PATH = /^\/api(?:[/?]|$)/;

/**
 * Limits every `/api` request per identity (or IP) with a fixed one-minute window; health,
 * metrics and the web app's files stay unlimited. A 429 carries `retry-after` and Lumina's
 * error shape with `code: "rate_limited"`.
 * @example
 * registerAuthentication(app, identities); // first: it sets request.identity
 * await registerApiRateLimit(app, {
 *   limiter: createApiLimiter({ max: config.apiLimitPerMinute, store }),
 *   keyFor: (request) => request.identity && `user:${request.identity.user.id}`,
 * });
 */
export async function registerApiRateLimit(
  app: FastifyInstance,
  { limiter, keyFor }: ApiRateLimitOptions,
): Promise<void> {
  await app.register(rateLimit, {
    // Not global: the plugin would hook only routes registered after it and never the 404
    // handler, so unknown /api paths would be free to scan. One onRequest hook covers all.
    global: false,
    max: limiter.max,
    timeWindow: limiter.timeWindowMs,
    // The plugin counts in our CounterStore, the same counters WebSocket frames spend.
    store: pluginStore(limiter.store),
    // A store that still fails (the in-memory one does not) lets requests through rather than
    // failing them all.
    skipOnError: true,
    keyGenerator: async (request) => (await keyFor?.(request)) ?? `ip:${normalizeIP(request.ip)}`,
    errorResponseBuilder: (_request, context) => rateLimited(Math.ceil(context.ttl / 1000)),
  });

  const limit = app.rateLimit();
  app.addHook('onRequest', async function (request, reply) {
    if (!API_PATH.test(request.url)) return;
    try {
      await limit.call(this, request, reply);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'rate_limited')) throw err;
      // Answered here rather than through the app's error handler, so the shape holds on any
      // instance this is registered on; the plugin has already set retry-after.
      return reply.status(err.status).send(errorBody(err, request.id));
    }
  });
}

type IncrCallback = (err: Error | null, result?: { current: number; ttl: number }) => void;

/** @fastify/rate-limit's store interface (a class it instantiates) over a CounterStore. */
function pluginStore(store: CounterStore) {
  return class CounterStorePlugin {
    incr(key: string, callback: IncrCallback, timeWindow: number) {
      store.increment(key, timeWindow).then(
        (window) => callback(null, { current: window.count, ttl: Math.max(0, window.resetAt - Date.now()) }),
        (err: Error) => callback(err),
      );
    }
    child() {
      return this;
    }
  };
}

export function rateLimited(retryAfterSeconds: number) {
  const seconds = Math.max(1, retryAfterSeconds);
  const unit = seconds === 1 ? 'second' : 'seconds';
  return new AppError(429, 'rate_limited', `Too many requests. Try again in ${seconds} ${unit}.`, {
    retryAfterSeconds: seconds,
  });
}
