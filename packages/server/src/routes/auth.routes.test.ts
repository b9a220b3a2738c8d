import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF, createTestApp, sessionCookie, signup, type TestApp } from '../test-support/app.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

describeStorage('accounts on %s', (mode) => {
  let storage: TestStorage;
  let test: TestApp;
  let app: FastifyInstance;
  let admin: Awaited<ReturnType<typeof signup>>;
  let bob: Awaited<ReturnType<typeof signup>>;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    test = await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' });
    app = test.app;
    admin = await signup(app, 'Admin@Example.org');
    bob = await signup(app, 'bob@example.org');
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  const inject = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    cookie?: string,
    payload?: object,
  ) => app.inject({ method, url, payload, headers: { ...CSRF, ...(cookie ? { cookie } : {}) } });
  const login = (email: string, password: string) =>
    inject('POST', '/api/auth/login', undefined, { email, password });

  describe('sign-up', () => {
    it('makes the first account admin and later ones users', () => {
      expect(admin.user.role).toBe('admin');
      expect(bob.user.role).toBe('user');
    });

    it('sets an HttpOnly, SameSite=Lax session cookie, Secure only over HTTPS', async () => {
      const res = await login('bob@example.org', bob.password);
      const cookie = String(res.headers['set-cookie']);
      expect(cookie).toMatch(/^lumina_session=[A-Za-z0-9_-]{43};/);
      expect(cookie).toContain('HttpOnly');
      expect(cookie).toContain('SameSite=Lax');
      expect(cookie).toContain('Path=/');
      expect(cookie).not.toContain('Secure');
    });

    it('refuses a taken email in any case', async () => {
      const res = await inject('POST', '/api/auth/signup', undefined, {
        email: 'BOB@example.org',
        password: 'another good passphrase',
        name: 'Bob 2',
      });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('email_taken');
    });

    it.each([
      [{ email: 'not-an-email', password: 'a long enough passphrase', name: 'X' }, 400, 'invalid_request'],
      [{ email: 'short@example.org', password: 'short', name: 'X' }, 400, 'weak_password'],
      [{ email: 'common@example.org', password: 'password1', name: 'X' }, 400, 'weak_password'],
      [{ email: 'same@example.org', password: 'same@example.org', name: 'X' }, 400, 'weak_password'],
      [{ email: 'big@example.org', password: 'x'.repeat(1025), name: 'X' }, 400, 'invalid_request'],
      [
        { email: 'noname@example.org', password: 'a long enough passphrase', name: '  ' },
        400,
        'invalid_request',
      ],
    ])('refuses %j', async (payload, status, code) => {
      const res = await inject('POST', '/api/auth/signup', undefined, payload);
      expect(res.statusCode).toBe(status);
      expect(res.json().error.code).toBe(code);
    });
  });

  describe('login', () => {
    it('signs in with any email case', async () => {
      const res = await login('ADMIN@example.org', admin.password);
      expect(res.statusCode).toBe(200);
      expect(res.json().user).toMatchObject({ email: 'Admin@Example.org', role: 'admin' });
      // No password and no hash of it (passwordChangeRequired is a flag, not a secret).
      expect(Object.keys(res.json().user).filter((key) => /password/i.test(key))).toEqual([
        'passwordChangeRequired',
      ]);
      expect(JSON.stringify(res.json())).not.toMatch(/hash|\$argon2/i);
    });

    it('answers a wrong password and an unknown email identically', async () => {
      const wrong = await login('bob@example.org', 'not the password');
      const unknown = await login('nobody@example.org', 'not the password');
      expect(wrong.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      const strip = (body: { error: Record<string, unknown> }) => ({ ...body.error, requestId: undefined });
      expect(strip(wrong.json())).toEqual(strip(unknown.json()));
      expect(wrong.json().error.code).toBe('invalid_credentials');
    });

    it('spends the same hashing work on an unknown email as on a wrong password', async () => {
      // Production argon2 cost, so hashing (not database noise) is what the comparison sees. It
      // compares this process's CPU time (argon2 runs on its thread pool, which counts), not the
      // wall clock: other processes on a busy machine do not change it.
      const real = await createTestApp(storage, {
        ARGON2_MEMORY_KIB: '19456',
        ARGON2_TIME_COST: '2',
        LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000',
      });
      await signup(real.app, 'timing@example.org');
      const median = async (email: string) => {
        const times: number[] = [];
        for (let i = 0; i < 9; i++) {
          const started = process.cpuUsage();
          const res = await real.app.inject({
            method: 'POST',
            url: '/api/auth/login',
            headers: CSRF,
            payload: { email, password: 'not the password' },
          });
          expect(res.statusCode).toBe(401);
          const spent = process.cpuUsage(started);
          times.push(spent.user + spent.system);
        }
        return times.sort((a, b) => a - b)[4]!;
      };
      const wrong = await median('timing@example.org');
      const unknown = await median('nobody@example.org');
      await real.app.close();
      // Without the dummy verification an unknown email answers in ~0.1 of the time; the bounds
      // leave room for a busy machine.
      expect(unknown / wrong).toBeGreaterThan(0.5);
      expect(unknown / wrong).toBeLessThan(2);
    });

    it('refuses an oversized password with 400 before hashing', async () => {
      const res = await login('bob@example.org', 'x'.repeat(2000));
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('invalid_request');
    });

    it('refuses a malformed email with 400', async () => {
      expect((await login('bob', 'whatever password')).statusCode).toBe(400);
    });
  });

  describe('session', () => {
    it('answers /me with the user, and 401 without a session', async () => {
      const me = await inject('GET', '/api/auth/me', bob.cookie);
      expect(me.json().user.email).toBe('bob@example.org');
      const anonymous = await inject('GET', '/api/auth/me');
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json().error.code).toBe('unauthorized');
    });

    it('refuses cookie requests that change state without the CSRF header or from another origin', async () => {
      const noHeader = await app.inject({
        method: 'PATCH',
        url: '/api/auth/me',
        headers: { cookie: bob.cookie },
        payload: { name: 'Evil' },
      });
      expect(noHeader.statusCode).toBe(403);
      expect(noHeader.json().error.code).toBe('csrf_failed');
      const crossOrigin = await app.inject({
        method: 'PATCH',
        url: '/api/auth/me',
        headers: { ...CSRF, cookie: bob.cookie, origin: 'https://evil.example', host: 'localhost:80' },
        payload: { name: 'Evil' },
      });
      expect(crossOrigin.json().error.code).toBe('csrf_failed');
      const crossSite = await app.inject({
        method: 'PATCH',
        url: '/api/auth/me',
        headers: { ...CSRF, cookie: bob.cookie, 'sec-fetch-site': 'cross-site' },
        payload: { name: 'Evil' },
      });
      expect(crossSite.json().error.code).toBe('csrf_failed');
      expect((await inject('GET', '/api/auth/me', bob.cookie)).json().user.name).toBe('bob');
    });

    it('updates the profile (name and preferred name), never the role', async () => {
      const res = await inject('PATCH', '/api/auth/me', bob.cookie, {
        name: 'Bob Builder',
        preferredName: 'Bobby',
        role: 'admin',
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().user).toMatchObject({ name: 'Bob Builder', preferredName: 'Bobby', role: 'user' });
    });

    it('logs out: the cookie is cleared and the session stops working at once', async () => {
      const { cookie } = { cookie: sessionCookie(await login('bob@example.org', bob.password)) };
      expect((await inject('GET', '/api/auth/me', cookie)).statusCode).toBe(200); // now cached
      const out = await inject('POST', '/api/auth/logout', cookie);
      expect(out.statusCode).toBe(204);
      expect(String(out.headers['set-cookie'])).toMatch(/lumina_session=;.*Expires=Thu, 01 Jan 1970/);
      const after = await inject('GET', '/api/auth/me', cookie);
      expect(after.statusCode).toBe(401);
      expect(after.json().error.code).toBe('session_expired');
    });

    it('lists own sessions and revokes one; another user cannot see or revoke it', async () => {
      const second = sessionCookie(await login('bob@example.org', bob.password));
      await inject('GET', '/api/auth/me', second);
      const list = (await inject('GET', '/api/auth/sessions', bob.cookie)).json().sessions as {
        id: string;
        current: boolean;
      }[];
      expect(list.filter((s) => s.current)).toHaveLength(1);
      const other = list.find((s) => !s.current)!;
      const foreign = await inject('DELETE', `/api/auth/sessions/${other.id}`, admin.cookie);
      expect(foreign.statusCode).toBe(404);
      expect((await inject('DELETE', `/api/auth/sessions/${other.id}`, bob.cookie)).statusCode).toBe(204);
      const revoked = await inject('GET', '/api/auth/me', list.length > 1 ? second : bob.cookie);
      expect(revoked.statusCode === 401 || revoked.statusCode === 200).toBe(true);
      // Every session of the list other than the current one is revocable and then dead.
      for (const s of list.filter((x) => !x.current))
        await inject('DELETE', `/api/auth/sessions/${s.id}`, bob.cookie);
      expect((await inject('GET', '/api/auth/me', second)).json().error.code).toBe('session_expired');
      expect((await inject('GET', '/api/auth/me', bob.cookie)).statusCode).toBe(200);
    });

    it('changes the password and signs out every other session', async () => {
      const other = sessionCookie(await login('bob@example.org', bob.password));
      const wrong = await inject('POST', '/api/auth/password', bob.cookie, {
        currentPassword: 'nope nope nope',
        newPassword: 'a brand new passphrase',
      });
      expect(wrong.json().error.code).toBe('wrong_password');
      const weak = await inject('POST', '/api/auth/password', bob.cookie, {
        currentPassword: bob.password,
        newPassword: '12345678',
      });
      expect(weak.json().error.code).toBe('weak_password');
      const ok = await inject('POST', '/api/auth/password', bob.cookie, {
        currentPassword: bob.password,
        newPassword: 'a brand new passphrase',
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.json().revokedSessions).toBeGreaterThanOrEqual(1);
      expect((await inject('GET', '/api/auth/me', other)).statusCode).toBe(401);
      expect((await inject('GET', '/api/auth/me', bob.cookie)).statusCode).toBe(200);
      expect((await login('bob@example.org', bob.password)).statusCode).toBe(401);
      expect((await login('bob@example.org', 'a brand new passphrase')).statusCode).toBe(200);
      bob.password = 'a brand new passphrase';
    });
  });

  describe('API tokens', () => {
    const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

    it('shows the secret once, stores only a hash, and authenticates requests', async () => {
      const created = await inject('POST', '/api/auth/tokens', bob.cookie, { name: 'CLI', scopes: ['read'] });
      expect(created.statusCode).toBe(201);
      const { token, secret } = created.json();
      expect(secret).toMatch(/^lum_[A-Za-z0-9_-]{43}$/);
      expect(token.prefix).toBe(secret.slice(0, 12));
      const listed = await inject('GET', '/api/auth/tokens', bob.cookie);
      expect(listed.body).not.toContain(secret);
      const me = await app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(secret) });
      expect(me.json().user.email).toBe('bob@example.org');
      const used = (await inject('GET', '/api/auth/tokens', bob.cookie))
        .json()
        .tokens.find((t: { id: string }) => t.id === token.id);
      expect(used.lastUsedAt).not.toBeNull();
    });

    it('enforces scopes: a read token cannot change anything; bearer requests need no CSRF header', async () => {
      const read = (
        await inject('POST', '/api/auth/tokens', bob.cookie, { name: 'ro', scopes: ['read'] })
      ).json().secret;
      const denied = await app.inject({
        method: 'PATCH',
        url: '/api/auth/me',
        headers: bearer(read),
        payload: { name: 'x' },
      });
      expect(denied.statusCode).toBe(403);
      expect(denied.json().error.code).toBe('insufficient_scope');
      const write = (
        await inject('POST', '/api/auth/tokens', bob.cookie, { name: 'rw', scopes: ['read', 'write'] })
      ).json().secret;
      const allowed = await app.inject({
        method: 'PATCH',
        url: '/api/auth/me',
        headers: bearer(write),
        payload: { name: 'Bob' },
      });
      expect(allowed.statusCode).toBe(200);
    });

    it('lets only admins grant the admin scope, and a token cannot mint a stronger token', async () => {
      const res = await inject('POST', '/api/auth/tokens', bob.cookie, { name: 'x', scopes: ['admin'] });
      expect(res.json().error.code).toBe('scope_not_allowed');
      const write = (
        await inject('POST', '/api/auth/tokens', admin.cookie, { name: 'w', scopes: ['read', 'write'] })
      ).json().secret;
      const escalate = await app.inject({
        method: 'POST',
        url: '/api/auth/tokens',
        headers: bearer(write),
        payload: { name: 'x', scopes: ['admin'] },
      });
      expect(escalate.json().error.code).toBe('scope_not_allowed');
      const adminToken = (
        await inject('POST', '/api/auth/tokens', admin.cookie, { name: 'a', scopes: ['read', 'admin'] })
      ).json().secret;
      expect(
        (await app.inject({ method: 'GET', url: '/api/admin/users', headers: bearer(adminToken) }))
          .statusCode,
      ).toBe(200);
      expect(
        (await app.inject({ method: 'GET', url: '/api/admin/users', headers: bearer(write) })).json().error
          .code,
      ).toBe('insufficient_scope');
    });

    it('stops working at once when revoked, and after it expires', async () => {
      const { token, secret } = (
        await inject('POST', '/api/auth/tokens', bob.cookie, { name: 'tmp', scopes: ['read'] })
      ).json();
      expect(
        (await app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(secret) })).statusCode,
      ).toBe(200);
      expect((await inject('DELETE', `/api/auth/tokens/${token.id}`, admin.cookie)).statusCode).toBe(404);
      expect((await inject('DELETE', `/api/auth/tokens/${token.id}`, bob.cookie)).statusCode).toBe(204);
      const after = await app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(secret) });
      expect(after.statusCode).toBe(401);
      expect(after.json().error.code).toBe('invalid_token');
      const past = await inject('POST', '/api/auth/tokens', bob.cookie, {
        name: 'old',
        scopes: ['read'],
        expiresAt: '2020-01-01T00:00:00Z',
      });
      expect(past.statusCode).toBe(400);
      expect(
        (
          await app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: 'Basic abc' } })
        ).json().error.code,
      ).toBe('invalid_token');
      expect(
        (await app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer('lum_forged') })).statusCode,
      ).toBe(401);
    });
  });

  describe('administration', () => {
    it('is admin-only, and users cannot raise their own role', async () => {
      expect((await inject('GET', '/api/admin/users', bob.cookie)).json().error.code).toBe('admin_only');
      const self = await inject('PATCH', `/api/admin/users/${bob.user.id}`, bob.cookie, { role: 'admin' });
      expect(self.statusCode).toBe(403);
      expect((await inject('GET', '/api/auth/me', bob.cookie)).json().user.role).toBe('user');
      const list = await inject('GET', '/api/admin/users', admin.cookie);
      expect(list.json().users.map((u: { email: string }) => u.email)).toEqual(
        expect.arrayContaining(['Admin@Example.org', 'bob@example.org']),
      );
    });

    it('disabling a user stops their sessions and tokens at once; enabling lets them sign in again', async () => {
      const carol = await signup(app, 'carol@example.org');
      const secret = (
        await inject('POST', '/api/auth/tokens', carol.cookie, { name: 't', scopes: ['read'] })
      ).json().secret;
      expect(
        (
          await app.inject({
            method: 'GET',
            url: '/api/auth/me',
            headers: { authorization: `Bearer ${secret}` },
          })
        ).statusCode,
      ).toBe(200);
      const disabled = await inject('PATCH', `/api/admin/users/${carol.user.id}`, admin.cookie, {
        disabled: true,
      });
      expect(disabled.json().user.disabled).toBe(true);
      const sessionAfter = await inject('GET', '/api/auth/me', carol.cookie);
      expect(sessionAfter.statusCode).toBe(401);
      expect(sessionAfter.json().error.code).toBe('account_disabled');
      const tokenAfter = await app.inject({
        method: 'GET',
        url: '/api/auth/me',
        headers: { authorization: `Bearer ${secret}` },
      });
      expect(tokenAfter.json().error.code).toBe('account_disabled');
      expect((await login('carol@example.org', carol.password)).json().error.code).toBe('account_disabled');
      await inject('PATCH', `/api/admin/users/${carol.user.id}`, admin.cookie, { disabled: false });
      expect((await login('carol@example.org', carol.password)).statusCode).toBe(200);
    });

    it('changes roles, but an admin cannot disable or demote themselves', async () => {
      const promoted = await inject('PATCH', `/api/admin/users/${bob.user.id}`, admin.cookie, {
        role: 'admin',
      });
      expect(promoted.json().user.role).toBe('admin');
      expect((await inject('GET', '/api/admin/users', bob.cookie)).statusCode).toBe(200);
      await inject('PATCH', `/api/admin/users/${bob.user.id}`, admin.cookie, { role: 'user' });
      expect((await inject('GET', '/api/admin/users', bob.cookie)).statusCode).toBe(403);
      const self = await inject('PATCH', `/api/admin/users/${admin.user.id}`, admin.cookie, {
        disabled: true,
      });
      expect(self.json().error.code).toBe('cannot_disable_self');
      const demote = await inject('PATCH', `/api/admin/users/${admin.user.id}`, admin.cookie, {
        role: 'user',
      });
      expect(demote.json().error.code).toBe('cannot_demote_self');
    });

    it('closes sign-up (invite-only) and creates accounts for people', async () => {
      expect((await inject('GET', '/api/auth/config')).json()).toEqual({
        signupOpen: true,
        needsFirstAdmin: false,
      });
      const closed = await inject('PATCH', '/api/admin/settings', admin.cookie, { signupOpen: false });
      expect(closed.json()).toEqual({ signupOpen: false, defaultModel: null });
      const refused = await inject('POST', '/api/auth/signup', undefined, {
        email: 'dan@example.org',
        password: 'a long enough passphrase',
        name: 'Dan',
      });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.code).toBe('signup_closed');
      const created = await inject('POST', '/api/admin/users', admin.cookie, {
        email: 'dan@example.org',
        password: 'a long enough passphrase',
        name: 'Dan',
      });
      expect(created.statusCode).toBe(201);
      expect(created.headers['set-cookie']).toBeUndefined();
      expect((await login('dan@example.org', 'a long enough passphrase')).statusCode).toBe(200);
      await inject('PATCH', '/api/admin/settings', admin.cookie, { signupOpen: true });
    });
  });

  it('never writes a password, session token or API token to the logs', async () => {
    const all = test.logs.join('\n');
    for (const secret of [
      admin.password,
      'a brand new passphrase',
      'not the password',
      admin.cookie.split('=')[1]!,
    ]) {
      expect(all).not.toContain(secret);
    }
    expect(all).not.toMatch(/lum_[A-Za-z0-9_-]{43}/);
    expect(all).toContain('"requestId"'); // the logs were captured at all
  });
});
