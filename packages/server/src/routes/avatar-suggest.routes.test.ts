import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

const backstory =
  'A retired lighthouse keeper who restores old radios and tells tall tales about shipwrecks.';
const answer = {
  traits: ['nostalgic', 'storyteller', 'tinkerer'],
  style: { formality: 30, verbosity: 70, warmth: 80, humor: 65, directness: 40, curiosity: 75 },
  greeting: 'Ahoy, {{user}}! Pull up a chair — the kettle’s on and the radio’s crackling.',
};
// A whole answer must arrive within connect + first-token time: 2 s here, so a hang is a quick 504.
const FAST_TIMEOUTS = {
  LUMINA_PROVIDER_CONNECT_TIMEOUT_MS: '1000',
  LUMINA_PROVIDER_FIRST_TOKEN_TIMEOUT_MS: '1000',
  LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000',
};

async function useModel(app: FastifyInstance, cookie: string) {
  const res = await app.inject({
    method: 'PUT',
    url: '/api/settings',
    payload: { defaultModel: 'ollama/llama3.2:latest' },
    headers: { ...CSRF, cookie },
  });
  expect(res.statusCode).toBe(200);
}

describeStorage('AI suggestions for an avatar on %s', (mode) => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  let app: FastifyInstance;
  let user: Awaited<ReturnType<typeof signup>>;

  beforeAll(async () => {
    ollama = await new OllamaServer().listen();
    storage = await createTestStorage(mode);
    app = (await createTestApp(storage, { OLLAMA_BASE_URL: ollama.origin, ...FAST_TIMEOUTS })).app;
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

  it('suggests traits, sliders and a greeting with the user’s model, validated against the schema', async () => {
    await useModel(app, user.cookie);
    ollama.script({ kind: 'text', tokens: [JSON.stringify(answer)] });
    const res = await suggest({ name: 'Old Tom', backstory });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ suggestion: answer, modelId: 'ollama/llama3.2:latest' });
    const request = ollama.lastRequest('/api/chat');
    expect(request.body.format).toMatchObject({ type: 'object' }); // structured output asked for
    expect(JSON.stringify(request.body.messages)).toContain('lighthouse keeper');
  });

  it('blames the model, with a 502 and the request id, when its answer is malformed JSON', async () => {
    ollama.script({ kind: 'text', tokens: ['{"traits": ["salty", "kind", "wry"], "style": {"formality": '] });
    const res = await suggest({ backstory });
    expect(res.statusCode).toBe(502);
    expect(res.json().error).toMatchObject({ code: 'model_bad_output', requestId: expect.any(String) });
  });

  it('blames the model when its JSON does not fit the schema', async () => {
    ollama.script({ kind: 'text', tokens: ['{"traits": ["only one"], "style": {}, "greeting": ""}'] });
    const res = await suggest({ backstory });
    expect(res.statusCode).toBe(502);
    expect(res.json().error.code).toBe('model_bad_output');
  });

  it('says the provider refused the credentials (502), not a sign-in problem', async () => {
    ollama.script({ kind: 'http-error', status: 401 });
    const res = await suggest({ backstory });
    expect(res.statusCode).toBe(502);
    expect(res.json().error.code).toBe('provider_auth_failed');
  });

  it('says the provider failed (503) when it answers 500', async () => {
    ollama.script({ kind: 'http-error', status: 500 });
    const res = await suggest({ backstory });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('provider_unavailable');
  });

  it('says the provider is limiting requests (429)', async () => {
    ollama.script({ kind: 'http-error', status: 429 });
    const res = await suggest({ backstory });
    expect(res.statusCode).toBe(429);
    expect(res.json().error.code).toBe('provider_rate_limited');
  });

  it('times out with a 504 when the model never answers', async () => {
    ollama.script({ kind: 'hang' });
    const res = await suggest({ backstory });
    expect(res.statusCode).toBe(504);
    expect(res.json().error.code).toBe('provider_timeout');
  });

  it('validates the input', async () => {
    expect((await suggest({ backstory: 'short' })).statusCode).toBe(400);
  });
});

describe('AI suggestions when the model provider is unreachable', () => {
  let storage: TestStorage;
  let app: FastifyInstance;

  beforeAll(async () => {
    storage = await createTestStorage('pglite');
    app = (await createTestApp(storage, { OLLAMA_BASE_URL: await closedOrigin(), ...FAST_TIMEOUTS })).app;
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  it('says how to get a model when none can be listed, and 503 provider_unavailable for a chosen one', async () => {
    const user = await signup(app, 'offline@example.org');
    const suggest = () =>
      app.inject({
        method: 'POST',
        url: '/api/avatars/suggest',
        payload: { backstory },
        headers: { ...CSRF, cookie: user.cookie },
      });
    const none = await suggest();
    expect(none.statusCode).toBe(409);
    expect(none.json().error.code).toBe('no_model_configured');

    await useModel(app, user.cookie);
    const unreachable = await suggest();
    expect(unreachable.statusCode).toBe(503);
    expect(unreachable.json().error).toMatchObject({
      code: 'provider_unavailable',
      requestId: expect.any(String),
    });
  });
});

/** An address on 127.0.0.1 where nothing listens (a port just freed). */
async function closedOrigin(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
