import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF, createTestApp, sessionCookie, signup } from '../test-support/app.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

describeStorage('temporary passwords and reset links on %s', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let logs: string[];
  let admin: Awaited<ReturnType<typeof signup>>;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    ({ app, logs } = await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' }));
    admin = await signup(app, 'admin@example.org');
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
    remoteAddress?: string,
  ) =>
    app.inject({
      method,
      url,
      payload,
      headers: { ...CSRF, ...(cookie ? { cookie } : {}) },
      ...(remoteAddress ? { remoteAddress } : {}),
    });
  const login = (email: string, password: string) =>
    inject('POST', '/api/auth/login', undefined, { email, password });
  const createUser = async (email: string, password: string, temporaryPassword?: boolean) => {
    const res = await inject('POST', '/api/admin/users', admin.cookie, {
      email,
      password,
      name: email.split('@')[0],
      ...(temporaryPassword === undefined ? {} : { temporaryPassword }),
    });
    expect(res.statusCode).toBe(201);
    return res.json().user as { id: string; email: string; passwordChangeRequired: boolean };
  };
  const issue = async (userId: string) => {
    const res = await inject('POST', `/api/admin/users/${userId}/password-reset`, admin.cookie);
    expect(res.statusCode).toBe(201);
    return res.json() as { token: string; path: string; expiresAt: string };
  };

  describe('temporary password', () => {
    it('lets the person in only to choose their own password', async () => {
      const created = await createUser('temp@example.org', 'handed over on paper', true);
      expect(created.passwordChangeRequired).toBe(true);
      const signedIn = await login('temp@example.org', 'handed over on paper');
      expect(signedIn.statusCode).toBe(200);
      expect(signedIn.json().user.passwordChangeRequired).toBe(true);
      const cookie = sessionCookie(signedIn);

      const me = await inject('GET', '/api/auth/me', cookie);
      expect(me.json().user.passwordChangeRequired).toBe(true);
      for (const [method, url] of [
        ['GET', '/api/avatars'],
        ['GET', '/api/conversations'],
        ['GET', '/api/auth/sessions'],
        ['PATCH', '/api/auth/me'],
      ] as const) {
        const refused = await inject(method, url, cookie, method === 'PATCH' ? { name: 'X' } : undefined);
        expect(refused.statusCode, url).toBe(403);
        expect(refused.json().error.code, url).toBe('password_change_required');
      }

      const same = await inject('POST', '/api/auth/password', cookie, {
        currentPassword: 'handed over on paper',
        newPassword: 'handed over on paper',
      });
      expect(same.json().error.code).toBe('same_password');

      const changed = await inject('POST', '/api/auth/password', cookie, {
        currentPassword: 'handed over on paper',
        newPassword: 'my very own passphrase',
      });
      expect(changed.statusCode).toBe(200);
      expect((await inject('GET', '/api/auth/me', cookie)).json().user.passwordChangeRequired).toBe(false);
      expect((await inject('GET', '/api/avatars', cookie)).statusCode).toBe(200);
    });

    it('also holds for API tokens, and sign-out always works', async () => {
      await createUser('temp2@example.org', 'handed over on paper', true);
      const cookie = sessionCookie(await login('temp2@example.org', 'handed over on paper'));
      const token = await inject('POST', '/api/tokens', cookie, { name: 'cli', scopes: ['read'] });
      expect(token.json().error.code).toBe('password_change_required');
      expect((await inject('POST', '/api/auth/logout', cookie)).statusCode).toBe(204);
    });

    it('is not temporary when the admin leaves the flag out (scripts)', async () => {
      const created = await createUser('kept@example.org', 'kept by its owner');
      expect(created.passwordChangeRequired).toBe(false);
      const cookie = sessionCookie(await login('kept@example.org', 'kept by its owner'));
      expect((await inject('GET', '/api/avatars', cookie)).statusCode).toBe(200);
    });
  });

  describe('reset link', () => {
    it('sets a new password once, signs out every other session and starts a new one', async () => {
      const user = await createUser('forgot@example.org', 'the old passphrase');
      const oldSession = sessionCookie(await login('forgot@example.org', 'the old passphrase'));
      const link = await issue(user.id);
      expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits
      expect(link.path).toBe(`/reset-password#token=${link.token}`);
      const hours = (Date.parse(link.expiresAt) - Date.now()) / 3_600_000;
      expect(hours).toBeGreaterThan(23.9);
      expect(hours).toBeLessThanOrEqual(24);

      // Only the hash is stored.
      const stored = await storage.db.execute(sql`select token_hash from password_resets`);
      expect(JSON.stringify(stored)).not.toContain(link.token);

      const check = await inject('POST', '/api/auth/password-reset/check', undefined, { token: link.token });
      expect(check.json()).toMatchObject({ email: 'forgot@example.org' });

      const weak = await inject('POST', '/api/auth/password-reset', undefined, {
        token: link.token,
        newPassword: 'password',
      });
      expect(weak.json().error.code).toBe('weak_password');

      const reset = await inject('POST', '/api/auth/password-reset', undefined, {
        token: link.token,
        newPassword: 'a brand new passphrase',
      });
      expect(reset.statusCode).toBe(200);
      expect(reset.json().user.email).toBe('forgot@example.org');
      const newSession = sessionCookie(reset);
      expect((await inject('GET', '/api/auth/me', newSession)).statusCode).toBe(200);
      expect((await inject('GET', '/api/auth/me', oldSession)).json().error.code).toBe('session_expired');

      expect((await login('forgot@example.org', 'the old passphrase')).statusCode).toBe(401);
      expect((await login('forgot@example.org', 'a brand new passphrase')).statusCode).toBe(200);

      const again = await inject('POST', '/api/auth/password-reset', undefined, {
        token: link.token,
        newPassword: 'yet another passphrase',
      });
      expect(again.statusCode).toBe(400);
      expect(again.json().error.code).toBe('reset_token_used');
      expect(logs.join('\n')).not.toContain(link.token.slice(0, 20));
    });

    it('clears a temporary password too', async () => {
      const user = await createUser('temp3@example.org', 'handed over on paper', true);
      const link = await issue(user.id);
      const reset = await inject('POST', '/api/auth/password-reset', undefined, {
        token: link.token,
        newPassword: 'chosen by myself now',
      });
      expect(reset.json().user.passwordChangeRequired).toBe(false);
      expect((await inject('GET', '/api/avatars', sessionCookie(reset))).statusCode).toBe(200);
    });

    it('says why a link does not work: superseded, expired, invalid', async () => {
      const user = await createUser('links@example.org', 'the old passphrase');
      const first = await issue(user.id);
      const second = await issue(user.id);
      const redeem = (token: string) =>
        inject('POST', '/api/auth/password-reset', undefined, {
          token,
          newPassword: 'a brand new passphrase',
        });
      expect((await redeem(first.token)).json().error.code).toBe('reset_token_superseded');
      expect((await redeem('not-a-real-token')).json().error.code).toBe('reset_token_invalid');
      await storage.db.execute(
        sql`update password_resets set expires_at = now() - interval '1 minute' where user_id = ${user.id} and revoked_at is null`,
      );
      const expired = await redeem(second.token);
      expect(expired.statusCode).toBe(400);
      expect(expired.json().error.code).toBe('reset_token_expired');
      const check = await inject('POST', '/api/auth/password-reset/check', undefined, {
        token: second.token,
      });
      expect(check.json().error.code).toBe('reset_token_expired');
    });

    it('is for administrators only', async () => {
      const member = await signup(app, 'member@example.org');
      const res = await inject('POST', `/api/admin/users/${admin.user.id}/password-reset`, member.cookie);
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('admin_only');
      const missing = await inject(
        'POST',
        '/api/admin/users/01900000-0000-7000-8000-000000000000/password-reset',
        admin.cookie,
      );
      expect(missing.statusCode).toBe(404);
    });
  });
});

