import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { createTestStorage, type TestStorage } from '../test-support/storage.js';

describe('AI suggestions for an avatar', () => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  let app: FastifyInstance;
  let user: Awaited<ReturnType<typeof signup>>;

  beforeAll(async () => {
    ollama = await new OllamaServer().listen();
    storage = await createTestStorage('pglite');
    app = (
      await createTestApp(storage, { OLLAMA_BASE_URL: ollama.origin, LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' })
    ).app;
    user = await signup(app, 'writer@example.org');
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    await ollama?.close();
  });

  const suggest = (payload: object) =>
    app.inject({
      method: 'POST',
      url: '/api/avatars/suggest',
      payload,
      headers: { ...CSRF, cookie: user.cookie },
    });
  const backstory =
    'A retired lighthouse keeper who restores old radios and tells tall tales about shipwrecks.';

  it('says how to get a model when none is set up', async () => {
    const res = await suggest({ backstory });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('no_model_configured');
  });

  it('suggests traits, sliders and a greeting with the user’s model, validated against the schema', async () => {
    await app.inject({
      method: 'PUT',
      url: '/api/settings',
      payload: { defaultModel: 'ollama/llama3.2:latest' },
      headers: { ...CSRF, cookie: user.cookie },
    });
    const answer = {
      traits: ['nostalgic', 'storyteller', 'tinkerer'],
      style: { formality: 30, verbosity: 70, warmth: 80, humor: 65, directness: 40, curiosity: 75 },
      greeting: 'Ahoy, {{user}}! Pull up a chair — the kettle’s on and the radio’s crackling.',
    };
    ollama.script({ kind: 'text', tokens: [JSON.stringify(answer)] });
    const res = await suggest({ name: 'Old Tom', backstory });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ suggestion: answer, modelId: 'ollama/llama3.2:latest' });
    const request = ollama.lastRequest('/api/chat');
    expect(request.body.format).toMatchObject({ type: 'object' }); // structured output asked for
    expect(JSON.stringify(request.body.messages)).toContain('lighthouse keeper');
  });

  it('refuses an answer that does not fit the schema', async () => {
    ollama.script({ kind: 'text', tokens: ['{"traits": ["only one"], "style": {}, "greeting": ""}'] });
    const res = await suggest({ backstory });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.json().error.code).toBe('provider_protocol_error');
  });

  it('validates the input', async () => {
    expect((await suggest({ backstory: 'short' })).statusCode).toBe(400);
  });
});
