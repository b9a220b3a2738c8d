import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { memories } from '../../db/schema/index.js';
import type { UserMemorySettings } from '../../domain/memory.js';
import { createMemoryEmbedRun } from '../../jobs/memory-embed-job.js';
import { createEmbedder } from '../../memory/embedder.js';
import { createMemoryRecall } from '../../memory/recall.js';
import { readGgufMetadata } from '../../models/gguf-metadata.js';
import { createAvatarRepository } from '../../repositories/avatar.repository.js';
import { createEmbeddingRepository } from '../../repositories/embedding.repository.js';
import { createUserRepository } from '../../repositories/user.repository.js';
import { fixturePath } from '../../test-support/fixtures.js';
import { createTestStorage, type TestStorage } from '../../test-support/storage.js';
import { createCircuitBreaker } from '../circuit-breaker.js';
import { createProviderFactory } from '../provider-factory.js';
import { createProviderRegistry } from '../provider-registry.js';
import { ENGINE_VERSION, isEngineInstalled } from './engine-install.js';
import { LLAMA_EMBED_MAX_CHARS } from './llama-cpp-embedding-model.js';
import { createLlamaCppProvider, type LlamaCppProvider } from './llama-cpp-provider.js';

// Real embeddings on the CPU build of node-llama-cpp with the tiny random Llama 2 fixture
// (random weights, so the vectors mean nothing, but they are the engine's: its dimension, the
// same for the same text, different for different texts).
const TINY_RANDOM = 'llama-2-tiny-random.gguf';
const MODEL_ID = `llama-cpp/${TINY_RANDOM}`;

const ENCODER = 'tiny-nomic-bert.gguf';
const ENCODER_DIMS = 16;

/**
 * Writes a GGUF of the default embedding model's architecture (`nomic-bert`: an encoder with
 * fused QKV, rotary positions, a SwiGLU feed-forward and mean pooling) at toy size: 1 layer of
 * 16 dimensions, a WordPiece vocabulary of 160 tokens, pseudo-random weights. The real
 * nomic-embed-text (146 MB) cannot be fetched here; this runs the same code path in the engine.
 */
async function writeTinyNomicBert(file: string): Promise<void> {
  const E = ENCODER_DIMS;
  const FF = 32;
  const words = ['the', 'cat', 'sam', 'lives', 'in', 'lyon', 'plays', 'cello', 'keeper', 'lamp', 'sea'];
  const letters = 'abcdefghijklmnopqrstuvwxyz'.split('');
  const vocab = Array.from({ length: 104 }, (_, i) => `[unused${i}]`);
  vocab[0] = '[PAD]';
  vocab[100] = '[UNK]';
  vocab[101] = '[CLS]';
  vocab[102] = '[SEP]';
  vocab[103] = '[MASK]';
  vocab.push(...words, ...letters, ...letters.map((l) => `##${l}`), '.', ',', '?');
  const special = new Set([0, 100, 101, 102, 103]);

  const chunks: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const u64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    return b;
  };
  const str = (text: string) => Buffer.concat([u64(Buffer.byteLength(text)), Buffer.from(text)]);
  const f32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeFloatLE(n);
    return b;
  };
  const kv: Buffer[] = [];
  const put = (key: string, type: number, value: Buffer) =>
    kv.push(Buffer.concat([str(key), u32(type), value]));
  const [UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY] = [4, 5, 6, 7, 8, 9];
  put('general.architecture', STRING, str('nomic-bert'));
  put('general.name', STRING, str('tiny-nomic-bert'));
  put('nomic-bert.context_length', UINT32, u32(64));
  put('nomic-bert.embedding_length', UINT32, u32(E));
  put('nomic-bert.feed_forward_length', UINT32, u32(FF));
  put('nomic-bert.block_count', UINT32, u32(1));
  put('nomic-bert.attention.head_count', UINT32, u32(2));
  put('nomic-bert.attention.layer_norm_epsilon', FLOAT32, f32(1e-12));
  put('nomic-bert.attention.causal', BOOL, Buffer.from([0]));
  put('nomic-bert.pooling_type', UINT32, u32(1)); // mean
  put('nomic-bert.rope.freq_base', FLOAT32, f32(1000));
  put('tokenizer.ggml.model', STRING, str('bert'));
  put('tokenizer.ggml.token_type_count', UINT32, u32(2));
  put('tokenizer.ggml.tokens', ARRAY, Buffer.concat([u32(STRING), u64(vocab.length), ...vocab.map(str)]));
  put(
    'tokenizer.ggml.token_type',
    ARRAY,
    Buffer.concat([u32(INT32), u64(vocab.length), ...vocab.map((_, i) => u32(special.has(i) ? 3 : 1))]),
  );

  // Tensors in ggml order (innermost dimension first), F32.
  const tensors: [string, number[]][] = [
    ['token_embd.weight', [E, vocab.length]],
    ['token_types.weight', [E, 2]],
    ['token_embd_norm.weight', [E]],
    ['token_embd_norm.bias', [E]],
    ['blk.0.attn_qkv.weight', [E, 3 * E]],
    ['blk.0.attn_output.weight', [E, E]],
    ['blk.0.attn_output_norm.weight', [E]],
    ['blk.0.attn_output_norm.bias', [E]],
    ['blk.0.ffn_up.weight', [E, FF]],
    ['blk.0.ffn_gate.weight', [E, FF]],
    ['blk.0.ffn_down.weight', [FF, E]],
    ['blk.0.layer_output_norm.weight', [E]],
    ['blk.0.layer_output_norm.bias', [E]],
  ];
  const align = (n: number) => Math.ceil(n / 32) * 32;
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31 - 0.5;
  };
  const infos: Buffer[] = [];
  const data: Buffer[] = [];
  let offset = 0;
  for (const [name, dims] of tensors) {
    const count = dims.reduce((a, b) => a * b, 1);
    infos.push(Buffer.concat([str(name), u32(dims.length), ...dims.map(u64), u32(0), u64(offset)]));
    const values = Buffer.alloc(align(count * 4));
    const isNorm = name.includes('norm');
    for (let i = 0; i < count; i++) {
      values.writeFloatLE(isNorm ? (name.endsWith('weight') ? 1 : 0) : random() * 0.5, i * 4);
    }
    data.push(values);
    offset += values.length;
  }
  chunks.push(Buffer.from('GGUF'), u32(3), u64(tensors.length), u64(kv.length), ...kv, ...infos);
  const header = Buffer.concat(chunks);
  await writeFile(file, Buffer.concat([header, Buffer.alloc(align(header.length) - header.length), ...data]));
}

