import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { errorBody, unauthorized } from '../errors.js';
import { openModelStreams } from '../providers/adapters/stream-pacing.js';
import { registerVoiceMetrics } from '../voice/voice-metrics.js';

export interface MetricsOptions {
  /**
   * The bearer token a scraper must send (config `metricsToken`, LUMINA_METRICS_TOKEN). Without
   * one, /metrics is not served at all (404): process and route metrics tell an outsider what
   * runs and how busy it is, and "reachable from the network" is not the same as "trusted".
   */
  token?: string | undefined;
}

/**
 * Prometheus metrics: process metrics, an HTTP latency histogram labelled by route pattern
 * (never the raw URL, which would explode cardinality) and the open model streams. Served at /metrics only when a
 * token is configured, and only to requests carrying `Authorization: Bearer <token>`.
 * @example registerMetrics(app, { token: config.metricsToken });
 */
export function registerMetrics(app: FastifyInstance, options: MetricsOptions = {}): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // What paces the reading of model streams (providers/adapters/stream-pacing.ts).
  new Gauge({
    name: 'lumina_model_streams_open',
    help: 'Streaming model calls open now (OpenAI-wire adapter); above 16 their reading is paced',
    registers: [registry],
    collect() {
      this.set(openModelStreams());
    },
  });

  registerVoiceMetrics(registry);

  app.addHook('onResponse', async (request, reply) => {
    duration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });

  const { token } = options;
  if (!token) return registry;
  const expected = digest(token);
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!presentsToken(request, expected)) {
      const err = unauthorized(
        'metrics_token_required',
        'Send the metrics token as "Authorization: Bearer <token>".',
      );
      return reply
        .status(err.status)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .send(errorBody(err, request.id));
    }
    reply.type(registry.contentType);
    return registry.metrics();
  });
  return registry;
}

// Both sides are hashed to a fixed length first, so the comparison takes the same time whatever
// the presented value's length or content (timingSafeEqual needs equal lengths).
const digest = (value: string) => createHash('sha256').update(value).digest();

function presentsToken(request: FastifyRequest, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}
