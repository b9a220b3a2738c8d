import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

describeStorage('prompt previews on %s', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let ada: Awaited<ReturnType<typeof signup>>;
  let bob: Awaited<ReturnType<typeof signup>>;
  let avatarId: string;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    app = (await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' })).app;
    ada = await signup(app, 'ada@example.org');
    bob = await signup(app, 'bob@example.org');
    await call('PATCH', '/api/auth/me', ada, { name: 'Ada Lovelace' });
    const created = await call('POST', '/api/avatars', ada, {
      name: 'Seraphina',
      scenario: '{{char}} waits for {{user}} in the glade.',
    });
    avatarId = created.json().avatar.id;
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  const call = (
    method: 'GET' | 'POST' | 'PATCH',
    url: string,
    who: Awaited<ReturnType<typeof signup>>,
    payload?: unknown,
  ) => app.inject({ method, url, payload: payload as object, headers: { ...CSRF, cookie: who.cookie } });

  it('compiles unsaved fields over the saved avatar without saving them', async () => {
    const res = await call('POST', `/api/avatars/${avatarId}/prompt-preview`, ada, {
      persona: 'Gentle and wise; {{char}} protects {{user}}.',
      style: {
        formality: 5,
        verbosity: 50,
        warmth: 50,
        humor: 50,
        directness: 50,
        curiosity: 50,
        custom: [],
      },
    });
    expect(res.statusCode).toBe(200);
    const preview = res.json();
    expect(preview.text).toContain('Gentle and wise; Seraphina protects Ada.');
    expect(preview.text).toContain('Talk very casually'); // the draft's formality
    expect(preview.text).toContain('Seraphina waits for Ada in the glade.'); // the saved scenario
    expect(preview.sections.map((s: { name: string }) => s.name)).toContain('personality');
    expect(preview.tokens).toBeGreaterThan(10);

    const saved = (await call('GET', `/api/avatars/${avatarId}`, ada)).json().avatar;
    expect(saved.persona).toBe('');
    const unchanged = (await call('GET', `/api/avatars/${avatarId}/prompt-preview`, ada)).json();
    expect(unchanged.text).not.toContain('Gentle and wise');
  });

  it('names {{char}} by the nickname and {{user}} by the first name, as the web app does', async () => {
    const preview = (
      await call('POST', `/api/avatars/${avatarId}/prompt-preview`, ada, { nickname: 'Sera' })
    ).json();
    expect(preview.text).toContain('Sera waits for Ada in the glade.');
    expect(preview.text).toContain('You are Seraphina, known as Sera.');
    expect(preview.text).toContain('You are talking with Ada Lovelace. Address them as Ada.');
  });

  it('validates the draft exactly as PATCH does', async () => {
    for (const bad of [{ name: '   ' }, { style: { formality: 101 } }, { traits: ['x'.repeat(61)] }]) {
      const preview = await call('POST', `/api/avatars/${avatarId}/prompt-preview`, ada, bad);
      const patch = await call('PATCH', `/api/avatars/${avatarId}`, ada, bad);
      expect(preview.statusCode).toBe(400);
      expect(patch.statusCode).toBe(400);
      expect(preview.json().error.code).toBe('invalid_request');
      expect(preview.json().error.details.issues.map((i: { path: string }) => i.path)).toEqual(
        patch.json().error.details.issues.map((i: { path: string }) => i.path),
      );
    }
  });

  it('is a 404 for someone else’s private avatar', async () => {
    const res = await call('POST', `/api/avatars/${avatarId}/prompt-preview`, bob, { persona: 'x' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('avatar_not_found');
  });
});
