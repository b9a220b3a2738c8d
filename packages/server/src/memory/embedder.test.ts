import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { AppError } from '../errors.js';
import { createCircuitBreaker } from '../providers/circuit-breaker.js';
import { createProviderFactory } from '../providers/provider-factory.js';
import { createProviderRegistry } from '../providers/provider-registry.js';
import type { ProviderSpec } from '../providers/provider-spec.js';
import {
  embeddingTerms,
  fnv1a32,
  HASHED_EMBEDDING_DIMENSIONS,
  hashedEmbedding,
} from '../test-support/protocol-servers/hashed-embedding.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { OpenAiServer } from '../test-support/protocol-servers/openai-server.js';
import { createEmbedder, EMBED_TEXT_CHARS } from './embedder.js';
import { cosine, dot, l2Normalize, norm } from './vector-math.js';

const USER = '0193a0b4-0000-7000-8000-000000000001';

describe('hashedEmbedding (the test and evaluation embedding)', () => {
  it('is deterministic, unit length and of the asked dimension', () => {
    const a = hashedEmbedding('Sam moved to Lisbon in March.');
    expect(a).toHaveLength(HASHED_EMBEDDING_DIMENSIONS);
    expect(norm(a)).toBeCloseTo(1, 10);
    expect(hashedEmbedding('Sam moved to Lisbon in March.')).toEqual(a);
    expect(hashedEmbedding('x', 16)).toHaveLength(16);
    expect(fnv1a32('lisbon')).toBe(fnv1a32('lisbon'));
    expect(fnv1a32('hello')).toBe(0x4f9f2cab); // FNV-1a's published value: the hash is the standard one
  });

  it('folds case, possessives, plurals and -ing/-ed, and drops stop words', () => {
    expect(embeddingTerms("Lisbon's cats were hiking and jumped")).toEqual(['lisbon', 'cat', 'hik', 'jump']);
    expect(embeddingTerms('I move; she moved, they are moving')).toEqual(['mov', 'mov', 'mov']);
  });

  it('puts texts that share words close and unrelated texts apart', () => {
    const fact = hashedEmbedding('I moved to Lisbon last year');
    const question = hashedEmbedding("What is Lisbon's weather like?");
    const unrelated = hashedEmbedding('My sister plays the cello in an orchestra');
    expect(cosine(fact, question)).toBeGreaterThan(0.15);
    expect(Math.abs(cosine(fact, unrelated))).toBeLessThan(0.1);
    expect(
      cosine(hashedEmbedding('I hiked in the Alps'), hashedEmbedding('Where did I go hiking?')),
    ).toBeGreaterThan(0.4);
    // Trigrams: a word's variant still overlaps a little.
    expect(cosine(hashedEmbedding('Lisboa'), hashedEmbedding('Lisbon'))).toBeGreaterThan(0.1);
  });

  it('gives a text without words a vector of its own rather than zeros', () => {
    expect(norm(hashedEmbedding('the and of ...'))).toBeCloseTo(1, 10);
  });
});

/**
 * The embedder against real HTTP servers on 127.0.0.1 speaking the OpenAI and Ollama wires,
 * through the real provider registry and adapters.
 */
