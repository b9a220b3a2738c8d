import { expect } from 'vitest';
import {
  type ChatModelHarness,
  describeChatModel,
  TEST_TIMEOUTS,
} from '../test-support/chat-model-conformance.js';
import { AnthropicServer } from '../test-support/protocol-servers/anthropic-server.js';
import { GeminiServer } from '../test-support/protocol-servers/gemini-server.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { type OpenAiDialect, OpenAiServer } from '../test-support/protocol-servers/openai-server.js';
import { type CloudProviderKind, createCloudProvider } from './adapters/cloud-providers.js';
import { createOllamaProvider } from './adapters/ollama-provider.js';

const KEY = 'sk-test-key';

async function openAiStyle(
  kind: CloudProviderKind,
  dialect: OpenAiDialect,
  modelName: string,
  embeddingModelName?: string,
): Promise<ChatModelHarness> {
  const server = await new OpenAiServer(dialect).listen();
  server.models = [{ id: modelName }, ...(embeddingModelName ? [{ id: embeddingModelName }] : [])];
  const provider = createCloudProvider({
    id: `my-${kind}`,
    kind,
    apiKey: KEY,
    baseUrl: `${server.origin}/v1`,
    timeouts: TEST_TIMEOUTS,
  });
  return {
    provider,
    server,
    chatPath: '/chat/completions',
    modelName,
    embeddingModelName,
    expectCredentials: (request) => expect(request.headers.authorization).toBe(`Bearer ${KEY}`),
    close: () => server.close(),
  };
}

describeChatModel('openai', () => openAiStyle('openai', 'openai', 'gpt-4o-mini', 'text-embedding-3-small'));
describeChatModel('groq', () => openAiStyle('groq', 'groq', 'llama-3.3-70b-versatile'));
describeChatModel('mistral', () =>
  openAiStyle('mistral', 'mistral', 'mistral-small-latest', 'mistral-embed'),
);
describeChatModel('openai-compatible', () =>
  openAiStyle('openai-compatible', 'compatible', 'Qwen/Qwen2.5-7B-Instruct', 'BAAI/bge-small-en-v1.5'),
);

describeChatModel('anthropic', async () => {
  const server = await new AnthropicServer().listen();
  return {
    provider: createCloudProvider({
      id: 'claude',
      kind: 'anthropic',
      apiKey: KEY,
      baseUrl: `${server.origin}/v1`,
      timeouts: TEST_TIMEOUTS,
    }),
    server,
    chatPath: '/v1/messages',
    modelName: 'claude-sonnet-4-5',
    alwaysReportsUsage: true,
    expectCredentials: (request) => {
      expect(request.headers['x-api-key']).toBe(KEY);
      expect(request.headers['anthropic-version']).toBe('2023-06-01');
    },
    close: () => server.close(),
  };
});

describeChatModel('google', async () => {
  const server = await new GeminiServer().listen();
  return {
    provider: createCloudProvider({
      id: 'gemini',
      kind: 'google',
      apiKey: KEY,
      baseUrl: `${server.origin}/v1beta`,
      timeouts: TEST_TIMEOUTS,
    }),
    server,
    chatPath: ':streamGenerateContent',
    modelName: 'gemini-2.0-flash',
    embeddingModelName: 'text-embedding-004',
    expectCredentials: (request) => expect(request.headers['x-goog-api-key']).toBe(KEY),
    close: () => server.close(),
  };
});

describeChatModel('ollama', async () => {
  const server = await new OllamaServer().listen();
  return {
    provider: createOllamaProvider({
      id: 'ollama',
      baseUrl: server.origin,
      keepAlive: '10m',
      timeouts: TEST_TIMEOUTS,
    }),
    server,
    chatPath: '/api/chat',
    modelName: 'llama3.2:latest',
    embeddingModelName: 'all-minilm:latest',
    // Ollama has no keys; what it must get is the keep_alive we configured.
    expectCredentials: (request) => expect(request.body.keep_alive).toBe('10m'),
    close: () => server.close(),
  };
});
