import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, TEST_TIMEOUTS } from '../test-support/chat-model-conformance.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { OpenAiServer } from '../test-support/protocol-servers/openai-server.js';
import { createCloudProvider } from './adapters/cloud-providers.js';
import { createOllamaProvider } from './adapters/ollama-provider.js';
import type { ChatModel, ChatStreamPart } from './types.js';

// The vendor package loads on the first call, inside the connect phase: a busy machine must not
// turn that into a connect timeout here (timeouts have their own tests).
const TIMEOUTS = { ...TEST_TIMEOUTS, connectTimeoutMs: 10_000, idleTimeoutMs: 10_000 };
const ask = { messages: [{ role: 'user' as const, content: 'Why?' }] };

/** The parts without usage (its counts are each wire's own business, checked by the conformance suite). */
const withoutUsage = (parts: ChatStreamPart[]) => parts.filter((part) => part.type !== 'usage');

/**
 * Consecutive deltas of one kind joined: the OpenAI-wire adapter yields the deltas that arrive in
 * one socket chunk as one part, and how the frames of a burst fall into chunks is the network's.
 */
function joined(parts: ChatStreamPart[]): ChatStreamPart[] {
  const out: ChatStreamPart[] = [];
  for (const part of parts) {
    const last = out.at(-1);
    if ((part.type === 'text-delta' || part.type === 'reasoning-delta') && last?.type === part.type)
      out[out.length - 1] = { ...last, delta: last.delta + part.delta };
    else out.push(part);
  }
  return out;
}

describe('reasoning streamed by the model', () => {
  let openAi: OpenAiServer;
  let ollama: OllamaServer;
  let compatible: ChatModel;
  let local: ChatModel;

  beforeAll(async () => {
    openAi = await new OpenAiServer('compatible').listen();
    openAi.models = [{ id: 'deepseek-r1' }];
    compatible = createCloudProvider({
      id: 'my-compatible',
      kind: 'openai-compatible',
      apiKey: 'sk-test',
      baseUrl: `${openAi.origin}/v1`,
      timeouts: TIMEOUTS,
    }).chatModel('deepseek-r1');
    ollama = await new OllamaServer().listen();
    local = createOllamaProvider({ id: 'ollama', baseUrl: ollama.origin, timeouts: TIMEOUTS }).chatModel(
      'llama3.2:latest',
    );
  });
  afterAll(async () => {
    await openAi?.close();
    await ollama?.close();
  });

  it('arrives as reasoning-delta parts before the text (OpenAI-compatible reasoning_content)', async () => {
    openAi.script({ kind: 'text', reasoning: ['Because', ' it is.'], tokens: ['Yes', '.'] });
    const parts = withoutUsage(await collect(compatible.stream(ask)));
    expect(joined(parts)).toEqual([
      { type: 'reasoning-delta', delta: 'Because it is.' },
      { type: 'text-delta', delta: 'Yes.' },
      { type: 'finish', finishReason: 'stop' },
    ]);
  });

  it('arrives as reasoning-delta parts before the text (Ollama thinking)', async () => {
    ollama.script({ kind: 'text', reasoning: ['Hm', 'm.'], tokens: ['Yes'] });
    const parts = withoutUsage(await collect(local.stream(ask)));
    expect(parts).toEqual([
      { type: 'reasoning-delta', delta: 'Hm' },
      { type: 'reasoning-delta', delta: 'm.' },
      { type: 'text-delta', delta: 'Yes' },
      { type: 'finish', finishReason: 'stop' },
    ]);
  });
});