describe('embedder', () => {
  let openai: OpenAiServer;
  let ollama: OllamaServer;
  let specs: ProviderSpec[];
  let localOnly = false;
  let embeddingModel: string | null = null;
  let stored: number | null = null;
  const warnings: Array<{ fields: object; message: string }> = [];

  beforeAll(async () => {
    openai = await new OpenAiServer('openai-compatible', { embeddingFunction: hashedEmbedding }).listen();
    ollama = await new OllamaServer({ embeddingFunction: hashedEmbedding }).listen();
    specs = [
      {
        id: 'ollama',
        kind: 'ollama',
        name: 'Ollama',
        baseUrl: ollama.origin,
        scope: 'system',
        trusted: true,
      },
      {
        id: 'lab',
        kind: 'openai-compatible',
        name: 'Lab server',
        baseUrl: `${openai.origin}/v1`,
        scope: 'system',
        trusted: true,
      },
      // A cloud vendor (refused in local-only mode), aimed at the same local server.
      {
        id: 'openai',
        kind: 'openai',
        name: 'OpenAI',
        apiKey: 'sk-test',
        baseUrl: `${openai.origin}/v1`,
        scope: 'system',
        trusted: true,
      },
      {
        id: 'anthropic',
        kind: 'anthropic',
        name: 'Anthropic',
        apiKey: 'sk-ant',
        scope: 'system',
        trusted: true,
      },
    ];
  });
  afterAll(async () => {
    await openai?.close();
    await ollama?.close();
  });
  beforeEach(() => {
    localOnly = false;
    stored = null;
    warnings.length = 0;
    openai.embeddingDimensions = 8;
    ollama.embeddingDimensions = 8;
  });

  function build(batchSize?: number) {
    const registry = createProviderRegistry({
      factory: createProviderFactory(loadConfig({ LUMINA_OLLAMA_AUTODETECT: 'false' })),
      systemSpecs: () => specs,
      userSpecs: async () => [],
      isLocalOnly: async () => localOnly,
      breaker: createCircuitBreaker(),
    });
    const embedder = createEmbedder({
      registry,
      settingsFor: async () => ({ embeddingModel }),
      storedDimensions: async () => stored,
      log: { warn: (fields, message) => warnings.push({ fields, message }) },
      ...(batchSize ? { batchSize } : {}),
    });
    return { registry, embedder };
  }

  const expected = (text: string, dims = 8) => l2Normalize(hashedEmbedding(text, dims))!;

  it('has nothing to say without an embedding model: recall is full text only', async () => {
    embeddingModel = null;
    const { embedder } = build();
    expect(await embedder.currentModel(USER)).toBeNull();
    expect(await embedder.embedQuery(USER, 'anything')).toBeNull();
    expect(await embedder.embedTexts(USER, ['anything'])).toBeNull();
    expect(warnings).toEqual([]);
  });

  it('embeds through the OpenAI wire (/v1/embeddings) in batches, in order, at unit length', async () => {
    embeddingModel = 'lab/text-embedding-3-small';
    const { embedder } = build(64);
    const before = openai.requests.length;
    const texts = Array.from(
      { length: 150 },
      (_, i) => `note ${i} about ${i % 3 === 0 ? 'Lisbon' : 'cellos'}`,
    );
    const result = await embedder.embedTexts(USER, texts);
    const calls = openai.requests.slice(before);
    expect(calls.map((r) => [r.path, r.body.input.length])).toEqual([
      ['/v1/embeddings', 64],
      ['/v1/embeddings', 64],
      ['/v1/embeddings', 22],
    ]);
    expect(calls[0]!.body.model).toBe('text-embedding-3-small');
    expect(result!.model).toBe('lab/text-embedding-3-small');
    expect(result!.vectors).toHaveLength(150);
    result!.vectors.forEach((vector, i) => {
      expect(norm(vector)).toBeCloseTo(1, 6);
      expect(dot(vector, expected(texts[i]!))).toBeCloseTo(1, 6);
    });

    const query = await embedder.embedQuery(USER, 'weather in Lisbon');
    expect(query!.model).toBe('lab/text-embedding-3-small');
    expect(dot(query!.vector, expected('weather in Lisbon'))).toBeCloseTo(1, 6);
  });

  it('embeds through the Ollama wire (/api/embed), scaling a vector the model did not normalise', async () => {
    embeddingModel = 'ollama/all-minilm:latest';
    ollama.embeddingFunction = (text, dims) => hashedEmbedding(text, dims).map((x) => x * 7);
    try {
      const { embedder } = build();
      const result = await embedder.embedTexts(USER, ['Sam likes green tea', 'Sam lives in Porto']);
      expect(ollama.lastRequest('/api/embed').body).toMatchObject({
        model: 'all-minilm:latest',
        input: ['Sam likes green tea', 'Sam lives in Porto'],
      });
      expect(result!.model).toBe('ollama/all-minilm:latest');
      expect(dot(result!.vectors[0]!, expected('Sam likes green tea'))).toBeCloseTo(1, 6);
      expect(norm(result!.vectors[1]!)).toBeCloseTo(1, 6);
    } finally {
      ollama.embeddingFunction = hashedEmbedding;
    }
  });

  it('cuts a very long text before sending it', async () => {
    embeddingModel = 'ollama/all-minilm:latest';
    const { embedder } = build();
    await embedder.embedTexts(USER, ['x'.repeat(EMBED_TEXT_CHARS * 3)]);
    expect(ollama.lastRequest('/api/embed').body.input[0]).toHaveLength(EMBED_TEXT_CHARS);
  });

  it('refuses a vector of another dimension than the model has: an error, nothing returned', async () => {
    embeddingModel = 'ollama/all-minilm:latest';
    const { embedder } = build();
    await embedder.embedTexts(USER, ['first']); // 8 dimensions: the model's size from now on
    expect(await embedder.dimensionsOf(USER, 'ollama/all-minilm:latest')).toBe(8);
    ollama.embeddingDimensions = 16; // the model behind the name changed
    const error = await embedder.embedTexts(USER, ['second']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: 'embedding_dimension_mismatch',
      details: { model: 'ollama/all-minilm:latest', expected: 8, received: 16 },
    });
    // A query of the wrong size cannot be compared either: full-text recall, with a warning.
    expect(await embedder.embedQuery(USER, 'second')).toBeNull();
    expect(warnings.at(-1)!.fields).toMatchObject({ code: 'embedding_dimension_mismatch' });
  });

  it('takes the dimension of vectors already stored (a restarted process)', async () => {
    embeddingModel = 'lab/nomic-embed-text';
    stored = 12;
    const { embedder } = build();
    await expect(embedder.embedTexts(USER, ['hello'])).rejects.toMatchObject({
      code: 'embedding_dimension_mismatch',
      details: { expected: 12, received: 8 },
    });
  });

  it('passes provider errors to the job and turns them into "no vector" for a query', async () => {
    embeddingModel = 'lab/text-embedding-3-small';
    const { embedder } = build();
    openai.script({ kind: 'http-error', status: 500, message: 'overloaded' });
    await expect(embedder.embedTexts(USER, ['a'])).rejects.toMatchObject({ code: 'provider_unavailable' });
    openai.script({ kind: 'http-error', status: 500, message: 'overloaded' });
    expect(await embedder.embedQuery(USER, 'a')).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/full text/);
    // The provider is back: the next query has a vector.
    expect(await embedder.embedQuery(USER, 'a')).not.toBeNull();
  });

  it('follows a changed setting at once, without mixing the two models', async () => {
    embeddingModel = 'lab/text-embedding-3-small';
    const { embedder } = build();
    expect((await embedder.embedQuery(USER, 'tea'))!.model).toBe('lab/text-embedding-3-small');
    embeddingModel = 'ollama/all-minilm:latest';
    ollama.embeddingDimensions = 24;
    const after = await embedder.embedQuery(USER, 'tea');
    expect(after!.model).toBe('ollama/all-minilm:latest');
    expect(after!.vector).toHaveLength(24);
  });

  it('refuses a cloud provider in local-only mode, a provider that cannot embed and an unknown one', async () => {
    const { registry, embedder } = build();
    localOnly = true;
    embeddingModel = 'openai/text-embedding-3-small';
    const before = openai.requests.length;
    await expect(embedder.embedTexts(USER, ['secret'])).rejects.toMatchObject({
      status: 403,
      code: 'local_only',
    });
    expect(openai.requests.length).toBe(before); // nothing left the machine
    // A local OpenAI-compatible server is fine in local-only mode.
    embeddingModel = 'lab/text-embedding-3-small';
    expect(await embedder.embedTexts(USER, ['fine'])).not.toBeNull();
    localOnly = false;
    await expect(registry.embeddingModel(USER, 'anthropic/claude-sonnet-4')).rejects.toMatchObject({
      status: 400,
      code: 'model_cannot_embed',
    });
    await expect(registry.embeddingModel(USER, 'nowhere/model')).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
    });
    await expect(registry.embeddingModel(USER, 'ollama/')).rejects.toMatchObject({ code: 'model_not_found' });
  });
});
