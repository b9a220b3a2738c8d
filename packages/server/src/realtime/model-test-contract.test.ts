import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { OpenAiServer } from '../test-support/protocol-servers/openai-server.js';
import { parseSse } from '../test-support/sse.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { type ModelTestEvent, modelTestEventSchema } from './model-test-events.js';
import { streamPartSchema } from './stream-parts.js';

const LOCAL = 'ollama/llama3.2:latest';

/**
 * Every event `POST /api/models/test` sends, checked *exactly* against its contract
 * (realtime/model-test-events.ts): a field the schema does not name fails too, as it would be a
 * field no generated client type knows. Driven through the real route, a real database and local
 * Ollama- and OpenAI-wire model servers, through every path the stream can take: an answer, a
 * priced answer, counted tokens, retries and a fallback, an open circuit, a failure mid-reply
 * and a chain where nothing answers.
 */
describeStorage('the model test stream on the wire (%s)', (mode) => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  let openai: OpenAiServer;
  let app: FastifyInstance;
  let cookie: string;
  let cloud: string;

  beforeAll(async () => {
    [ollama, openai] = await Promise.all([new OllamaServer().listen(), new OpenAiServer('openai').listen()]);
    storage = await createTestStorage(mode);
    app = (
      await createTestApp(storage, {
        OLLAMA_BASE_URL: ollama.origin,
        LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000',
        // The protocol servers listen on loopback, which ordinary users may not reach otherwise.
        LUMINA_OUTBOUND_ALLOW: '127.0.0.1',
      })
    ).app;
    // The first account is the administrator, who may set prices.
    cookie = (await signup(app, `model-test-${mode}@example.org`)).cookie;
    const added = await call('POST', '/api/providers', {
      kind: 'openai',
      name: 'Local OpenAI wire',
      baseUrl: `${openai.origin}/v1`,
      apiKey: 'sk-test-0123456789abcdefghij',
    });
    expect(added.statusCode).toBe(201);
    cloud = `${added.json().provider.id}/gpt-4o-mini`;
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    await Promise.all([ollama?.close(), openai?.close()]);
  });

  const call = (method: 'POST' | 'PUT', url: string, payload: object) =>
    app.inject({ method, url, payload, headers: { ...CSRF, cookie } });

  /** One test's events, each checked against the contract; ids rise by one and `finish` is last. */
  async function run(payload: { prompt: string; model?: string }): Promise<ModelTestEvent[]> {
    const res = await call('POST', '/api/models/test', payload);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    const events = parseSse(res.body);
    expect(events.length).toBeGreaterThan(0);
    for (const [index, event] of events.entries()) expect(event.id).toBe(index + 1);
    const parts = events.map((event) => {
      const part = { type: event.event, ...event.data };
      expect(modelTestEventSchema.parse(part)).toEqual(part);
      return part as ModelTestEvent;
    });
    expect(parts.filter((p) => p.type === 'finish')).toHaveLength(1);
    expect(parts.at(-1)!.type).toBe('finish');
    return parts;
  }

  const types = (parts: ModelTestEvent[]) => parts.map((p) => p.type);
  const ofType = <T extends ModelTestEvent['type']>(parts: ModelTestEvent[], type: T) =>
    parts.filter((p): p is Extract<ModelTestEvent, { type: T }> => p.type === type);

  it('reuses the stream contract’s own parts for what a reply stream also carries', () => {
    const shared = ['model', 'text-delta', 'error', 'usage', 'finish'];
    for (const type of shared) {
      const here = modelTestEventSchema.options.find((o) => o.shape.type.value === type);
      const there = streamPartSchema.options.find((o) => o.shape.type.value === type);
      expect(here).toBeDefined();
      expect(here).toBe(there);
    }
  });

  it('an answer: the model, its text, usage with the cost, and finish with the timings', async () => {
    ollama.script({ kind: 'text', tokens: ['Hello', ' there'] });
    const parts = await run({ prompt: 'Say hello', model: LOCAL });
    expect(types(parts)).toEqual([
      'attempt',
      'model',
      'text-delta',
      'text-delta',
      'usage-source',
      'usage',
      'finish',
    ]);
    expect(parts[0]).toEqual({ type: 'attempt', modelId: LOCAL, attempt: 1 });
    expect(parts[1]).toEqual({ type: 'model', modelId: LOCAL });
    expect(
      ofType(parts, 'text-delta')
        .map((p) => p.delta)
        .join(''),
    ).toBe('Hello there');
    expect(ofType(parts, 'usage-source')).toEqual([{ type: 'usage-source', reported: true }]);
    // A local model costs nothing.
    expect(ofType(parts, 'usage')[0]).toMatchObject({ costUsd: 0 });
    expect(ofType(parts, 'usage')[0]!.outputTokens).toBeGreaterThan(0);
    const [finish] = ofType(parts, 'finish');
    expect(finish).toMatchObject({ status: 'complete', finishReason: 'stop' });
    expect(finish!.timings!.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
    expect(finish!.timings!.durationMs).toBeGreaterThanOrEqual(finish!.timings!.timeToFirstTokenMs!);
  });

  it('a priced cloud answer carries its cost in usage', async () => {
    const prices = [{ pattern: cloud, inputUsdPerMillion: 1, outputUsdPerMillion: 2 }];
    expect((await call('PUT', '/api/admin/pricing', { prices })).statusCode).toBe(200);
    const [usage] = ofType(await run({ prompt: 'Hi', model: cloud }), 'usage');
    expect(usage!.costUsd).toBeCloseTo((usage!.inputTokens * 1 + usage!.outputTokens * 2) / 1e6, 10);
  });

  it('tokens the provider did not report are marked as counted', async () => {
    ollama.script({ kind: 'text', tokens: ['Counted', ' here'], usage: false });
    const parts = await run({ prompt: 'Hi', model: LOCAL });
    expect(ofType(parts, 'usage-source')).toEqual([{ type: 'usage-source', reported: false }]);
    expect(ofType(parts, 'usage')[0]!.outputTokens).toBeGreaterThan(0);
  });

  it('retries, falls back, and later skips a provider whose circuit is open', async () => {
    expect(
      (await call('PUT', '/api/settings', { defaultModel: cloud, fallbackModels: [LOCAL] })).statusCode,
    ).toBe(200);
    openai.script({ kind: 'http-error', status: 500 }, { kind: 'http-error', status: 500 });
    const fallback = await run({ prompt: 'Hi' });
    expect(
      fallback
        .filter((p) => p.type === 'attempt' || p.type === 'failed' || p.type === 'model')
        .map((p) => `${p.type}:${'modelId' in p ? p.modelId : ''}`),
    ).toEqual([
      `attempt:${cloud}`,
      `failed:${cloud}`,
      `attempt:${cloud}`,
      `failed:${cloud}`,
      `attempt:${LOCAL}`,
      `model:${LOCAL}`,
    ]);
    expect(ofType(fallback, 'failed').map((p) => [p.code, p.willRetry])).toEqual([
      ['provider_unavailable', true],
      ['provider_unavailable', false],
    ]);
    expect(ofType(fallback, 'finish')).toMatchObject([{ status: 'complete' }]);

    // Two more faults make three in a row: the circuit opens, and the next test skips the provider.
    openai.script({ kind: 'http-error', status: 500 }, { kind: 'http-error', status: 500 });
    await run({ prompt: 'Hi' });
    const skipped = await run({ prompt: 'Hi' });
    expect(skipped[0]).toEqual({ type: 'skipped', modelId: cloud, reason: 'circuit_open' });
    expect(ofType(skipped, 'model')).toEqual([{ type: 'model', modelId: LOCAL }]);
  });

  it('a failure mid-reply keeps the text and ends with error and finish `error`', async () => {
    ollama.script({ kind: 'malformed', tokens: ['Once', ' upon'] });
    const parts = await run({ prompt: 'Tell a story', model: LOCAL });
    expect(
      ofType(parts, 'text-delta')
        .map((p) => p.delta)
        .join(''),
    ).toBe('Once upon');
    expect(ofType(parts, 'error')).toMatchObject([{ code: 'provider_protocol_error' }]);
    expect(ofType(parts, 'finish')).toMatchObject([{ status: 'error', finishReason: 'error' }]);
  });

  it('a chain where nothing answers: failed, error, and finish `error` without usage', async () => {
    ollama.script({ kind: 'http-error', status: 401 });
    const parts = await run({ prompt: 'Hi', model: LOCAL });
    expect(types(parts)).toEqual(['attempt', 'failed', 'error', 'finish']);
    expect(ofType(parts, 'failed')).toMatchObject([{ modelId: LOCAL, willRetry: false }]);
    expect(ofType(parts, 'finish')[0]).toMatchObject({
      status: 'error',
      finishReason: 'error',
      timings: { timeToFirstTokenMs: null },
    });
  });
});
