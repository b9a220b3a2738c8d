import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

const METRICS_TOKEN = 'scrape-token-for-tests';

describeStorage('HTTP service on %s', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  const logs: string[] = [];

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    const stream = new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    });
    app = await buildApp({
      config: loadConfig({ LUMINA_BODY_LIMIT: '1kb', LUMINA_METRICS_TOKEN: METRICS_TOKEN }),
      storage,
      serveWeb: false,
      logger: { level: 'info', stream },
    });
    // Extra routes exercise the real error handler and body parsing.
    app.post(
      '/test/echo',
      { schema: { body: z.object({ text: z.string().max(10) }) } },
      async (request) => request.body,
    );
    app.get('/test/boom', async () => {
      throw new Error('secret internals');
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  it('reports a healthy database from /health', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ status: 'ok', checks: { database: { status: 'ok', kind: mode } } });
    expect(body.checks.redis).toBeUndefined(); // only what is really checked is reported
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('answers unknown routes with a JSON 404 and a request id', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/nope?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      error: {
        code: 'route_not_found',
        message: 'No route GET /api/nope',
        requestId: res.headers['x-request-id'],
      },
    });
  });

  it('answers malformed JSON with 400 invalid_request', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"text": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_request');
  });

  it('answers a schema violation with 400 and the issues in details', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: { text: 'far too long for ten' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'invalid_request',
      details: { issues: [{ path: '/text' }] },
    });
  });

  it('answers a body over the limit with 413', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ text: 'x'.repeat(5000) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ code: 'payload_too_large', details: { limitBytes: 1000 } });
  });

  it('answers an unsupported content type with 415', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/x-unknown' },
      payload: 'x',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('unsupported_media_type');
  });

  it('hides internals of unexpected errors but logs them with the request id', async () => {
    const res = await app.inject({ method: 'GET', url: '/test/boom' });
    expect(res.statusCode).toBe(500);
    const { error } = res.json();
    expect(error.code).toBe('internal_error');
    expect(JSON.stringify(error)).not.toContain('secret internals');
    expect(error.requestId).toBe(res.headers['x-request-id']);
    const line = logs.find((l) => l.includes('secret internals'));
    expect(line && JSON.parse(line).requestId).toBe(error.requestId);
  });

  it('keeps a sane incoming x-request-id and replaces a hostile one', async () => {
    const kept = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'lb-1234' } });
    expect(kept.headers['x-request-id']).toBe('lb-1234');
    const replaced = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'a b\u0000<c>' },
    });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('exposes Prometheus metrics with a latency histogram by route pattern', async () => {
    await app.inject({ method: 'GET', url: '/health' });
    const res = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toMatch(
      /http_request_duration_seconds_bucket\{[^}]*route="\/health"[^}]*status_code="200"/,
    );
    expect(res.body).toMatch(
      /http_request_duration_seconds_count\{[^}]*route="unmatched"[^}]*status_code="404"/,
    );
    expect(res.body).toContain('process_resident_memory_bytes');
  });

  it('serves the OpenAPI document and Swagger UI', async () => {
    const spec = await app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(spec.json()).toMatchObject({
      openapi: '3.1.0',
      paths: { '/health': { get: expect.any(Object) } },
    });
    const docs = await app.inject({ method: 'GET', url: '/api/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger-ui');
  });

  it('reports 503 with the failing check when the database is gone', async () => {
    const broken = await createTestStorage(mode);
    const brokenApp = await buildApp({
      config: loadConfig({ LOG_LEVEL: 'silent' }),
      storage: broken,
      serveWeb: false,
    });
    await broken.close();
    const res = await brokenApp.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'error', checks: { database: { status: 'error' } } });
    await brokenApp.close();
  });
});
