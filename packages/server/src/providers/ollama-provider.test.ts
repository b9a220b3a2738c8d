import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, TEST_TIMEOUTS } from '../test-support/chat-model-conformance.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { createOllamaProvider, type OllamaProvider, type PullProgress } from './adapters/ollama-provider.js';
import { ProviderError } from './types.js';

describe('Ollama provider (beyond the shared conformance suite)', () => {
  let server: OllamaServer;
  let ollama: OllamaProvider;
  beforeEach(async () => {
    server = await new OllamaServer().listen();
    ollama = createOllamaProvider({ baseUrl: server.origin, keepAlive: '30m', timeouts: TEST_TIMEOUTS });
  });
  afterEach(() => server.close());

  it('lists models with the context length and capabilities /api/show reports', async () => {
    const models = await ollama.listModels();
    expect(models).toEqual([
      {
        id: 'ollama/llama3.2:latest',
        provider: 'ollama',
        name: 'llama3.2:latest',
        contextWindow: 131_072,
        capabilities: { tools: true, vision: false, json: true, embeddings: false },
        local: true,
      },
      expect.objectContaining({
        id: 'ollama/all-minilm:latest',
        contextWindow: 512,
        capabilities: { tools: false, vision: false, json: false, embeddings: true },
      }),
    ]);
  });

  it('sends keep_alive and the model options on chat, and keep_alive on embed', async () => {
    await collect(
      ollama.chatModel('llama3.2').stream({
        messages: [{ role: 'user', content: 'hi' }],
        temperature: 0.2,
        maxOutputTokens: 64,
        stop: ['END'],
      }),
    );
    expect(server.lastRequest('/api/chat').body).toMatchObject({
      model: 'llama3.2',
      stream: true,
      keep_alive: '30m',
      options: { temperature: 0.2, num_predict: 64, stop: ['END'] },
    });
    await ollama.embeddingModel?.('all-minilm').embed(['a']);
    expect(server.lastRequest('/api/embed').body).toMatchObject({ keep_alive: '30m', input: ['a'] });
  });

  it('streams pull progress to the iterator and the callback, ending with success', async () => {
    const seen: PullProgress[] = [];
    const steps: PullProgress[] = [];
    for await (const step of ollama.pullModel('llama3.2', undefined, (p) => seen.push(p))) steps.push(step);
    expect(steps).toEqual(seen);
    expect(steps[0]).toEqual({ status: 'pulling manifest' });
    const downloads = steps.filter((s) => s.total !== undefined);
    expect(downloads.map((s) => s.completed)).toEqual([250, 500, 750, 1000]);
    expect(downloads.every((s) => s.total === 1000)).toBe(true);
    expect(steps.at(-1)).toEqual({ status: 'success' });
    expect(server.lastRequest('/api/pull').body).toEqual({ model: 'llama3.2', stream: true });
  });

  it('fails a pull of an unknown model with model_not_found', async () => {
    const pulling = collect(ollama.pullModel('missing-model') as AsyncIterable<never>);
    await expect(pulling).rejects.toMatchObject({ code: 'model_not_found' });
  });

  it('cancels a pull and closes the download', async () => {
    server.pull = { total: 1000, steps: 50, delayMs: 20 };
    const controller = new AbortController();
    const error = await (async () => {
      for await (const step of ollama.pullModel('llama3.2', controller.signal)) {
        if (step.completed) controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('cancelled');
    const request = server.lastRequest('/api/pull');
    await request.closed;
    expect(request.clientAborted).toBe(true);
  });

  it('reports an unreachable Ollama as a retryable provider_unavailable', async () => {
    await server.close();
    const down = createOllamaProvider({ baseUrl: server.origin, timeouts: TEST_TIMEOUTS });
    await expect(down.probe()).rejects.toMatchObject({ code: 'provider_unavailable', retryable: true });
    const parts = await collect(
      down.chatModel('llama3.2').stream({ messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(parts.at(-2)).toMatchObject({ type: 'error', code: 'provider_unavailable', retryable: true });
    server = await new OllamaServer().listen(); // for afterEach
  });
});
