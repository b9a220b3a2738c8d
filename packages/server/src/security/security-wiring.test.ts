import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CSRF, createTestApp, sessionCookie, signup } from '../test-support/app.js';
import { createTestStorage, type TestStorage } from '../test-support/storage.js';
import { authenticateUpgrade } from './authenticate.js';

describe('security wiring of the app', () => {
  let storage: TestStorage;
  beforeAll(async () => {
    storage = await createTestStorage('pglite');
  });
  afterAll(() => storage?.close());

  it('locks a guessing IP out with 429 and retry-after, while the owner signs in from another IP', async () => {
    const { app } = await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '3' });
    const { user, password } = await signup(app, 'victim@example.org');
    await signup(app, 'other@example.org');
    const attempt = (ip: string, email: string, secret = 'wrong password here') =>
      app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: ip,
        headers: CSRF,
        payload: { email, password: secret },
      });
    for (let i = 0; i < 3; i++) expect((await attempt('10.0.0.1', user.email)).statusCode).toBe(401);
    const locked = await attempt('10.0.0.1', user.email, password); // even the right password waits
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error).toMatchObject({
      code: 'too_many_attempts',
      details: { retryAfterSeconds: 60 },
    });
    expect(locked.headers['retry-after']).toBe('60');

    // The real user at another address is not locked out by the attacker.
    expect((await attempt('10.0.0.2', user.email, password)).statusCode).toBe(200);

    // The attacker's IP may still fail on other accounts up to its own limit (twice the
    // per-account one), then it is locked for every account.
    for (let i = 0; i < 3; i++) expect((await attempt('10.0.0.1', 'other@example.org')).statusCode).toBe(401);
    const ipLocked = await attempt('10.0.0.1', 'someone-else@example.org');
    expect(ipLocked.statusCode).toBe(429);
    expect(ipLocked.json().error.code).toBe('too_many_attempts');
    expect((await attempt('10.0.0.3', 'other@example.org')).statusCode).toBe(401);
    await app.close();
  });

  it('limits API calls per user with 429 rate_limited', async () => {
    const { app } = await createTestApp(storage, {
      LUMINA_API_LIMIT_PER_MINUTE: '5',
      LUMINA_LOGIN_LIMIT_PER_MINUTE: '100',
    });
    const { cookie } = await signup(app, 'busy@example.org');
    const codes: number[] = [];
    for (let i = 0; i < 7; i++)
      codes.push((await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } })).statusCode);
    expect(codes.slice(0, 4).every((c) => c === 200)).toBe(true);
    expect(codes.at(-1)).toBe(429);
    const limited = await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });
    expect(limited.json().error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    await app.close();
  });

  it('marks the cookie Secure behind a trusted HTTPS proxy', async () => {
    const { app } = await createTestApp(storage, {
      LUMINA_TRUST_PROXY: 'true',
      LUMINA_LOGIN_LIMIT_PER_MINUTE: '100',
    });
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      headers: { ...CSRF, 'x-forwarded-proto': 'https' },
      payload: { email: 'tls@example.org', password: 'a long enough passphrase', name: 'TLS' },
    });
    expect(String(res.headers['set-cookie'])).toContain('Secure');
    await app.close();
  });

  it('sends security headers and a strict Content-Security-Policy', async () => {
    const { app } = await createTestApp(storage);
    const res = await app.inject({ method: 'GET', url: '/health' });
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toMatch(/script-src 'self'(;| 'sha256-)/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['permissions-policy']).toContain('camera=()');
    await app.close();
  });

  it('authenticates WebSocket upgrades by session cookie (same origin) or ?token=', async () => {
    // A realtime route as later features will write it.
    const { app } = await createTestApp(
      storage,
      { LUMINA_LOGIN_LIMIT_PER_MINUTE: '100' },
      undefined,
      (app) => {
        app.get('/ws/echo-identity', { websocket: true }, (socket, request) => {
          try {
            socket.send(JSON.stringify({ email: authenticateUpgrade(request).user.email }));
          } catch (err) {
            socket.send(JSON.stringify({ error: (err as { code?: string }).code }));
          }
          socket.close();
        });
      },
    );
    const { cookie } = await signup(app, 'ws@example.org');
    const secret = (
      await app.inject({
        method: 'POST',
        url: '/api/auth/tokens',
        headers: { ...CSRF, cookie },
        payload: { name: 'ws', scopes: ['read'] },
      })
    ).json().secret;
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/ws/echo-identity`;
    const first = (url: string, headers: Record<string, string> = {}) =>
      new Promise<unknown>((resolve, reject) => {
        const socket = new WebSocket(url, { headers });
        socket.on('message', (data) => resolve(JSON.parse(String(data))));
        socket.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
        socket.on('error', reject);
      });
    const origin = base.replace('ws://', 'http://').replace('/ws/echo-identity', '');
    expect(await first(base, { cookie, origin })).toEqual({ email: 'ws@example.org' });
    expect(await first(`${base}?token=${secret}`)).toEqual({ email: 'ws@example.org' });
    expect(await first(base)).toEqual({ error: 'unauthorized' });
    expect(await first(`${base}?token=lum_forged`)).toEqual({ status: 401 });
    expect(await first(base, { cookie, origin: 'https://evil.example' })).toEqual({ status: 403 });
    await app.close();
  });
});

describe.runIf(process.env.TEST_REDIS_URL)('two instances sharing Redis', () => {
  let storage: TestStorage;
  let redis: Redis[];
  let a: FastifyInstance;
  let b: FastifyInstance;
  beforeAll(async () => {
    storage = await createTestStorage(process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite');
    // Keys of its own instead of FLUSHDB: other test files use the same Redis at the same time.
    const keyPrefix = `lumina-test:${randomUUID()}:`;
    redis = [0, 1].map(() => new Redis(process.env.TEST_REDIS_URL!, { keyPrefix }));
    a = (await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '3' }, redis[0])).app;
    b = (await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '3' }, redis[1])).app;
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    for (const client of redis ?? []) client.disconnect();
    await storage?.close();
  });

  it('a session revoked on one instance stops working on the other at the next request', async () => {
    const { cookie, password, user } = await signup(a, 'shared@example.org');
    const other = sessionCookie(
      await a.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: CSRF,
        payload: { email: user.email, password },
      }),
    );
    expect(
      (await b.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: other } })).statusCode,
    ).toBe(200);
    const sessions = (
      await a.inject({ method: 'GET', url: '/api/auth/sessions', headers: { cookie } })
    ).json().sessions;
    const target = sessions.find((s: { current: boolean }) => !s.current).id;
    await a.inject({ method: 'DELETE', url: `/api/auth/sessions/${target}`, headers: { ...CSRF, cookie } });
    const after = await b.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: other } });
    expect(after.statusCode).toBe(401);
  });

  it('counts failed logins across instances', async () => {
    const { user } = await signup(a, 'target@example.org');
    const attempt = (app: FastifyInstance) =>
      app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: CSRF,
        payload: { email: user.email, password: 'wrong password!' },
      });
    await attempt(a);
    await attempt(b);
    await attempt(a);
    expect((await attempt(b)).statusCode).toBe(429);
  });
});
