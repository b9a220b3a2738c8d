import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

// The web app's character counter reads the message limit from GET /api/settings and counts
// the way the server does (JavaScript string length, UTF-16 code units). These tests pin both.
describeStorage('the message limit in /api/settings (%s)', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let cookie: string;
  let conversationId: string;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    app = (
      await createTestApp(storage, {
        LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000',
        LUMINA_OLLAMA_AUTODETECT: 'false',
        CHAT_MAX_MESSAGE_CHARS: '10',
      })
    ).app;
    ({ cookie } = await signup(app, 'counter@example.org'));
    const avatars = await app.inject({ method: 'GET', url: '/api/avatars', headers: { cookie } });
    const created = await app.inject({
      method: 'POST',
      url: '/api/conversations',
      headers: { ...CSRF, cookie },
      payload: { avatarId: avatars.json().avatars[0].id },
    });
    conversationId = created.json().conversation.id;
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  it('GET and PUT both answer CHAT_MAX_MESSAGE_CHARS as limits.maxMessageChars', async () => {
    const read = await app.inject({ method: 'GET', url: '/api/settings', headers: { cookie } });
    expect(read.statusCode).toBe(200);
    expect(read.json().limits).toEqual({ maxMessageChars: 10 });
    const written = await app.inject({
      method: 'PUT',
      url: '/api/settings',
      headers: { ...CSRF, cookie },
      payload: { localOnly: false },
    });
    expect(written.statusCode).toBe(200);
    expect(written.json().limits).toEqual({ maxMessageChars: 10 });
  });

  it('counts UTF-16 code units: five emoji are 10 and pass the check, one more character does not', async () => {
    const send = (content: string) =>
      app.inject({
        method: 'POST',
        url: `/api/conversations/${conversationId}/messages`,
        headers: { ...CSRF, cookie },
        payload: { content },
      });
    const atLimit = '😀'.repeat(5);
    expect(atLimit.length).toBe(10);
    // Past the length check, the send stops at the next rule: there is no model here.
    const accepted = await send(atLimit);
    expect(accepted.json().error.code).toBe('no_model_configured');
    const over = await send(`${atLimit}x`);
    expect(over.statusCode).toBe(400);
    expect(over.json().error).toMatchObject({ code: 'message_too_long', details: { maxChars: 10 } });
  });
});
