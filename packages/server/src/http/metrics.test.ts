import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerNotFoundHandler } from './error-handler.js';
import { registerMetrics } from './metrics.js';

const TOKEN = 'a-long-scrape-token-0123456789';

async function serve(token?: string) {
  const app = Fastify();
  registerMetrics(app, { token });
  registerNotFoundHandler(app);
  app.get('/ping', async () => 'pong');
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

describe('/metrics access', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('is not served at all without a configured token, even to loopback clients', async () => {
    const { app, base } = await serve(undefined);
    close = () => app.close();
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('process_resident_memory_bytes');
  });

  it('answers 401 without the bearer token or with a wrong one, and the metrics with it', async () => {
    const { app, base } = await serve(TOKEN);
    close = () => app.close();
    await fetch(`${base}/ping`);
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN]) {
      const res = await fetch(`${base}/metrics`, { headers: authorization ? { authorization } : {} });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      const body = await res.json();
      expect(body.error.code).toBe('metrics_token_required');
      expect(JSON.stringify(body)).not.toContain('http_request_duration_seconds');
    }
    const ok = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toContain('text/plain');
    const text = await ok.text();
    expect(text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/ping"/);
    expect(text).toMatch(/^lumina_model_streams_open \d+$/m);
  });
});
