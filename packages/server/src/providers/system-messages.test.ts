import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicServer } from '../test-support/protocol-servers/anthropic-server.js';
import { GeminiServer } from '../test-support/protocol-servers/gemini-server.js';
import { OpenAiServer } from '../test-support/protocol-servers/openai-server.js';
import { createCloudProvider } from './adapters/cloud-providers.js';
import type { ChatMessage, ChatStreamPart, ModelProvider } from './types.js';

/** What context assembly sends when depth lore and post-history instructions are in play. */
const messages: ChatMessage[] = [
  { role: 'system', content: 'You are Aria.' },
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello!' },
  { role: 'system', content: 'Lore: the tower is blue.' },
  { role: 'user', content: 'What colour is the tower?' },
  { role: 'system', content: 'Stay in character.' },
];

async function collect(provider: ModelProvider, model: string): Promise<ChatStreamPart[]> {
  const parts: ChatStreamPart[] = [];
  for await (const part of provider.chatModel(model).stream({ messages })) parts.push(part);
  return parts;
}

describe('system messages after the conversation started', () => {
  const servers = {
    anthropic: new AnthropicServer(),
    google: new GeminiServer(),
    openai: new OpenAiServer('openai'),
  };
  beforeAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s.listen()));
  });
  afterAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s.close()));
  });

  it('reach Anthropic as user-side notes, the leading one as the system prompt', async () => {
    const provider = createCloudProvider({
      id: 'claude',
      kind: 'anthropic',
      apiKey: 'k',
      baseUrl: `${servers.anthropic.origin}/v1`,
    });
    const parts = await collect(provider, 'claude-sonnet-4-5');
    expect(parts.find((p) => p.type === 'error')).toBeUndefined();
    const body = servers.anthropic.requests.at(-1)!.body;
    expect(JSON.stringify(body.system)).toContain('You are Aria.');
    expect(JSON.stringify(body.messages)).toContain('[Instructions: Lore: the tower is blue.]');
    expect(JSON.stringify(body.messages)).toContain('[Instructions: Stay in character.]');
  });

  it('reach Gemini the same way', async () => {
    const provider = createCloudProvider({
      id: 'gemini',
      kind: 'google',
      apiKey: 'k',
      baseUrl: `${servers.google.origin}/v1beta`,
    });
    const parts = await collect(provider, 'gemini-2.5-flash');
    expect(parts.find((p) => p.type === 'error')).toBeUndefined();
    expect(JSON.stringify(servers.google.requests.at(-1)!.body.contents)).toContain(
      '[Instructions: Stay in character.]',
    );
  });

  it('stay system messages where they are for OpenAI', async () => {
    const provider = createCloudProvider({
      id: 'openai',
      kind: 'openai',
      apiKey: 'k',
      baseUrl: `${servers.openai.origin}/v1`,
    });
    const parts = await collect(provider, 'gpt-4o-mini');
    expect(parts.find((p) => p.type === 'error')).toBeUndefined();
    // The header that links a call to its response observer never leaves the process.
    expect(servers.openai.requests.at(-1)!.headers['x-lumina-observer']).toBeUndefined();
    const sent = servers.openai.requests.at(-1)!.body.messages;
    expect(sent.filter((m: { role: string }) => m.role === 'system')).toHaveLength(3);
  });
});
