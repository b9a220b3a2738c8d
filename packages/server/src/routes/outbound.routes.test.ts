import http, { type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProviderConfigRepository } from '../repositories/provider-config.repository.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

/** What an internal service would answer; it must never come back through Lumina's API. */
const SECRET = 'INTERNAL-SECRET-d41d8cd9';

/** A local HTTP server the test scripts per path; it records every request that reached it. */
class LocalService {
  readonly seen: { path: string; headers: IncomingHttpHeaders }[] = [];
  routes: Record<string, (res: ServerResponse) => void> = {};
  fallback: (res: ServerResponse) => void = (res) =>
    res.writeHead(500, { 'content-type': 'text/plain' }).end(`${SECRET} stack trace of an internal service`);
  private readonly server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    this.seen.push({ path, headers: req.headers });
    req.resume();
    (this.routes[path] ?? this.fallback)(res);
  });
  origin = '';
  async listen() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }
  close() {
    this.server.closeAllConnections();
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describeStorage('outbound requests on %s', (mode) => {
  let storage: TestStorage;
  /** No allow-list: loopback is private, ordinary users cannot reach it. */
  let strict: FastifyInstance;
  /** LUMINA_OUTBOUND_ALLOW=127.0.0.1: the administrator opened loopback for everyone. */
  let open: FastifyInstance;
  let service: LocalService;
  let elsewhere: LocalService;
  let admin: Awaited<ReturnType<typeof signup>>;
  let user: Awaited<ReturnType<typeof signup>>;

  const limits = {
    LUMINA_PROVIDER_CONNECT_TIMEOUT_MS: '2000',
    LUMINA_PROVIDER_FIRST_TOKEN_TIMEOUT_MS: '2000',
    LUMINA_PROVIDER_IDLE_TIMEOUT_MS: '2000',
    LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000',
  };

  beforeAll(async () => {
    [service, elsewhere] = await Promise.all([new LocalService().listen(), new LocalService().listen()]);
    storage = await createTestStorage(mode);
    strict = (await createTestApp(storage, limits)).app;
    open = (await createTestApp(storage, { ...limits, LUMINA_OUTBOUND_ALLOW: '127.0.0.1' })).app;
    admin = await signup(strict, 'admin@example.org');
    user = await signup(strict, 'user@example.org');
  });
  beforeEach(() => {
    service.routes = {};
    service.seen.length = 0;
    elsewhere.seen.length = 0;
  });
  afterAll(async () => {
    await Promise.all([strict?.close(), open?.close()]);
    await storage?.close();
    await Promise.all([service?.close(), elsewhere?.close()]);
  });

  const call = (
    app: FastifyInstance,
    who: { cookie: string },
    method: 'GET' | 'POST' | 'PATCH',
    url: string,
    payload?: object,
  ) => app.inject({ method, url, payload, headers: { ...CSRF, cookie: who.cookie } });

  it('refuses an ordinary user’s provider aimed at loopback, in every spelling, before any request', async () => {
    const port = new URL(service.origin).port;
    for (const host of ['127.0.0.1', '2130706433', '0x7f.1', '[::ffff:127.0.0.1]', 'localhost']) {
      const res = await call(strict, user, 'POST', '/api/providers', {
        kind: 'ollama',
        name: 'Inside',
        baseUrl: `http://${host}:${port}`,
      });
      expect(res.statusCode, host).toBe(400);
      expect(res.json().error.code).toBe('outbound_address_blocked');
    }
    // The same answer for a closed port: nothing tells open from closed.
    const closed = await call(strict, user, 'POST', '/api/providers', {
      kind: 'ollama',
      name: 'Closed',
      baseUrl: 'http://127.0.0.1:1',
    });
    const opened = await call(strict, user, 'POST', '/api/providers', {
      kind: 'ollama',
      name: 'Open',
      baseUrl: service.origin,
    });
    const { code, message } = opened.json().error;
    expect(closed.json().error).toMatchObject({ code, message });
    expect(service.seen).toHaveLength(0);
  });

  it('refuses moving an existing provider to a private address', async () => {
    // Saved directly: creating it through the API would probe it, and no test reaches the internet.
    const row = await createProviderConfigRepository(storage.db).create({
      userId: user.user.id,
      kind: 'openai-compatible',
      name: 'Somewhere public',
      baseUrl: 'https://api.example.com/v1',
      secretId: null,
    });
    const moved = await call(strict, user, 'PATCH', `/api/providers/${row.id}`, {
      baseUrl: `${service.origin}/v1`,
    });
    expect(moved.statusCode).toBe(400);
    expect(moved.json().error.code).toBe('outbound_address_blocked');
    await createProviderConfigRepository(storage.db).delete(user.user.id, row.id);
    expect(service.seen).toHaveLength(0);
  });

  it('refuses at request time too (a saved URL whose name now points inside)', async () => {
    // Saved without the check, as a URL whose DNS answer changed after it was saved would be.
    const row = await createProviderConfigRepository(storage.db).create({
      userId: user.user.id,
      kind: 'ollama',
      name: 'Rebound',
      baseUrl: service.origin,
      secretId: null,
    });
    const models = await call(strict, user, 'GET', '/api/models');
    expect(models.json().models.filter((m: { provider: string }) => m.provider === row.id)).toEqual([]);
    const checked = (await call(strict, user, 'POST', `/api/providers/${row.id}/check`)).json().provider;
    expect(checked.health).toMatchObject({ status: 'error', code: 'outbound_address_blocked' });
    const pull = await call(strict, user, 'POST', `/api/providers/${row.id}/pull`, { model: 'llama3.2:1b' });
    expect(pull.body).toContain('outbound_address_blocked');
    expect(service.seen).toHaveLength(0);
  });

  it('lets an administrator aim their own provider at loopback (Ollama on this machine)', async () => {
    service.routes['/api/tags'] = (res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"models":[{"name":"tiny:1b"}]}');
    const res = await call(strict, admin, 'POST', '/api/providers', {
      kind: 'ollama',
      name: 'My Ollama',
      baseUrl: service.origin,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().provider.health.status).toBe('ok');
    const models = (await call(strict, admin, 'GET', '/api/models')).json().models;
    expect(models.map((m: { name: string }) => m.name)).toContain('tiny:1b');
  });

  it('lets an ordinary user reach what LUMINA_OUTBOUND_ALLOW lists', async () => {
    service.routes['/api/tags'] = (res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"models":[]}');
    const res = await call(open, user, 'POST', '/api/providers', {
      kind: 'ollama',
      name: 'Allowed',
      baseUrl: service.origin,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().provider.health.status).toBe('ok');
    expect(service.seen.map((s) => s.path)).toContain('/api/tags');
  });

  it('never echoes a remote body: health, model lists, pulls and replies say what failed in our words', async () => {
    // Every path answers 500 with the secret, except two that answer 200 with a non-JSON secret.
    service.routes['/v1/models'] = (res) => res.writeHead(200, { 'content-type': 'text/html' }).end(SECRET);
    service.routes['/api/pull'] = (res) =>
      res
        .writeHead(200, { 'content-type': 'application/x-ndjson' })
        .end(`{"status":"${SECRET}"}\n{"error":"${SECRET}"}\n`);
    const responses: string[] = [];
    const record = async (promise: ReturnType<typeof call>) => {
      const res = await promise;
      responses.push(res.body);
      return res;
    };
    const ollama = await record(
      call(strict, admin, 'POST', '/api/providers', {
        kind: 'ollama',
        name: 'Leaky',
        baseUrl: service.origin,
      }),
    );
    const compatible = await record(
      call(strict, admin, 'POST', '/api/providers', {
        kind: 'openai-compatible',
        name: 'Leaky too',
        baseUrl: `${service.origin}/v1`,
        apiKey: 'sk-admin',
      }),
    );
    const ids = [ollama.json().provider.id, compatible.json().provider.id];
    expect(ollama.json().provider.health).toMatchObject({ status: 'error', code: 'provider_unavailable' });
    expect(compatible.json().provider.health).toMatchObject({
      status: 'error',
      code: 'provider_protocol_error',
    });
    for (const id of ids) await record(call(strict, admin, 'POST', `/api/providers/${id}/check`));
    await record(call(strict, admin, 'GET', '/api/providers'));
    await record(call(strict, admin, 'GET', '/api/models'));
    await record(call(strict, admin, 'POST', `/api/providers/${ids[0]}/pull`, { model: 'tiny:1b' }));
    for (const id of ids) {
      await record(call(strict, admin, 'POST', '/api/models/test', { prompt: 'Hi', model: `${id}/tiny:1b` }));
    }
    expect(service.seen.length).toBeGreaterThan(5);
    expect(responses.join('\n')).toContain('error');
    for (const body of responses) expect(body).not.toContain(SECRET);
  });

  it('never sends the user’s key to the target of a redirect to another origin', async () => {
    service.routes['/v1/models'] = (res) =>
      res.writeHead(302, { location: `${elsewhere.origin}/collect` }).end();
    // Anthropic's key travels in x-api-key, which fetch's own redirect handling would forward.
    await call(open, user, 'POST', '/api/providers', {
      kind: 'anthropic',
      name: 'Redirecting',
      baseUrl: `${service.origin}/v1`,
      apiKey: 'sk-user-secret-key',
    });
    expect(service.seen[0]!.headers['x-api-key']).toBe('sk-user-secret-key');
    expect(elsewhere.seen.length).toBeGreaterThan(0);
    for (const request of elsewhere.seen) {
      expect(JSON.stringify(request.headers)).not.toContain('sk-user-secret-key');
    }
  });

  describe('picture import by URL', () => {
    const picture = () =>
      sharp({ create: { width: 64, height: 48, channels: 3, background: '#c0ffee' } })
        .png()
        .toBuffer();
    const avatarOf = async (app: FastifyInstance) =>
      (await call(app, user, 'GET', '/api/avatars')).json().avatars[0] as { id: string; imageUrl: string };

    it('refuses a private address with one error, before any request', async () => {
      const avatar = await avatarOf(strict);
      service.routes['/fox.png'] = async (res) => res.writeHead(200).end(await picture());
      for (const url of [`${service.origin}/fox.png`, 'http://127.0.0.1:1/fox.png', 'http://[::1]/x.png']) {
        const res = await call(strict, user, 'POST', `/api/avatars/${avatar.id}/image/url`, { url });
        expect(res.statusCode, url).toBe(400);
        expect(res.json().error.code).toBe('outbound_address_blocked');
      }
      expect(service.seen).toHaveLength(0);
      expect((await avatarOf(strict)).imageUrl).toBe(avatar.imageUrl);
    });

    it('stores a picture from an allowed address like an upload', async () => {
      const avatar = await avatarOf(open);
      const png = await picture();
      service.routes['/fox.png'] = (res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png);
      const res = await call(open, user, 'POST', `/api/avatars/${avatar.id}/image/url`, {
        url: `${service.origin}/fox.png`,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().avatar.imageUrl).not.toBe(avatar.imageUrl);
      const image = await open.inject({
        method: 'GET',
        url: res.json().avatar.imageUrl,
        headers: { cookie: user.cookie },
      });
      expect(image.headers['content-type']).toBe('image/webp');
      expect((await sharp(image.rawPayload).metadata()).width).toBe(512);
    });

    it('refuses a picture over the size limit, and a failing server, in its own words', async () => {
      const avatar = await avatarOf(open);
      service.routes['/huge.png'] = (res) => {
        res.writeHead(200, { 'content-type': 'image/png' });
        res.end(Buffer.alloc(6 * 1024 * 1024));
      };
      const huge = await call(open, user, 'POST', `/api/avatars/${avatar.id}/image/url`, {
        url: `${service.origin}/huge.png`,
      });
      expect(huge.json().error.code).toBe('outbound_response_too_large');
      const broken = await call(open, user, 'POST', `/api/avatars/${avatar.id}/image/url`, {
        url: `${service.origin}/broken.png`,
      });
      expect(broken.statusCode).toBe(502);
      expect(broken.json().error).toMatchObject({ code: 'outbound_http_error', details: { status: 500 } });
      expect(broken.body).not.toContain(SECRET);
    });
  });
});
