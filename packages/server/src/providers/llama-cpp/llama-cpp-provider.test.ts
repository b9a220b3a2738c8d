import { copyFile, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GgufReader } from '../../models/gguf-reader.js';
import { fixturePath } from '../../test-support/fixtures.js';
import { countTokens } from '../adapters/token-counter.js';
import type { ChatModel, ChatRequest, ChatStreamPart } from '../types.js';
import { ENGINE_VERSION, isEngineInstalled } from './engine-install.js';
import { createLlamaCppProvider, type LlamaCppProvider } from './llama-cpp-provider.js';

// Real inference on the CPU build of node-llama-cpp with two tiny GGUF models that the project
// keeps in fixtures/models: llama-2-tiny-random (random weights, a real Llama 2
// tokenizer) and stories260K (a 260K-parameter TinyStories model that writes English).
const STORIES = 'stories260K.gguf';
const TINY_RANDOM = 'llama-2-tiny-random.gguf';
const CHAT_MODEL = 'tiny-random-chatml.gguf';

const requireTestModel = (name: string): string => fixturePath('models', name);

async function collect(model: ChatModel, request: ChatRequest): Promise<ChatStreamPart[]> {
  const parts: ChatStreamPart[] = [];
  for await (const part of model.stream(request)) parts.push(part);
  return parts;
}

const textOf = (parts: ChatStreamPart[]) =>
  parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
const usageOf = (parts: ChatStreamPart[]) => parts.find((part) => part.type === 'usage');
const lastOf = (parts: ChatStreamPart[]) => parts.at(-1);
const user = (content: string) => [{ role: 'user' as const, content }];

const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/**
 * Copies a GGUF file with a `tokenizer.chat_template` entry added, so the chat-template path
 * runs on a real model too (neither shared test model has a template). The tensor data is
 * moved to the next 32-byte boundary after the longer header, as GGUF requires.
 */
async function copyWithChatTemplate(source: string, target: string, template: string): Promise<void> {
  const handle = await open(source, 'r');
  const reader = new GgufReader(handle);
  let kvEnd: number;
  let tensorInfoEnd: number;
  try {
    await reader.expectMagic();
    await reader.u32();
    const tensorCount = await reader.u64();
    const kvCount = await reader.u64();
    for (let i = 0; i < kvCount; i++) {
      await reader.string();
      const type = await reader.u32();
      if (type === 9) await reader.skipArray();
      else await reader.value(type);
    }
    kvEnd = reader.position;
    for (let i = 0; i < tensorCount; i++) await reader.tensorElementCount();
    tensorInfoEnd = reader.position;
  } finally {
    await handle.close();
  }
  const file = await readFile(source);
  const align = (n: number) => Math.ceil(n / 32) * 32;
  const key = Buffer.from('tokenizer.chat_template');
  const value = Buffer.from(template);
  const entry = Buffer.alloc(8 + key.length + 4 + 8 + value.length);
  entry.writeBigUInt64LE(BigInt(key.length), 0);
  key.copy(entry, 8);
  entry.writeUInt32LE(8, 8 + key.length);
  entry.writeBigUInt64LE(BigInt(value.length), 12 + key.length);
  value.copy(entry, 20 + key.length);
  const header = Buffer.concat([file.subarray(0, kvEnd), entry, file.subarray(kvEnd, tensorInfoEnd)]);
  header.writeBigUInt64LE(file.readBigUInt64LE(16) + 1n, 16);
  const padding = Buffer.alloc(align(header.length) - header.length);
  await writeFile(target, Buffer.concat([header, padding, file.subarray(align(tensorInfoEnd))]));
}

let modelsDir: string;
let provider: LlamaCppProvider;
const loads: string[] = [];

beforeAll(async () => {
  const sources = [requireTestModel(STORIES), requireTestModel(TINY_RANDOM)];
  if (!(await isEngineInstalled())) {
    throw new Error(
      `node-llama-cpp ${ENGINE_VERSION} is not installed, so the embedded-engine tests cannot run. ` +
        '`npm test` and `npm run test:unit` install the CPU build (85 MB, ~10 s) first; after a bare ' +
        '`npx vitest` run: node scripts/ensure-test-engine.mjs (what `lumina engine install` does)',
    );
  }
  modelsDir = await mkdtemp(path.join(os.tmpdir(), 'lumina-llama-models-'));
  for (const source of sources) await copyFile(source, path.join(modelsDir, path.basename(source)));
  await copyWithChatTemplate(sources[1]!, path.join(modelsDir, CHAT_MODEL), CHATML_TEMPLATE);
  provider = createLlamaCppProvider({
    modelsDir,
    contextSize: 512,
    threads: 1,
    gpu: false,
    onModelLoaded: (event) => loads.push(event.name),
  });
});

afterAll(async () => {
  await provider?.close();
  if (modelsDir) await rm(modelsDir, { recursive: true, force: true });
});

