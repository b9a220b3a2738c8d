import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_EMBEDDING_MODEL } from '../models/embedding-catalog.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { fixturePath } from '../test-support/fixtures.js';
import { createTestStorage, type TestStorage } from '../test-support/storage.js';

const MODEL = fixturePath('models', 'stories260K.gguf');

describe('downloading GGUF models from the admin API', () => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let server: http.Server;
  let origin: string;
  let admin: Awaited<ReturnType<typeof signup>>;
  let member: Awaited<ReturnType<typeof signup>>;

  beforeAll(async () => {
    const bytes = fs.readFileSync(MODEL);
    server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
      res.end(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    storage = await createTestStorage('pglite');
    app = (
      await createTestApp(storage, {
        LUMINA_DATA_DIR: storage.dataDir,
        LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000',
      })
    ).app;
    admin = await signup(app, 'admin@example.org');
    member = await signup(app, 'member@example.org');
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    server?.close();
  });

  it('streams progress to the end (the stream is not cancelled when the request body is read) and lists the model', async () => {
    // A real socket: the early-cancel bug only shows with a real connection, not app.inject.
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const res = await fetch(`${base}/api/admin/local-models`, {
      method: 'POST',
      headers: { ...CSRF, cookie: admin.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ source: `${origin}/stories260K.gguf` }),
    });
    const text = await res.text();
    const events = [...text.matchAll(/event: (\S+)\ndata: (.+)/g)].map((m) => ({
      event: m[1],
      data: JSON.parse(m[2]!),
    }));
    expect(events.at(-1)).toMatchObject({
      event: 'done',
      data: { fileName: 'stories260K.gguf', sizeBytes: 1185376 },
    });
    expect(events.at(-1)!.data.sha256).toBe(
      '270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d',
    );
    const status = await app.inject({
      method: 'GET',
      url: '/api/admin/local-models',
      headers: { cookie: admin.cookie },
    });
    expect(status.json().models).toEqual([
      expect.objectContaining({ file: 'stories260K.gguf', sizeBytes: 1185376, architecture: 'llama' }),
    ]);
  });

  it('lists the default embedding model of the catalog, downloaded or not', async () => {
    const status = await app.inject({
      method: 'GET',
      url: '/api/admin/local-models',
      headers: { cookie: admin.cookie },
    });
    expect(status.json().embeddingModels).toEqual([
      {
        key: DEFAULT_EMBEDDING_MODEL.key,
        label: DEFAULT_EMBEDDING_MODEL.label,
        fileName: DEFAULT_EMBEDDING_MODEL.fileName,
        sizeBytes: DEFAULT_EMBEDDING_MODEL.sizeBytes,
        sha256: DEFAULT_EMBEDDING_MODEL.sha256,
        dimensions: 768,
        license: 'Apache-2.0',
        homepage: DEFAULT_EMBEDDING_MODEL.homepage,
        downloaded: false,
        modelId: `llama-cpp/${DEFAULT_EMBEDDING_MODEL.fileName}`,
      },
    ]);

    // A file of that name in the models folder counts as downloaded, and is not fetched again.
    const target = path.join(storage.dataDir, 'models', DEFAULT_EMBEDDING_MODEL.fileName);
    fs.copyFileSync(MODEL, target);
    try {
      const after = await app.inject({
        method: 'GET',
        url: '/api/admin/local-models',
        headers: { cookie: admin.cookie },
      });
      expect(after.json().embeddingModels[0]).toMatchObject({ downloaded: true });
      const again = await app.inject({
        method: 'POST',
        url: '/api/admin/local-models/embedding',
        headers: { ...CSRF, cookie: admin.cookie },
        payload: {},
      });
      const events = [...again.body.matchAll(/event: (\S+)\ndata: (.+)/g)].map((m) => ({
        event: m[1],
        data: JSON.parse(m[2]!),
      }));
      expect(events.at(-1)).toMatchObject({ event: 'error', data: { code: 'model_exists' } });
    } finally {
      fs.rmSync(target, { force: true });
    }
  });

  it('refuses an embedding model that is not in the catalog, and non-admins', async () => {
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/admin/local-models/embedding',
      headers: { ...CSRF, cookie: admin.cookie },
      payload: { key: 'all-the-models' },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ error: { code: 'invalid_request' } });
    for (const [method, url] of [
      ['GET', '/api/admin/local-models'],
      ['POST', '/api/admin/local-models/embedding'],
    ] as const) {
      const res = await app.inject({ method, url, headers: { ...CSRF, cookie: member.cookie }, payload: {} });
      expect(res.statusCode).toBe(403);
    }
  });

  it('is for admins only', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/admin/local-models',
      headers: { ...CSRF, cookie: member.cookie },
      payload: { source: `${origin}/stories260K.gguf` },
    });
    expect(res.statusCode).toBe(403);
  });
});