let modelsDir: string;
let DIMS: number;
let provider: LlamaCppProvider;
const loads: string[] = [];

beforeAll(async () => {
  if (!(await isEngineInstalled())) {
    throw new Error(
      `node-llama-cpp ${ENGINE_VERSION} is not installed, so the embedded-engine tests cannot run: ` +
        'node scripts/ensure-test-engine.mjs installs it (what `lumina engine install` does)',
    );
  }
  DIMS = (await readGgufMetadata(fixturePath('models', TINY_RANDOM))).embeddingLength!;
  modelsDir = await mkdtemp(path.join(os.tmpdir(), 'lumina-llama-embed-'));
  await copyFile(fixturePath('models', TINY_RANDOM), path.join(modelsDir, TINY_RANDOM));
  await writeTinyNomicBert(path.join(modelsDir, ENCODER));
  provider = createLlamaCppProvider({
    modelsDir,
    contextSize: 128,
    threads: 1,
    gpu: false,
    onModelLoaded: (event) => loads.push(event.name),
  });
});

afterAll(async () => {
  await provider?.close();
  if (modelsDir) await rm(modelsDir, { recursive: true, force: true });
});

const norm = (vector: number[]) => Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));

describe('llama-cpp embedding model', () => {
  it('returns one finite vector of the model’s dimension per text, the same for the same text', async () => {
    const model = provider.embeddingModel(TINY_RANDOM);
    expect(model.info).toMatchObject({ id: MODEL_ID, local: true, capabilities: { embeddings: true } });
    expect(model.dimensions).toBeNull();

    const { embeddings, usage } = await model.embed([
      'Sam lives in Lyon',
      'The cat sleeps',
      'Sam lives in Lyon',
    ]);
    expect(embeddings).toHaveLength(3);
    // The GGUF's `llama.embedding_length` (8 for llama-2-tiny-random).
    expect(embeddings.map((vector) => vector.length)).toEqual([DIMS, DIMS, DIMS]);
    expect(model.dimensions).toBe(DIMS);
    for (const vector of embeddings) {
      expect(vector.every(Number.isFinite)).toBe(true);
      expect(norm(vector)).toBeGreaterThan(0);
    }
    expect(embeddings[2]).toEqual(embeddings[0]);
    expect(embeddings[1]).not.toEqual(embeddings[0]);
    expect(usage.inputTokens).toBeGreaterThanOrEqual(9);

    // A new model object (made per request) and a separate call give the same vector.
    const again = await provider.embeddingModel(TINY_RANDOM).embed(['Sam lives in Lyon']);
    expect(again.embeddings[0]).toEqual(embeddings[0]);
    // The weights were loaded once, for chat and embeddings alike.
    expect(loads.filter((name) => name === TINY_RANDOM)).toHaveLength(1);
  });

  it('embeds with an encoder of the default model’s architecture (nomic-bert), listed as an embedding model', async () => {
    const listed = await provider.listModels();
    expect(listed.find((m) => m.name === ENCODER)?.capabilities).toMatchObject({ embeddings: true });
    expect(listed.find((m) => m.name === TINY_RANDOM)?.capabilities).toMatchObject({ embeddings: false });

    const model = provider.embeddingModel(ENCODER);
    const { embeddings } = await model.embed(['sam lives in lyon', 'the cat', 'sam lives in lyon', 'zzz qq']);
    expect(embeddings.map((vector) => vector.length)).toEqual([
      ENCODER_DIMS,
      ENCODER_DIMS,
      ENCODER_DIMS,
      ENCODER_DIMS,
    ]);
    for (const vector of embeddings) expect(vector.every(Number.isFinite) && norm(vector) > 0).toBe(true);
    expect(embeddings[2]).toEqual(embeddings[0]);
    expect(embeddings[1]).not.toEqual(embeddings[0]);
    // An input longer than the encoder's 64-token context is cut, not refused (it reads its
    // whole input in one batch).
    const long = await model.embed(['sam lives in lyon '.repeat(100)]);
    expect(long.embeddings[0]).toHaveLength(ENCODER_DIMS);
    expect(long.usage.inputTokens).toBeLessThan(64);
  });

  it('shares the loaded model and the lock with the chat model', async () => {
    const before = loads.length;
    const chat = provider.chatModel(TINY_RANDOM);
    const embedding = provider.embeddingModel(TINY_RANDOM);
    const [count, vectors] = await Promise.all([
      chat.countTokens!('Hello world'),
      embedding.embed(['Hello world']),
    ]);
    expect(count).toBe(2);
    expect(vectors.embeddings[0]).toHaveLength(DIMS);
    expect(provider.loadedModels()).toEqual([TINY_RANDOM]);
    // Both requests together loaded the weights at most once (the encoder test unloaded them).
    expect(loads.length - before).toBeLessThanOrEqual(1);
  });

  it('cuts a text longer than the context instead of failing, and bounds the characters read', async () => {
    const model = provider.embeddingModel(TINY_RANDOM);
    const long = 'lighthouse keeper '.repeat(2000); // far more than 128 tokens
    const { embeddings, usage } = await model.embed([long, '']);
    expect(embeddings.map((vector) => vector.length)).toEqual([DIMS, DIMS]);
    // The context holds 128 tokens with BOS: what was read fits it.
    expect(usage.inputTokens).toBeLessThan(128 + 2);
    expect(long.length).toBeGreaterThan(LLAMA_EMBED_MAX_CHARS);
    // Two texts that differ only past the cut embed the same: the start is what is kept.
    const { embeddings: cut } = await model.embed([`${long}one ending`, `${long}another ending`]);
    expect(cut[0]).toEqual(cut[1]);
  });

  it('refuses too many texts in one call with a stable code', async () => {
    const model = provider.embeddingModel(TINY_RANDOM);
    await expect(model.embed(Array(257).fill('x'))).rejects.toMatchObject({ code: 'provider_bad_request' });
    expect(await model.embed([])).toEqual({ embeddings: [], usage: { inputTokens: 0 } });
  });

  it('stops on abort: before it starts, while it waits for the lock, and between texts', async () => {
    const model = provider.embeddingModel(TINY_RANDOM);
    const timed = { full: 0 };
    {
      const begin = performance.now();
      await model.embed(Array.from({ length: 256 }, (_, i) => `text number ${i} `.repeat(12)));
      timed.full = performance.now() - begin;
    }
    const aborted = AbortSignal.abort();
    await expect(model.embed(['hello'], aborted)).rejects.toMatchObject({ code: 'cancelled' });

    // A long batch holds the engine; an embedding waiting behind it gives up at once on abort.
    const texts = Array.from({ length: 256 }, (_, i) => `text number ${i} `.repeat(12));
    const holding = model.embed(texts);
    const controller = new AbortController();
    const waiting = model.embed(['hello'], controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'cancelled' });
    const held = await holding;
    expect(held.embeddings).toHaveLength(256);

    // Mid-batch: the abort is seen between two texts, the rest is not embedded.
    const between = new AbortController();
    const started = performance.now();
    const batch = model.embed(texts, between.signal);
    setTimeout(() => between.abort(), 5);
    await expect(batch).rejects.toMatchObject({ code: 'cancelled' });
    expect(performance.now() - started).toBeLessThan(timed.full);
    // The engine is free again afterwards.
    expect((await model.embed(['after'])).embeddings[0]).toHaveLength(DIMS);
  });

  it('fails with model_not_found for a file that is not there, and refuses names that leave the folder', async () => {
    await expect(provider.embeddingModel('missing.gguf').embed(['x'])).rejects.toMatchObject({
      code: 'model_not_found',
    });
    expect(() => provider.embeddingModel('../etc/passwd')).toThrow(
      expect.objectContaining({ code: 'model_not_found' }),
    );
  });

  it('embeds a memory through the registry and the embed job on PGlite, then recalls it by vector', async () => {
    let storage: TestStorage | undefined;
    try {
      storage = await createTestStorage('pglite');
      const registry = createProviderRegistry({
        factory: createProviderFactory(loadConfig({ LUMINA_OLLAMA_AUTODETECT: 'false' }), {
          'llama-cpp': () => provider,
        }),
        systemSpecs: () => [
          { id: 'llama-cpp', kind: 'llama-cpp', name: 'Embedded', scope: 'system', trusted: true },
        ],
        userSpecs: async () => [],
        isLocalOnly: async () => true, // the engine is local: local-only mode allows it
        breaker: createCircuitBreaker(),
      });
      const userId = (
        await createUserRepository(storage.db).create({
          email: 'e@example.org',
          passwordHash: 'x',
          name: 'E',
        })
      ).id;
      const settings: UserMemorySettings = {
        enabled: true,
        extractionModel: null,
        embeddingModel: MODEL_ID,
        recallMessages: false,
      };
      const settingsFor = async () => settings;
      const avatarId = (
        await createAvatarRepository(storage.db).create({
          ownerId: userId,
          name: 'Aria',
          style: {
            formality: 50,
            verbosity: 50,
            warmth: 50,
            humor: 50,
            directness: 50,
            curiosity: 50,
            custom: [],
          },
          voice: { engine: null, voice: null, rate: 1, pitch: 1 },
          memory: { enabled: true, scope: 'private' },
        })
      ).id;
      const facts = ['Sam has a cat named Miso', 'Sam plays the cello', 'Sam was born in March'];
      await storage.db.insert(memories).values(
        facts.map((content) => ({
          ownerId: userId,
          avatarId,
          kind: 'fact' as const,
          origin: 'manual' as const,
          content,
        })),
      );
      const log = { info: () => {}, warn: () => {} };
      const repository = createEmbeddingRepository(storage.db);
      const embedder = createEmbedder({
        registry,
        settingsFor,
        storedDimensions: repository.storedDimensions,
        log,
      });
      const run = createMemoryEmbedRun({ db: storage.db, embedder, settingsFor, log });

      const result = await run(userId);
      expect(result).toEqual({
        model: MODEL_ID,
        embedded: { memory: 3, chunk: 0, message: 0 },
        continued: false,
      });
      expect(await repository.counts(userId, MODEL_ID)).toMatchObject({
        memories: { total: 3, embedded: 3 },
      });
      expect(await embedder.dimensionsOf(userId, MODEL_ID)).toBe(DIMS);

      const recall = createMemoryRecall({
        db: storage.db,
        embedQuery: async (id, text, signal) => {
          const query = await embedder.embedQuery(id, text, signal);
          return query ? { model: query.model, values: query.vector } : null;
        },
        settingsFor,
      });
      // By vector alone: the same sentence is its own nearest neighbour (cosine 1).
      const items = await recall.recall(userId, {
        avatarId,
        query: 'Sam plays the cello',
        k: 3,
        mode: 'vector',
      });
      expect(items.map((item) => item.content)).toContain('Sam plays the cello');
      expect(items[0]?.content).toBe('Sam plays the cello');
    } finally {
      await storage?.close();
    }
  });
});
