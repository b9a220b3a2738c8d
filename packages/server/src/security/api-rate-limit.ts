import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { AppError, errorBody } from '../errors.js';

export interface ApiRateLimitOptions {
  /** Requests per client per window (config `apiLimitPerMinute`). */
  max: number;
  /** Shares the counters between instances; without it each process counts on its own. */
  redis?: Redis | undefined;
  /**
   * The caller's identity (`user:<id>`, `token:<id>`), or undefined for an anonymous request,
   * which is then counted by IP. It runs in an onRequest hook, after the root onRequest hooks
   * registered before this one, so register authentication first and read what it resolved.
   */
  keyFor?: (request: FastifyRequest) => string | undefined | Promise<string | undefined>;
  timeWindowMs?: number;
  /** Redis key prefix (default `lumina:ratelimit:api:`). */
  nameSpace?: string;
}

const API_PATH = /^\/api(?:[/?]|$)/;

/**
 * Limits every `/api` request per identity (or IP) with a fixed one-minute window; health,
 * metrics and the web app's files stay unlimited. A 429 carries `retry-after` and Lumina's
 * error shape with `code: "rate_limited"`.
 * @example
 * registerAuthentication(app, identities); // first: it sets request.identity
 * await registerApiRateLimit(app, {
 *   max: config.apiLimitPerMinute,
 *   redis,
 *   keyFor: (request) => request.identity && `user:${request.identity.user.id}`,
 * });
 */
export async function registerApiRateLimit(
  app: FastifyInstance,
  options: ApiRateLimitOptions,
): Promise<void> {
  await app.register(rateLimit, {
    // Not global: the plugin would hook only routes registered after it and never the 404
    // handler, so unknown /api paths would be free to scan. One onRequest hook covers all.
    global: false,
    max: options.max,
    timeWindow: options.timeWindowMs ?? 60_000,
    redis: options.redis,
    nameSpace: options.nameSpace ?? 'lumina:ratelimit:api:',
    // If Redis stops answering, serve requests unlimited rather than fail them all;
    // /health reports Redis as down meanwhile.
    skipOnError: true,
    keyGenerator: async (request) => (await options.keyFor?.(request)) ?? `ip:${normalizeIP(request.ip)}`,
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

function rateLimited(retryAfterSeconds: number) {
  const unit = retryAfterSeconds === 1 ? 'second' : 'seconds';
  return new AppError(429, 'rate_limited', `Too many requests. Try again in ${retryAfterSeconds} ${unit}.`, {
    retryAfterSeconds,
  });
}
