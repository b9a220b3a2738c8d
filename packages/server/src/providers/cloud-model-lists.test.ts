import { afterEach, describe, expect, it } from 'vitest';
import { collect, TEST_TIMEOUTS } from '../test-support/chat-model-conformance.js';
import { AnthropicServer } from '../test-support/protocol-servers/anthropic-server.js';
import { GeminiServer } from '../test-support/protocol-servers/gemini-server.js';
import { OpenAiServer } from '../test-support/protocol-servers/openai-server.js';
import type { ProtocolServer } from '../test-support/protocol-servers/protocol-server.js';
import { createCloudProvider } from './adapters/cloud-providers.js';

describe('cloud model lists', () => {
  const servers: ProtocolServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  async function start<T extends ProtocolServer>(server: T): Promise<T> {
    servers.push(server);
    return server.listen();
  }

  it('takes Groq context windows from its list and fills OpenAI ones from the built-in table', async () => {
    const groq = await start(new OpenAiServer('groq'));
    groq.models = [{ id: 'llama-3.1-8b-instant', extra: { context_window: 131_072, active: true } }];
    const [llama] = await createCloudProvider({
      id: 'groq',
      kind: 'groq',
      apiKey: 'k',
      baseUrl: `${groq.origin}/openai/v1`,
    }).listModels();
    expect(llama).toMatchObject({ id: 'groq/llama-3.1-8b-instant', contextWindow: 131_072, local: false });

    const openai = await start(new OpenAiServer('openai'));
    openai.models = [{ id: 'gpt-4o-mini' }, { id: 'text-embedding-3-small' }, { id: 'some-new-model' }];
    const models = await createCloudProvider({
      id: 'oa',
      kind: 'openai',
      apiKey: 'k',
      baseUrl: `${openai.origin}/v1`,
    }).listModels();
    expect(models[0]).toMatchObject({
      contextWindow: 128_000,
      capabilities: { tools: true, vision: true, json: true },
    });
    expect(models[1]).toMatchObject({ capabilities: { embeddings: true, tools: false } });
    expect(models[2]).toMatchObject({
      contextWindow: null,
      capabilities: { tools: true, embeddings: false },
    });
  });

  it('reads Mistral capabilities and max_context_length', async () => {
    const mistral = await start(new OpenAiServer('mistral'));
    mistral.models = [
      {
        id: 'pixtral-large-latest',
        extra: {
          max_context_length: 131_072,
          capabilities: { completion_chat: true, function_calling: true, vision: true },
        },
      },
    ];
    const [model] = await createCloudProvider({
      id: 'mi',
      kind: 'mistral',
      apiKey: 'k',
      baseUrl: `${mistral.origin}/v1`,
    }).listModels();
    expect(model).toMatchObject({ contextWindow: 131_072, capabilities: { tools: true, vision: true } });
  });

  it('lists Gemini models without the models/ prefix, with inputTokenLimit and embedding support', async () => {
    const gemini = await start(new GeminiServer());
    const models = await createCloudProvider({
      id: 'g',
      kind: 'google',
      apiKey: 'k',
      baseUrl: `${gemini.origin}/v1beta`,
    }).listModels();
    expect(models.map((m) => [m.id, m.contextWindow, m.capabilities.embeddings])).toEqual([
      ['g/gemini-2.0-flash', 1_048_576, false],
      ['g/text-embedding-004', 2048, true],
    ]);
    expect(gemini.lastRequest('/models').headers['x-goog-api-key']).toBe('k');
  });

  it('lists Anthropic models with the versioned headers and the table context window', async () => {
    const anthropic = await start(new AnthropicServer());
    const [claude] = await createCloudProvider({
      id: 'a',
      kind: 'anthropic',
      apiKey: 'k',
      baseUrl: `${anthropic.origin}/v1`,
    }).listModels();
    expect(claude).toMatchObject({ id: 'a/claude-sonnet-4-5', contextWindow: 200_000 });
    expect(anthropic.lastRequest('/models').headers).toMatchObject({
      'x-api-key': 'k',
      'anthropic-version': '2023-06-01',
    });
  });

  it('reports a refused connection as a retryable provider_unavailable', async () => {
    const gone = await start(new OpenAiServer('openai'));
    await gone.close();
    const provider = createCloudProvider({
      id: 'oa',
      kind: 'openai',
      apiKey: 'k',
      baseUrl: `${gone.origin}/v1`,
      timeouts: TEST_TIMEOUTS,
    });
    await expect(provider.probe()).rejects.toMatchObject({ code: 'provider_unavailable', retryable: true });
    const parts = await collect(
      provider.chatModel('gpt-4o-mini').stream({ messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(parts.at(-2)).toMatchObject({ type: 'error', code: 'provider_unavailable', retryable: true });
    servers.splice(0); // already closed
  });

  it('refuses an openai-compatible provider without a base URL', () => {
    expect(() => createCloudProvider({ id: 'x', kind: 'openai-compatible' })).toThrow(/baseUrl/);
  });
});