describe('llama-cpp provider', () => {
  it('lists the GGUF files with the context length from their metadata', async () => {
    const models = await provider.listModels();
    expect(models.map((m) => [m.id, m.contextWindow, m.local])).toEqual([
      ['llama-cpp/llama-2-tiny-random.gguf', 4096, true],
      ['llama-cpp/stories260K.gguf', 2048, true],
      ['llama-cpp/tiny-random-chatml.gguf', 4096, true],
    ]);
    expect(models[0]?.capabilities).toMatchObject({ json: true, tools: false });
  });

  it('probes without loading a model, and fails on a missing directory', async () => {
    await provider.probe();
    expect(provider.loadedModels()).toEqual([]);
    const missing = createLlamaCppProvider({
      modelsDir: path.join(modelsDir, 'nope'),
      contextSize: 64,
      gpu: false,
    });
    await expect(missing.probe()).rejects.toMatchObject({ code: 'provider_unavailable' });
  });

  it('loads the tiny random Llama 2 model and counts tokens with its tokenizer', async () => {
    const parts = await collect(provider.chatModel(TINY_RANDOM), {
      messages: user('Hello world'),
      maxOutputTokens: 4,
    });
    // Llama 2's SentencePiece vocabulary has "▁Hello" and "▁world" as single tokens.
    expect(usageOf(parts)).toEqual({
      type: 'usage',
      usage: { inputTokens: 2, outputTokens: 4, reported: true },
    });
    expect(lastOf(parts)).toEqual({ type: 'finish', finishReason: 'length' });
    expect(provider.loadedModels()).toEqual([TINY_RANDOM]);
  });

  it('formats messages with the chat template from the GGUF metadata', async () => {
    const messages = [
      { role: 'system' as const, content: 'You are terse.' },
      { role: 'user' as const, content: 'Hello world' },
      { role: 'assistant' as const, content: 'Hi.' },
      { role: 'user' as const, content: 'Hello world' },
    ];
    const parts = await collect(provider.chatModel(CHAT_MODEL), { messages, maxOutputTokens: 3 });
    const usage = usageOf(parts);
    // The ChatML markup around four turns costs far more than the 9 tokens of the bare text.
    expect(usage?.type === 'usage' && usage.usage.inputTokens).toBeGreaterThan(30);
    expect(usage?.type === 'usage' && usage.usage.outputTokens).toBe(3);
    expect(lastOf(parts)).toEqual({ type: 'finish', finishReason: 'length' });
    const plain = await collect(provider.chatModel(TINY_RANDOM), { messages, maxOutputTokens: 1 });
    const plainUsage = usageOf(plain);
    expect(plainUsage?.type === 'usage' && plainUsage.usage.inputTokens).toBeLessThan(20);
  });

  it('continues a story with stories260K, streaming several deltas', async () => {
    const parts = await collect(provider.chatModel(STORIES), {
      messages: user('Once upon a time'),
      maxOutputTokens: 60,
      temperature: 0,
    });
    const deltas = parts.filter((part) => part.type === 'text-delta');
    expect(deltas.length).toBeGreaterThan(5);
    const text = textOf(parts);
    expect(text).toMatch(/\b(there was|she|he|they|little|day)\b/i);
    expect(text.split(/\s+/).filter((word) => /^[a-z,.!"']+$/i.test(word)).length).toBeGreaterThan(20);
    const usage = usageOf(parts);
    expect(usage?.type === 'usage' && usage.usage.inputTokens).toBeGreaterThan(0);
    expect(usage?.type === 'usage' && usage.usage.outputTokens).toBe(60);
    // One model at a time: the random model made room for this one.
    expect(provider.loadedModels()).toEqual([STORIES]);
  });

  it('counts tokens with the model’s own tokenizer (stories260K’s small vocabulary splits words)', async () => {
    const model = provider.chatModel(STORIES);
    const text = 'The lighthouse keeper polished the enormous brass lantern every evening.';
    const own = await model.countTokens!(text);
    expect(own).toBeGreaterThan(await countTokens(text, 'stories260K'));
    expect(await model.countTokens!(text)).toBe(own); // remembered
    expect(await model.countTokens!('')).toBe(0);
  });

  it('honours maxOutputTokens', async () => {
    const parts = await collect(provider.chatModel(STORIES), {
      messages: user('Once upon a time'),
      maxOutputTokens: 7,
    });
    const usage = usageOf(parts);
    expect(usage?.type === 'usage' && usage.usage.outputTokens).toBe(7);
    expect(lastOf(parts)).toEqual({ type: 'finish', finishReason: 'length' });
  });

  it('samples with the generation settings: the same seed writes the same text, stop strings end it', async () => {
    const model = provider.chatModel(STORIES);
    const story = (settings: Partial<ChatRequest>) =>
      collect(model, { messages: user('Once upon a time'), maxOutputTokens: 40, ...settings }).then(textOf);
    const hot = { temperature: 1.2, topK: 40, topP: 0.95, minP: 0.01 };
    const first = await story({ ...hot, seed: 7 });
    expect(await story({ ...hot, seed: 7 })).toBe(first);
    const others = await Promise.all([8, 9, 10].map((seed) => story({ ...hot, seed })));
    expect(others.some((text) => text !== first)).toBe(true);

    // A stop string that the greedy story reaches ends the reply before it, with finish stop.
    const greedy = await story({ temperature: 0 });
    const word = greedy.trim().split(/\s+/)[4]!;
    const stopped = await collect(model, {
      messages: user('Once upon a time'),
      maxOutputTokens: 40,
      temperature: 0,
      stop: [word],
    });
    // (The word's token carries its leading space, so the text ends before that space.)
    expect(textOf(stopped).trimEnd()).toBe(greedy.slice(0, greedy.indexOf(word)).trimEnd());
    expect(textOf(stopped).length).toBeGreaterThan(0);
    expect(lastOf(stopped)).toEqual({ type: 'finish', finishReason: 'stop' });

    // A strong repetition penalty changes what greedy decoding writes.
    const penalised = await story({ temperature: 0, repetitionPenalty: 2, frequencyPenalty: 1.5 });
    expect(penalised).not.toBe(greedy);
  });

  it('stops promptly on abort and ends with finish cancelled', async () => {
    const controller = new AbortController();
    const parts: ChatStreamPart[] = [];
    let deltas = 0;
    for await (const part of provider.chatModel(STORIES).stream({
      messages: user('Once upon a time'),
      maxOutputTokens: 100_000,
      signal: controller.signal,
    })) {
      parts.push(part);
      if (part.type === 'text-delta' && ++deltas === 3) controller.abort();
    }
    expect(lastOf(parts)).toEqual({ type: 'finish', finishReason: 'cancelled' });
    // Promptly in tokens, not in milliseconds: a few more deltas at most out of 100,000 allowed.
    expect(deltas).toBeLessThan(50);
    // The lock was released: the next request runs.
    const next = await collect(provider.chatModel(STORIES), { messages: user('Once'), maxOutputTokens: 2 });
    expect(lastOf(next)).toEqual({ type: 'finish', finishReason: 'length' });
  });

  it('frees the engine when the consumer stops reading early', async () => {
    for await (const part of provider
      .chatModel(STORIES)
      .stream({ messages: user('Once'), maxOutputTokens: 100_000 })) {
      if (part.type === 'text-delta') break;
    }
    const next = await collect(provider.chatModel(STORIES), { messages: user('Once'), maxOutputTokens: 2 });
    expect(lastOf(next)).toEqual({ type: 'finish', finishReason: 'length' });
  });

  it('loads a model once when two requests arrive together', async () => {
    loads.length = 0;
    const model = provider.chatModel(TINY_RANDOM);
    const [a, b] = await Promise.all([
      collect(model, { messages: user('Hi'), maxOutputTokens: 3 }),
      collect(model, { messages: user('Hey'), maxOutputTokens: 3 }),
    ]);
    expect(loads).toEqual([TINY_RANDOM]);
    expect(lastOf(a)).toEqual({ type: 'finish', finishReason: 'length' });
    expect(lastOf(b)).toEqual({ type: 'finish', finishReason: 'length' });
  });

  it('generates an object constrained by a JSON Schema grammar', async () => {
    const result = await provider.chatModel(STORIES).generateObject<{ answer: string; count: number }>({
      messages: user('Once upon a time'),
      schema: {
        type: 'object',
        properties: { answer: { enum: ['yes', 'no'] }, count: { type: 'integer' } },
        required: ['answer', 'count'],
      },
    });
    expect(['yes', 'no']).toContain(result.object.answer);
    expect(Number.isInteger(result.object.count)).toBe(true);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
  });

  it('reports failures as an error part then finish error', async () => {
    const tools = await collect(provider.chatModel(STORIES), {
      messages: user('Once'),
      tools: [{ name: 'clock', description: 'time', inputSchema: { type: 'object' } }],
    });
    expect(tools).toEqual([
      expect.objectContaining({ type: 'error', code: 'provider_bad_request' }),
      { type: 'finish', finishReason: 'error' },
    ]);
    const missing = await collect(provider.chatModel('absent.gguf'), { messages: user('Once') });
    expect(missing[0]).toMatchObject({ type: 'error', code: 'model_not_found' });
    expect(() => provider.chatModel('../secrets.gguf')).toThrow(/not a .gguf file name/);
  });

  it('refuses a prompt longer than the context', async () => {
    const small = createLlamaCppProvider({ modelsDir, contextSize: 32, threads: 1, gpu: false });
    try {
      const parts = await collect(small.chatModel(STORIES), {
        messages: user('Once upon a time '.repeat(300)),
      });
      expect(parts[0]).toMatchObject({ type: 'error', code: 'context_length_exceeded' });
    } finally {
      await small.close();
    }
  });
});
