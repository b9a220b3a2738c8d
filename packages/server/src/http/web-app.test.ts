import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { createTestStorage, type TestStorage } from '../test-support/storage.js';

describe('serving the web app', () => {
  const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-web-'));
  let storage: TestStorage;
  let app: FastifyInstance;
  const html = { accept: 'text/html,application/xhtml+xml' };

  beforeAll(async () => {
    fs.mkdirSync(path.join(webDir, 'assets'));
    fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>Lumina</title>');
    fs.writeFileSync(path.join(webDir, 'assets', 'index-Bx12abCD.js'), 'console.log(1)');
    fs.writeFileSync(path.join(webDir, 'favicon.svg'), '<svg/>');
    storage = await createTestStorage('pglite');
    app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent', LUMINA_WEB_DIR: webDir }), storage });
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    fs.rmSync(webDir, { recursive: true, force: true });
  });

  it('serves index.html at / and revalidates it on every load', async () => {
    const res = await app.inject({ method: 'GET', url: '/', headers: html });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toContain('<title>Lumina</title>');
  });

  it('caches hashed assets for a year', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/index-Bx12abCD.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const other = await app.inject({ method: 'GET', url: '/favicon.svg' });
    expect(other.headers['cache-control']).toBe('public, max-age=3600');
  });

  it('answers browser navigations to client routes with the app', async () => {
    const res = await app.inject({ method: 'GET', url: '/status?tab=1', headers: html });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<title>Lumina</title>');
  });

  it('keeps JSON 404s for the API, missing assets and non-browser clients', async () => {
    for (const [url, headers] of [
      ['/api/unknown', html],
      ['/assets/missing-123.js', html],
      ['/status', { accept: 'application/json' }],
    ] as const) {
      const res = await app.inject({ method: 'GET', url, headers });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('route_not_found');
    }
  });

  it('does not serve files outside the web directory', async () => {
    const res = await app.inject({ method: 'GET', url: '/../../package.json' });
    expect(res.statusCode).not.toBe(200);
    const encoded = await app.inject({ method: 'GET', url: '/assets/%2e%2e/%2e%2e/package.json' });
    expect(encoded.statusCode).not.toBe(200);
  });
});
