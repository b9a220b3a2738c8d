import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatMessagesOf } from '../prompt/history-messages.js';
import { AnthropicServer } from '../test-support/protocol-servers/anthropic-server.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { OpenAiServer } from '../test-support/protocol-servers/openai-server.js';
import { createCloudProvider } from './adapters/cloud-providers.js';
import { createOllamaProvider } from './adapters/ollama-provider.js';
import type { ChatMessage, ModelProvider } from './types.js';

/** A history with a tool exchange as context assembly builds it from stored parts. */
const messages: ChatMessage[] = [
  { role: 'system', content: 'You are Aria.' },
  { role: 'user', content: 'Weather in Bern?' },
  ...chatMessagesOf({
    role: 'assistant',
    parts: [
      { type: 'reasoning', text: 'never sent' },
      { type: 'text', text: 'Checking.' },
      { type: 'tool-call', toolCallId: 'call_1', toolName: 'weather', input: { city: 'Bern' } },
    ],
  }),
  // The result names its tool itself: the call could have been cut from the messages sent.
  ...chatMessagesOf({
    role: 'tool',
    parts: [
      { type: 'tool-result', toolCallId: 'call_1', toolName: 'weather', output: 'no data', isError: true },
    ],
  }),
  { role: 'user', content: 'And now?' },
];

async function send(provider: ModelProvider, model: string) {
  for await (const part of provider.chatModel(model).stream({ messages }))
    if (part.type === 'error') throw new Error(part.message);
}

describe('tool calls and results from message parts, on the wire', () => {
  const servers = {
    openai: new OpenAiServer('openai'),
    anthropic: new AnthropicServer(),
    ollama: new OllamaServer(),
  };
  beforeAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s.listen()));
  });
  afterAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s.close()));
  });

  it('reach OpenAI as tool_calls and a tool message answering the call', async () => {
    await send(
      createCloudProvider({ id: 'o', kind: 'openai', apiKey: 'k', baseUrl: `${servers.openai.origin}/v1` }),
      'gpt-4o-mini',
    );
    const sent = servers.openai.requests.at(-1)!.body.messages as Record<string, unknown>[];
    expect(sent[2]).toMatchObject({
      role: 'assistant',
      content: 'Checking.',
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Bern"}' } },
      ],
    });
    expect(sent[3]).toMatchObject({ role: 'tool', tool_call_id: 'call_1', content: 'no data' });
    expect(JSON.stringify(sent)).not.toContain('never sent');
  });

  it('reach Anthropic as tool_use and an error tool_result', async () => {
    await send(
      createCloudProvider({
        id: 'a',
        kind: 'anthropic',
        apiKey: 'k',
        baseUrl: `${servers.anthropic.origin}/v1`,
      }),
      'claude-sonnet-4-5',
    );
    const sent = JSON.stringify(servers.anthropic.requests.at(-1)!.body.messages);
    expect(sent).toContain('"type":"tool_use","id":"call_1","name":"weather","input":{"city":"Bern"}');
    expect(sent).toMatch(/"type":"tool_result","tool_use_id":"call_1".*"is_error":true/);
  });

  it('reach Ollama with the tool name on the result', async () => {
    await send(createOllamaProvider({ baseUrl: servers.ollama.origin }), 'llama3.2');
    const sent = servers.ollama.requests.at(-1)!.body.messages as Record<string, unknown>[];
    expect(sent[2]).toMatchObject({ role: 'assistant', tool_calls: [{ function: { name: 'weather' } }] });
    expect(sent[3]).toEqual({ role: 'tool', content: 'no data', tool_name: 'weather' });
  });
});
