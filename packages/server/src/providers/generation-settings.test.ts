import { afterEach, describe, expect, it } from 'vitest';
import type { GenerationSettings } from '../domain/generation-settings.js';
import { collect, TEST_TIMEOUTS } from '../test-support/chat-model-conformance.js';
import { AnthropicServer } from '../test-support/protocol-servers/anthropic-server.js';
import { GeminiServer } from '../test-support/protocol-servers/gemini-server.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { type OpenAiDialect, OpenAiServer } from '../test-support/protocol-servers/openai-server.js';
import type { ProtocolServer } from '../test-support/protocol-servers/protocol-server.js';
import { type CloudProviderKind, createCloudProvider } from './adapters/cloud-providers.js';
import { createOllamaProvider } from './adapters/ollama-provider.js';
import { chatRequestSettings, generationSettingsFor } from './generation-support.js';
import type { ModelProvider, ProviderKind } from './types.js';

/** Every setting at a value no default has, so a field that arrives was sent by us. */
const ALL: GenerationSettings = {
  temperature: 0.35,
  topP: 0.85,
  topK: 33,
  minP: 0.07,
  repetitionPenalty: 1.13,
  frequencyPenalty: 0.4,
  presencePenalty: -0.3,
  maxTokens: 77,
  stop: ['\nUser:', '###'],
  seed: 4242,
};

const servers: ProtocolServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function sendAll(provider: ModelProvider, kind: ProviderKind, model: string) {
  const settings = chatRequestSettings(ALL, 1024);
  await collect(
    provider.chatModel(model).stream({ messages: [{ role: 'user', content: 'Hi' }], ...settings }),
  );
  return generationSettingsFor(kind, model);
}

async function openAiWire(kind: CloudProviderKind, dialect: OpenAiDialect) {
  const server = await new OpenAiServer(dialect).listen();
  servers.push(server);
  const provider = createCloudProvider({
    id: kind,
    kind,
    apiKey: 'sk-test',
    baseUrl: `${server.origin}/v1`,
    timeouts: TEST_TIMEOUTS,
  });
  return { server, provider };
}

/** The body's sampling fields only (model, messages, stream … left out). */
function sampling(body: Record<string, unknown>, fields: string[]) {
  return Object.fromEntries(fields.filter((f) => body[f] !== undefined).map((f) => [f, body[f]]));
}

const OPENAI_FIELDS = [
  'temperature',
  'top_p',
  'top_k',
  'min_p',
  'repetition_penalty',
  'repeat_penalty',
  'frequency_penalty',
  'presence_penalty',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'seed',
  'random_seed',
];