describeStorage('reset links are rate limited like sign-in on %s', (mode) => {
  it('locks an IP that guesses links, not another IP', async () => {
    const storage = await createTestStorage(mode);
    const { app } = await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '3' });
    try {
      const redeem = (remoteAddress: string) =>
        app.inject({
          method: 'POST',
          url: '/api/auth/password-reset',
          remoteAddress,
          headers: CSRF,
          payload: { token: 'guessed-token-value', newPassword: 'a brand new passphrase' },
        });
      for (let i = 0; i < 3; i++)
        expect((await redeem('10.0.0.1')).json().error.code).toBe('reset_token_invalid');
      const locked = await redeem('10.0.0.1');
      expect(locked.statusCode).toBe(429);
      expect(locked.json().error.code).toBe('too_many_attempts');
      expect((await redeem('10.0.0.2')).json().error.code).toBe('reset_token_invalid');
    } finally {
      await app.close();
      await storage.close();
    }
  });

  it('a reset link lifts the account-wide lock a distributed guesser caused', async () => {
    const storage = await createTestStorage(mode);
    const { app } = await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '3' });
    try {
      const admin = await signup(app, 'boss@example.org');
      const victim = await signup(app, 'victim@example.org');
      const login = (remoteAddress: string, password: string) =>
        app.inject({
          method: 'POST',
          url: '/api/auth/login',
          remoteAddress,
          headers: CSRF,
          payload: { email: 'victim@example.org', password },
        });
      for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3'])
        expect((await login(ip, 'wrong guess!!')).statusCode).toBe(401);
      expect((await login('10.0.0.2', victim.password)).statusCode).toBe(429);
      const link = await app.inject({
        method: 'POST',
        url: `/api/admin/users/${victim.user.id}/password-reset`,
        headers: { ...CSRF, cookie: admin.cookie },
      });
      const reset = await app.inject({
        method: 'POST',
        url: '/api/auth/password-reset',
        remoteAddress: '10.0.0.2',
        headers: CSRF,
        payload: { token: link.json().token, newPassword: 'a brand new passphrase' },
      });
      expect(reset.statusCode).toBe(200);
      expect((await login('10.0.0.2', 'a brand new passphrase')).statusCode).toBe(200);
    } finally {
      await app.close();
      await storage.close();
    }
  });
});
