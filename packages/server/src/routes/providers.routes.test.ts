import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryRows } from '../db/database.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { OpenAiServer } from '../test-support/protocol-servers/openai-server.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

/** The events of an SSE body, in order, with their JSON data. */
function events(body: string): { event: string; data: Record<string, unknown> }[] {
  return body
    .split('\n\n')
    .filter((block) => block.includes('event: '))
    .map((block) => ({
      event: /event: (.+)/.exec(block)![1]!,
      data: JSON.parse(/data: (.+)/.exec(block)![1]!),
    }));
}

describeStorage('providers and models on %s', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let ollama: OllamaServer;
  let openai: OpenAiServer;
  let admin: Awaited<ReturnType<typeof signup>>;
  let user: Awaited<ReturnType<typeof signup>>;
  let cloudId: string;
  const apiKey = 'sk-test-0123456789abcdefghij';

  beforeAll(async () => {
    [ollama, openai] = await Promise.all([new OllamaServer().listen(), new OpenAiServer('openai').listen()]);
    storage = await createTestStorage(mode);
    app = (
      await createTestApp(storage, {
        OLLAMA_BASE_URL: ollama.origin,
        LUMINA_PROVIDER_CONNECT_TIMEOUT_MS: '700',
        LUMINA_PROVIDER_FIRST_TOKEN_TIMEOUT_MS: '700',
        LUMINA_PROVIDER_IDLE_TIMEOUT_MS: '700',
        LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000',
        // The protocol servers listen on loopback, which ordinary users may not reach otherwise.
        LUMINA_OUTBOUND_ALLOW: '127.0.0.1',
      })
    ).app;
    admin = await signup(app, 'admin@example.org');
    user = await signup(app, 'user@example.org');
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    await Promise.all([ollama?.close(), openai?.close()]);
  });

  const call = (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    payload?: object,
    who = user,
  ) => app.inject({ method, url, payload, headers: { ...CSRF, cookie: who.cookie } });
  const test = (payload: object) => call('POST', '/api/models/test', payload);

  it('lists the instance’s Ollama with its health', async () => {
    const res = await call('POST', '/api/providers/ollama/check');
    expect(res.json().provider).toMatchObject({
      id: 'ollama',
      scope: 'system',
      local: true,
      health: { status: 'ok' },
    });
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.json().checks.providers.ollama.status).toBe('ok');
  });

  it('adds a cloud provider: the key is encrypted at rest and never returned', async () => {
    const res = await call('POST', '/api/providers', {
      kind: 'openai',
      name: 'My OpenAI',
      baseUrl: `${openai.origin}/v1`,
      apiKey,
    });
    expect(res.statusCode).toBe(201);
    const { provider } = res.json();
    cloudId = provider.id;
    expect(provider).toMatchObject({ kind: 'openai', local: false, hasKey: true, health: { status: 'ok' } });
    expect(res.body).not.toContain(apiKey);
    expect((await call('GET', '/api/providers')).body).not.toContain(apiKey);
    const stored = await queryRows<{ row: string }>(
      storage.db,
      sql`select row_to_json(s)::text as row from secrets s`,
    );
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.map((r) => r.row).join()).not.toContain(apiKey);
    expect(openai.lastRequest('/models').headers.authorization).toBe(`Bearer ${apiKey}`);
  });

  it('shows provider_auth_failed next to a provider whose key is refused', async () => {
    openai.script({ kind: 'http-error', status: 401 });
    const res = await call('POST', `/api/providers/${cloudId}/check`);
    expect(res.json().provider.health).toMatchObject({ status: 'error', code: 'provider_auth_failed' });
    expect((await call('POST', `/api/providers/${cloudId}/check`)).json().provider.health.status).toBe('ok');
  });

  it('refuses a provider without what it needs', async () => {
    expect(
      (await call('POST', '/api/providers', { kind: 'anthropic', name: 'No key' })).json().error.code,
    ).toBe('invalid_request');
    expect(
      (await call('POST', '/api/providers', { kind: 'openai-compatible', name: 'No URL' })).statusCode,
    ).toBe(400);
  });

  it('lists models across providers with capabilities and locality', async () => {
    const { models } = (await call('GET', '/api/models')).json();
    expect(models).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'ollama/llama3.2:latest', local: true, contextWindow: 131072 }),
        expect.objectContaining({ id: `${cloudId}/gpt-4o-mini`, local: false }),
      ]),
    );
  });

  it('answers with the first local chat model when no one chose a model, then with the admin’s, then with the user’s', async () => {
    const defaultOf = async (who = user) =>
      (await call('GET', '/api/models', undefined, who)).json().defaultModel;
    // A new member, nothing set anywhere: the local chat model (not the embedding one, not the cloud one).
    expect(await defaultOf()).toEqual({ id: 'ollama/llama3.2:latest', source: 'automatic' });
    const auto = events((await test({ prompt: 'Hi' })).body);
    expect(auto.find((p) => p.event === 'model')?.data.modelId).toBe('ollama/llama3.2:latest');

    // The instance default is the admin's to set, and shows in the instance settings.
    const choose = { defaultModel: `${cloudId}/gpt-4o-mini` };
    expect((await call('PATCH', '/api/admin/settings', choose)).statusCode).toBe(403);
    const set = await call('PATCH', '/api/admin/settings', choose, admin);
    expect(set.json()).toEqual({ signupOpen: expect.any(Boolean), defaultModel: `${cloudId}/gpt-4o-mini` });
    expect((await call('GET', '/api/admin/settings', undefined, admin)).json().defaultModel).toBe(
      `${cloudId}/gpt-4o-mini`,
    );
    expect(await defaultOf()).toEqual({ id: `${cloudId}/gpt-4o-mini`, source: 'instance' });
    const instance = events((await test({ prompt: 'Hi' })).body);
    expect(instance.find((p) => p.event === 'model')?.data.modelId).toBe(`${cloudId}/gpt-4o-mini`);
    expect(
      (await call('PATCH', '/api/admin/settings', { defaultModel: 'x'.repeat(301) }, admin)).statusCode,
    ).toBe(400);

    // The member's own choice wins; clearing the instance default goes back to the automatic one.
    await call('PUT', '/api/settings', { defaultModel: 'ollama/llama3.2:latest' });
    expect(await defaultOf()).toEqual({ id: 'ollama/llama3.2:latest', source: 'user' });
    expect(await defaultOf(admin)).toEqual({ id: `${cloudId}/gpt-4o-mini`, source: 'instance' });
    await call('PATCH', '/api/admin/settings', { defaultModel: null }, admin);
    expect(await defaultOf(admin)).toEqual({ id: 'ollama/llama3.2:latest', source: 'automatic' });
    await call('PUT', '/api/settings', { defaultModel: null });
  });

  it('streams a reply and records usage, time to first token and cost (local: 0)', async () => {
    const res = await test({ prompt: 'Say hello', model: 'ollama/llama3.2:latest' });
    expect(res.headers['content-type']).toContain('text/event-stream');
    const parts = events(res.body);
    const text = parts
      .filter((p) => p.event === 'text-delta')
      .map((p) => p.data.delta)
      .join('');
    expect(text).toBe('Hello, world!');
    expect(parts.find((p) => p.event === 'model')?.data.modelId).toBe('ollama/llama3.2:latest');
    // Usage carries the cost as a reply's does; finish comes last, with the recorded status.
    expect(parts.slice(-3)).toEqual([
      { event: 'usage-source', data: { reported: true } },
      { event: 'usage', data: { inputTokens: 12, outputTokens: 4, costUsd: 0 } },
      {
        event: 'finish',
        data: { status: 'complete', finishReason: 'stop', timings: expect.any(Object) },
      },
    ]);
    const [row] = await queryRows<{
      model: string;
      input_tokens: number;
      status: string;
      time_to_first_token_ms: number;
    }>(
      storage.db,
      sql`select * from usage_events where user_id = ${user.user.id} order by created_at desc limit 1`,
    );
    expect(row).toMatchObject({ model: 'ollama/llama3.2:latest', input_tokens: 12, status: 'complete' });
    expect(row!.time_to_first_token_ms).toBeGreaterThanOrEqual(0);
  });

  it('prices cloud calls from the admin’s table', async () => {
    const prices = [{ pattern: `${cloudId}/gpt-4o*`, inputUsdPerMillion: 1, outputUsdPerMillion: 2 }];
    expect((await call('PUT', '/api/admin/pricing', { prices })).statusCode).toBe(403);
    expect((await call('PUT', '/api/admin/pricing', { prices }, admin)).json().prices).toEqual(prices);
    const usage = events((await test({ prompt: 'Hi', model: `${cloudId}/gpt-4o-mini` })).body).find(
      (p) => p.event === 'usage',
    )!.data as { inputTokens: number; outputTokens: number; costUsd: number };
    expect(usage.costUsd).toBeCloseTo((usage.inputTokens * 1 + usage.outputTokens * 2) / 1e6, 10);
  });

  it('keeps settings left out of a change', async () => {
    await call('PUT', '/api/settings', { defaultModel: 'ollama/llama3.2:latest' });
    const res = await call('PUT', '/api/settings', { fallbackModels: ['ollama/all-minilm:latest'] });
    expect(res.json().settings).toMatchObject({
      defaultModel: 'ollama/llama3.2:latest',
      fallbackModels: ['ollama/all-minilm:latest'],
    });
  });

  it('retries, then falls back to the next model when the first fails before its first token', async () => {
    await call('PUT', '/api/settings', {
      defaultModel: `${cloudId}/gpt-4o-mini`,
      fallbackModels: ['ollama/llama3.2:latest'],
    });
    openai.script({ kind: 'http-error', status: 500 }, { kind: 'http-error', status: 500 });
    const parts = events((await test({ prompt: 'Hi' })).body);
    const trail = parts
      .filter((p) => ['attempt', 'failed', 'model'].includes(p.event))
      .map((p) => `${p.event}:${p.data.modelId}`);
    expect(trail).toEqual([
      `attempt:${cloudId}/gpt-4o-mini`,
      `failed:${cloudId}/gpt-4o-mini`,
      `attempt:${cloudId}/gpt-4o-mini`,
      `failed:${cloudId}/gpt-4o-mini`,
      'attempt:ollama/llama3.2:latest',
      'model:ollama/llama3.2:latest',
    ]);
    expect(parts.find((p) => p.event === 'failed')?.data).toMatchObject({
      code: 'provider_unavailable',
      willRetry: true,
    });
    expect(parts.at(-1)).toMatchObject({ event: 'finish', data: { status: 'complete' } });
  });

  it('opens the circuit after repeated failures and skips the provider', async () => {
    openai.script({ kind: 'http-error', status: 500 }, { kind: 'http-error', status: 500 });
    await test({ prompt: 'Hi' }); // third and fourth failures: the circuit opens
    const before = openai.requests.length;
    const parts = events((await test({ prompt: 'Hi' })).body);
    expect(parts[0]).toMatchObject({ event: 'skipped', data: { reason: 'circuit_open' } });
    expect(openai.requests.length).toBe(before);
    expect(parts.find((p) => p.event === 'model')?.data.modelId).toBe('ollama/llama3.2:latest');
  });

  it('keeps the partial text and marks the error when a provider sends garbage', async () => {
    ollama.script({ kind: 'malformed', tokens: ['Once', ' upon'] });
    const parts = events((await test({ prompt: 'Tell a story', model: 'ollama/llama3.2:latest' })).body);
    expect(
      parts
        .filter((p) => p.event === 'text-delta')
        .map((p) => p.data.delta)
        .join(''),
    ).toBe('Once upon');
    expect(parts.find((p) => p.event === 'error')?.data.code).toBe('provider_protocol_error');
    expect(parts.find((p) => p.event === 'finish')?.data.finishReason).toBe('error');
  });

  it('ends a hung provider with a timeout, never a hung request', async () => {
    // The provider never answers, so any end to the request is the timeout at work.
    ollama.script({ kind: 'hang' });
    const parts = events((await test({ prompt: 'Hi', model: 'ollama/llama3.2:latest' })).body);
    expect(parts.find((p) => p.event === 'failed' || p.event === 'error')?.data.code).toBe(
      'provider_timeout',
    );
  });

  it('answers an unknown model with model_not_found', async () => {
    const res = await test({ prompt: 'Hi', model: 'nowhere/some-model' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('model_not_found');
  });

  it('in local-only mode refuses cloud providers without opening a connection', async () => {
    await call('PUT', '/api/settings', { localOnly: true });
    const before = openai.requests.length;
    const { models } = (await call('GET', '/api/models')).json();
    expect(models.every((m: { local: boolean }) => m.local)).toBe(true);
    const refused = await test({ prompt: 'Hi', model: `${cloudId}/gpt-4o-mini` });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('local_only');
    expect(openai.requests.length).toBe(before);
    await call('PUT', '/api/settings', { localOnly: false });
    // The instance-wide switch, set by an admin, applies to everyone.
    await call('PUT', '/api/admin/privacy', { localOnly: true }, admin);
    expect((await test({ prompt: 'Hi', model: `${cloudId}/gpt-4o-mini` })).json().error.code).toBe(
      'local_only',
    );
    expect((await call('GET', '/api/settings')).json().instance).toEqual({
      localOnly: true,
      lockedByEnvironment: false,
    });
    await call('PUT', '/api/admin/privacy', { localOnly: false }, admin);
  });

  it('pulls an Ollama model with progress', async () => {
    const parts = events((await call('POST', '/api/providers/ollama/pull', { model: 'llama3.2:1b' })).body);
    const progress = parts.filter((p) => p.event === 'progress');
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.some((p) => typeof p.data.total === 'number')).toBe(true);
    expect(parts.at(-1)).toEqual({ event: 'done', data: { model: 'llama3.2:1b' } });
  });

  it('removes a provider and its stored key', async () => {
    expect((await call('DELETE', `/api/providers/${cloudId}`)).statusCode).toBe(204);
    const left = await queryRows<{ n: number }>(
      storage.db,
      sql`select count(*)::int as n from secrets where owner_id = ${user.user.id}`,
    );
    expect(left[0]!.n).toBe(0);
    expect((await call('GET', '/api/providers')).json().providers.map((p: { id: string }) => p.id)).toEqual([
      'ollama',
    ]);
  });
});