describe('generation settings on each provider’s wire', () => {
  it('openai: the OpenAI names, max_completion_tokens, no top_k/min_p/repetition penalty', async () => {
    const { server, provider } = await openAiWire('openai', 'openai');
    const supported = await sendAll(provider, 'openai', 'gpt-4o-mini');
    expect(sampling(server.lastRequest('/chat/completions').body, OPENAI_FIELDS)).toEqual({
      temperature: 0.35,
      top_p: 0.85,
      frequency_penalty: 0.4,
      presence_penalty: -0.3,
      max_completion_tokens: 77,
      stop: ['\nUser:', '###'],
      seed: 4242,
    });
    expect(supported).toEqual([
      'temperature',
      'topP',
      'frequencyPenalty',
      'presencePenalty',
      'maxTokens',
      'stop',
      'seed',
    ]);
  });

  it('openai reasoning models: no sampling settings (they refuse them)', async () => {
    const { server, provider } = await openAiWire('openai', 'openai');
    const supported = await sendAll(provider, 'openai', 'o3-mini');
    expect(sampling(server.lastRequest('/chat/completions').body, OPENAI_FIELDS)).toEqual({
      max_completion_tokens: 77,
      stop: ['\nUser:', '###'],
      seed: 4242,
    });
    expect(supported).toEqual(['maxTokens', 'stop', 'seed']);
  });

  it('openai-compatible: everything, top_k/min_p/repetition_penalty as vLLM and OpenRouter name them', async () => {
    const { server, provider } = await openAiWire('openai-compatible', 'compatible');
    const supported = await sendAll(provider, 'openai-compatible', 'Qwen/Qwen2.5-7B-Instruct');
    expect(sampling(server.lastRequest('/chat/completions').body, OPENAI_FIELDS)).toEqual({
      temperature: 0.35,
      top_p: 0.85,
      top_k: 33,
      min_p: 0.07,
      repetition_penalty: 1.13,
      frequency_penalty: 0.4,
      presence_penalty: -0.3,
      max_tokens: 77,
      stop: ['\nUser:', '###'],
      seed: 4242,
    });
    expect(supported).toHaveLength(10);
  });

  it('groq (AI SDK): no top_k or min_p', async () => {
    const { server, provider } = await openAiWire('groq', 'groq');
    await sendAll(provider, 'groq', 'llama-3.3-70b-versatile');
    expect(sampling(server.lastRequest('/chat/completions').body, OPENAI_FIELDS)).toEqual({
      temperature: 0.35,
      top_p: 0.85,
      frequency_penalty: 0.4,
      presence_penalty: -0.3,
      max_tokens: 77,
      stop: ['\nUser:', '###'],
      seed: 4242,
    });
  });

  it('mistral (AI SDK): the seed as random_seed', async () => {
    const { server, provider } = await openAiWire('mistral', 'mistral');
    await sendAll(provider, 'mistral', 'mistral-small-latest');
    expect(sampling(server.lastRequest('/chat/completions').body, OPENAI_FIELDS)).toEqual({
      temperature: 0.35,
      top_p: 0.85,
      frequency_penalty: 0.4,
      presence_penalty: -0.3,
      max_tokens: 77,
      stop: ['\nUser:', '###'],
      random_seed: 4242,
    });
  });

  it('anthropic (AI SDK): temperature (else top_p), top_k, max_tokens, stop_sequences only', async () => {
    const server = await new AnthropicServer().listen();
    servers.push(server);
    const provider = createCloudProvider({
      id: 'claude',
      kind: 'anthropic',
      apiKey: 'k',
      baseUrl: `${server.origin}/v1`,
      timeouts: TEST_TIMEOUTS,
    });
    await sendAll(provider, 'anthropic', 'claude-3-5-haiku-latest');
    const body = server.lastRequest('/v1/messages').body;
    expect(
      sampling(body, [
        'temperature',
        'top_p',
        'top_k',
        'max_tokens',
        'stop_sequences',
        'seed',
        'frequency_penalty',
      ]),
    ).toEqual({ temperature: 0.35, top_k: 33, max_tokens: 77, stop_sequences: ['\nUser:', '###'] });
    // Claude refuses temperature and top_p together: the AI SDK keeps the temperature.
    await collect(
      provider
        .chatModel('claude-3-5-haiku-latest')
        .stream({ messages: [{ role: 'user', content: 'Hi' }], topP: 0.85 }),
    );
    expect(server.lastRequest('/v1/messages').body.top_p).toBe(0.85);
  });

  it('google (AI SDK): generationConfig', async () => {
    const server = await new GeminiServer().listen();
    servers.push(server);
    const provider = createCloudProvider({
      id: 'gemini',
      kind: 'google',
      apiKey: 'k',
      baseUrl: `${server.origin}/v1beta`,
      timeouts: TEST_TIMEOUTS,
    });
    await sendAll(provider, 'google', 'gemini-2.0-flash');
    const config = server.lastRequest(':streamGenerateContent').body.generationConfig;
    expect(config).toMatchObject({
      temperature: 0.35,
      topP: 0.85,
      topK: 33,
      frequencyPenalty: 0.4,
      presencePenalty: -0.3,
      maxOutputTokens: 77,
      stopSequences: ['\nUser:', '###'],
      seed: 4242,
    });
    expect(config.minP).toBeUndefined();
  });

  it('ollama: every setting in options, under Ollama’s names', async () => {
    const server = await new OllamaServer().listen();
    servers.push(server);
    const provider = createOllamaProvider({ baseUrl: server.origin, timeouts: TEST_TIMEOUTS });
    await sendAll(provider, 'ollama', 'llama3.2:latest');
    expect(server.lastRequest('/api/chat').body.options).toEqual({
      temperature: 0.35,
      top_p: 0.85,
      top_k: 33,
      min_p: 0.07,
      repeat_penalty: 1.13,
      frequency_penalty: 0.4,
      presence_penalty: -0.3,
      seed: 4242,
      num_predict: 77,
      stop: ['\nUser:', '###'],
    });
  });

  it('sends nothing of what is not set (the provider’s defaults)', async () => {
    const { server, provider } = await openAiWire('openai-compatible', 'compatible');
    await collect(provider.chatModel('m').stream({ messages: [{ role: 'user', content: 'Hi' }] }));
    expect(sampling(server.lastRequest('/chat/completions').body, OPENAI_FIELDS)).toEqual({});
  });
});

describe('chatRequestSettings', () => {
  it('caps the reply budget with maxTokens and keeps the other names', () => {
    expect(chatRequestSettings({ temperature: 0.7, maxTokens: 300 }, 1024)).toEqual({
      temperature: 0.7,
      maxOutputTokens: 300,
    });
    expect(chatRequestSettings({ maxTokens: 5000 }, 1024)).toEqual({ maxOutputTokens: 1024 });
    expect(chatRequestSettings({ seed: 1 }, undefined)).toEqual({ seed: 1 });
  });
});
