import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { queryRows } from '../db/database.js';
import { files, knowledgeChunks, knowledgeDocuments, memories } from '../db/schema/index.js';
import type { UserMemorySettings } from '../domain/memory.js';
import { createEmbedder } from '../memory/embedder.js';
import { hasPgvector, vectorIndexName } from '../memory/vector-index.js';
import { dot, l2Normalize } from '../memory/vector-math.js';
import { createCircuitBreaker } from '../providers/circuit-breaker.js';
import { createProviderFactory } from '../providers/provider-factory.js';
import { createProviderRegistry } from '../providers/provider-registry.js';
import type { ProviderSpec } from '../providers/provider-spec.js';
import { createAvatarRepository } from '../repositories/avatar.repository.js';
import { createConversationRepository } from '../repositories/conversation.repository.js';
import { createEmbeddingRepository } from '../repositories/embedding.repository.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import { createUserRepository } from '../repositories/user.repository.js';
import { hashedEmbedding } from '../test-support/protocol-servers/hashed-embedding.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { OpenAiServer } from '../test-support/protocol-servers/openai-server.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { BACKGROUND_JOBS } from './background-jobs.js';
import { waitFor } from './job-queue.conformance.js';
import type { JobQueue } from './job-queue.js';
import { createMemoryEmbedRun, enqueueEmbedding, registerMemoryEmbedJob } from './memory-embed-job.js';
import { createPgBossJobQueue } from './pg-boss-job-queue.js';

const LAB = 'lab/text-embedding-3-small'; // OpenAI wire, 16 dimensions
const OLLAMA = 'ollama/all-minilm:latest'; // Ollama wire, 32 dimensions
const CLOUD = 'openai/text-embedding-3-small';

/**
 * Background embedding of memories, knowledge chunks and messages, against the OpenAI-wire and
 * Ollama protocol servers (real HTTP on 127.0.0.1) and the real database in both modes.
 */
describeStorage('memory-embed job (%s)', (mode) => {
  let storage: TestStorage;
  let openai: OpenAiServer;
  let ollama: OllamaServer;
  let specs: ProviderSpec[];
  const settings = new Map<string, UserMemorySettings>();
  let localOnly = false;
  const warnings: Array<{ fields: object; message: string }> = [];
  const log = {
    info: () => {},
    warn: (fields: object, message: string) => warnings.push({ fields, message }),
  };
  const queues: JobQueue[] = [];

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    openai = await new OpenAiServer('openai-compatible', {
      embeddingFunction: hashedEmbedding,
      embeddingDimensions: 16,
    }).listen();
    ollama = await new OllamaServer({ embeddingFunction: hashedEmbedding, embeddingDimensions: 32 }).listen();
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
        name: 'Lab',
        baseUrl: `${openai.origin}/v1`,
        scope: 'system',
        trusted: true,
      },
      {
        id: 'openai',
        kind: 'openai',
        name: 'OpenAI',
        apiKey: 'sk-test',
        baseUrl: `${openai.origin}/v1`,
        scope: 'system',
        trusted: true,
      },
    ];
  });
  afterAll(async () => {
    await Promise.all(queues.map((queue) => queue.stop({ drainMs: 0 })));
    await openai?.close();
    await ollama?.close();
    await storage?.close();
  });
  beforeEach(() => {
    localOnly = false;
    warnings.length = 0;
    ollama.embeddingDimensions = 32;
  });

  const settingsFor = async (userId: string) => settings.get(userId)!;

  /** One process's embedding machinery: its own registry, embedder and run. */
  function instance(options: { runTexts?: number; batchSize?: number } = {}) {
    const registry = createProviderRegistry({
      factory: createProviderFactory(loadConfig({ LUMINA_OLLAMA_AUTODETECT: 'false' })),
      systemSpecs: () => specs,
      userSpecs: async () => [],
      isLocalOnly: async () => localOnly,
      breaker: createCircuitBreaker(),
    });
    const repository = createEmbeddingRepository(storage.db);
    const embedder = createEmbedder({
      registry,
      settingsFor,
      storedDimensions: repository.storedDimensions,
      log,
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    });
    const deps = { db: storage.db, embedder, settingsFor, log, batchSize: 4, ...options };
    return { embedder, repository, deps, run: createMemoryEmbedRun(deps) };
  }

  let seeded = 0;
  /**
   * A user with 6 current memories and a superseded one, a document of 5 chunks, and a conversation whose messages are 6
   * recallable ones plus a streaming reply, a system message, an empty one and an incognito
   * conversation's message (never embedded).
   */
  async function seedUser(model: string | null, extra: Partial<UserMemorySettings> = {}) {
    const n = ++seeded;
    const userId = (
      await createUserRepository(storage.db).create({
        email: `u${n}@example.org`,
        passwordHash: 'x',
        name: `U${n}`,
      })
    ).id;
    settings.set(userId, {
      enabled: true,
      extractionModel: null,
      embeddingModel: model,
      recallMessages: true,
      ...extra,
    });
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
    await storage.db.insert(memories).values(
      Array.from({ length: 6 }, (_, i) => ({
        ownerId: userId,
        avatarId,
        kind: 'fact' as const,
        origin: 'manual' as const,
        content: `User ${n} fact ${i}: ${['likes green tea', 'lives in Lisbon', 'has a cat named Miso', 'plays cello', 'works as a nurse', 'was born in March'][i]}`,
      })),
    );
    // History: a fact that no longer holds is never recalled, so never embedded.
    await storage.db.insert(memories).values({
      ownerId: userId,
      avatarId,
      kind: 'fact',
      origin: 'manual',
      content: `User ${n} used to live in Paris`,
      validTo: new Date(Date.now() - 60_000),
    });
    const [file] = await storage.db
      .insert(files)
      .values({
        ownerId: userId,
        kind: 'knowledge',
        mimeType: 'text/plain',
        bytes: Buffer.from('x'),
        sizeBytes: 1,
        sha256: 'x',
      })
      .returning({ id: files.id });
    const [document] = await storage.db
      .insert(knowledgeDocuments)
      .values({
        ownerId: userId,
        avatarId,
        fileId: file!.id,
        name: 'notes.txt',
        mediaType: 'text/plain',
        sizeBytes: 1,
      })
      .returning({ id: knowledgeDocuments.id });
    await storage.db.insert(knowledgeChunks).values(
      Array.from({ length: 5 }, (_, i) => ({
        documentId: document!.id,
        ownerId: userId,
        avatarId,
        ord: i,
        content: `Chapter ${i} of the lighthouse manual: lamps, lenses and keepers ${n}`,
      })),
    );
    const conversations = createConversationRepository(storage.db);
    const messages = createMessageRepository(storage.db);
    const conversation = await conversations.create({
      ownerId: userId,
      avatarId,
      model: 'ollama/llama3.2:latest',
    });
    const rows = [
      ...Array.from({ length: 6 }, (_, i) => ({
        role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
        content: `Turn ${i} of user ${n}: we talked about ${['hiking', 'tea', 'Lisbon', 'cats', 'music', 'work'][i]}`,
        status: 'complete' as const,
      })),
      { role: 'assistant' as const, content: 'half a rep', status: 'streaming' as const },
      { role: 'system' as const, content: 'You are Aria.', status: 'complete' as const },
      { role: 'assistant' as const, content: '', status: 'complete' as const },
    ];
    const ids = rows.map(() => uuidv7());
    await messages.insertMany(
      rows.map((row, i) => ({
        ...row,
        id: ids[i]!,
        conversationId: conversation.id,
        ownerId: userId,
        parentId: i === 0 ? null : ids[i - 1]!,
      })),
    );
    const incognito = await conversations.create({
      ownerId: userId,
      avatarId,
      model: 'ollama/llama3.2:latest',
      incognito: true,
    });
    await messages.insertMany([
      {
        id: uuidv7(),
        conversationId: incognito.id,
        ownerId: userId,
        parentId: null,
        role: 'user',
        content: 'a secret',
      },
    ]);
    // Recallable: the user's own settled messages (avatar replies are not recalled, so not embedded).
    return {
      userId,
      avatarId,
      recallable: ids.slice(0, 6).filter((_, i) => i % 2 === 0),
      documentId: document!.id,
    };
  }

  /** Every stored vector of the user: table, item, model, dimension, and the text it stands for. */
  async function vectorsOf(userId: string) {
    return queryRows<{
      source: string;
      id: string;
      model: string;
      dims: number;
      content: string;
      embedding: number[];
    }>(
      storage.db,
      sql`select 'memory' as source, id, embedding_model as model, array_length(embedding, 1) as dims, content, embedding
            from memories where owner_id = ${userId} and embedding is not null
          union all
          select 'chunk', id, embedding_model, array_length(embedding, 1), content, embedding
            from knowledge_chunks where owner_id = ${userId} and embedding is not null
          union all
          select 'message', e.message_id, e.embedding_model, array_length(e.embedding, 1), m.content, e.embedding
            from message_embeddings e join messages m on m.id = e.message_id where e.owner_id = ${userId}`,
    );
  }

  /** Each model's vectors have one dimension, and each vector is the model's vector of its text. */
  function expectConsistent(rows: Awaited<ReturnType<typeof vectorsOf>>) {
    const dimsByModel = new Map<string, Set<number>>();
    for (const row of rows) {
      dimsByModel.set(row.model, (dimsByModel.get(row.model) ?? new Set()).add(row.dims));
      const expected = l2Normalize(hashedEmbedding(row.content, row.model === LAB ? 16 : 32))!;
      expect(dot(row.embedding.map(Number), expected)).toBeCloseTo(1, 4);
    }
    for (const [model, dims] of dimsByModel)
      expect([model, [...dims]]).toEqual([model, [model === LAB ? 16 : 32]]);
  }

  const embedRequests = () => openai.requests.filter((r) => r.path.endsWith('/embeddings')).length;

  it('embeds every memory, chunk and recallable message of the user with the current model, once', async () => {
    const other = await seedUser(null);
    const { userId, recallable } = await seedUser(LAB);
    const { run, repository } = instance();

    const result = await run(userId);
    expect(result).toEqual({ model: LAB, embedded: { memory: 6, chunk: 5, message: 3 }, continued: false });
    const rows = await vectorsOf(userId);
    expectConsistent(rows);
    expect(
      rows
        .filter((r) => r.source === 'message')
        .map((r) => r.id)
        .sort(),
    ).toEqual([...recallable].sort());
    expect(new Set(rows.map((r) => r.model))).toEqual(new Set([LAB]));
    expect(await repository.counts(userId, LAB)).toEqual({
      memories: { total: 6, embedded: 6 },
      messages: { total: 3, embedded: 3 },
      documents: { total: 5, embedded: 5 },
    });
    // Another user's items are not touched (and they have no model).
    expect(await vectorsOf(other.userId)).toEqual([]);
    if (await hasPgvector(storage.db)) {
      const names = await queryRows<{ indexname: string }>(
        storage.db,
        sql`select indexname from pg_indexes where indexname like '%_embedding_hnsw_16'`,
      );
      expect(names.map((r) => r.indexname).sort()).toEqual([
        vectorIndexName('knowledge_chunks', 16),
        vectorIndexName('memories', 16),
        vectorIndexName('message_embeddings', 16),
      ]);
    }

    // Nothing is pending any more: the next run asks the provider nothing.
    const before = embedRequests();
    expect((await run(userId)).embedded).toEqual({ memory: 0, chunk: 0, message: 0 });
    expect(embedRequests()).toBe(before);
  });

  it('a provider error mid-run loses nothing: the batches before it are stored, the rest is embedded later', async () => {
    const { userId } = await seedUser(LAB);
    const { run } = instance();
    // Two batches answer (the 6 memories, in 4 + 2), the third (the first chunks) fails.
    openai.script(
      { kind: 'text', tokens: [] },
      { kind: 'text', tokens: [] },
      { kind: 'http-error', status: 500 },
    );
    await expect(run(userId)).rejects.toMatchObject({ code: 'provider_unavailable' });
    const stored = await vectorsOf(userId);
    expect(stored.map((row) => row.source)).toEqual(Array(6).fill('memory'));
    expectConsistent(stored);
    expect(warnings.at(-1)).toMatchObject({
      fields: { code: 'provider_unavailable', embedded: { memory: 6, chunk: 0 } },
    });

    const from = openai.requests.length;
    const result = await run(userId);
    expect(result.embedded).toEqual({ memory: 0, chunk: 5, message: 3 });
    // Only what was still pending was sent again.
    const sent = openai.requests.slice(from).flatMap((r) => r.body.input as string[]);
    expect(sent).toHaveLength(8);
    expect(sent.some((text) => stored.some((row) => row.content === text))).toBe(false);
    expectConsistent(await vectorsOf(userId));
    expect(await vectorsOf(userId)).toHaveLength(14);
  });

  it('a model change re-embeds everything in bounded runs and never mixes the two models', async () => {
    const { userId } = await seedUser(LAB);
    const { run } = instance();
    await run(userId);
    expect(await vectorsOf(userId)).toHaveLength(14);

    settings.set(userId, { ...settings.get(userId)!, embeddingModel: OLLAMA });
    const next = instance({ runTexts: 6 });
    const first = await next.run(userId);
    expect(first).toEqual({ model: OLLAMA, embedded: { memory: 6, chunk: 0, message: 0 }, continued: true });
    // Half way: each item has one vector, of one model, with that model's dimension.
    const midway = await vectorsOf(userId);
    expect(midway).toHaveLength(14);
    expectConsistent(midway);
    expect(midway.filter((r) => r.model === OLLAMA).map((r) => r.source)).toEqual(Array(6).fill('memory'));

    let runs = 1;
    while ((await next.run(userId)).continued) runs++;
    expect(runs).toBeGreaterThanOrEqual(2);
    const after = await vectorsOf(userId);
    expect(after).toHaveLength(14);
    expectConsistent(after);
    expect(new Set(after.map((r) => r.model))).toEqual(new Set([OLLAMA]));
    expect(new Set(after.map((r) => r.dims))).toEqual(new Set([32]));
    expect(await next.repository.counts(userId, LAB)).toMatchObject({
      memories: { embedded: 0 },
      messages: { embedded: 0 },
      documents: { embedded: 0 },
    });
  });

  it('a vector of the wrong dimension is an error: the item stays pending and is embedded after a reset', async () => {
    const { userId } = await seedUser(OLLAMA);
    const { run, repository, embedder } = instance();
    await run(userId);
    ollama.embeddingDimensions = 48; // the model behind the name changed its size
    await storage.db
      .insert(memories)
      .values({ ownerId: userId, kind: 'fact', origin: 'manual', content: 'Sam got a dog' });

    await expect(run(userId)).rejects.toMatchObject({
      code: 'embedding_dimension_mismatch',
      details: { expected: 32, received: 48 },
    });
    const [pending] = await repository.pendingMemories(userId, OLLAMA, 10);
    expect(pending).toMatchObject({ content: 'Sam got a dog' });
    expect(await vectorsOf(userId)).toHaveLength(14); // the old vectors are intact

    // A process started now learns the size from the stored vectors and refuses too.
    await expect(instance().run(userId)).rejects.toMatchObject({ code: 'embedding_dimension_mismatch' });

    // The way out (POST /api/memories/embedding/rebuild with reset): forget every vector, embed anew.
    await repository.clearVectors(userId);
    embedder.forget(userId, OLLAMA);
    await run(userId);
    const rows = await vectorsOf(userId);
    expect(rows).toHaveLength(15);
    expect(new Set(rows.map((r) => r.dims))).toEqual(new Set([48]));
  });

  it('local-only: a cloud model is refused before anything is sent, and the run ends without a retry', async () => {
    const { userId } = await seedUser(CLOUD);
    localOnly = true;
    const before = openai.requests.length;
    const result = await instance().run(userId);
    expect(result).toMatchObject({ embedded: { memory: 0, chunk: 0, message: 0 }, continued: false });
    expect(openai.requests.length).toBe(before);
    expect(warnings.at(-1)).toMatchObject({ fields: { code: 'local_only' } });
    expect(await vectorsOf(userId)).toEqual([]);
  });

  it('embeds nothing with memory off, and no messages when chat history recall is off', async () => {
    const off = await seedUser(LAB, { enabled: false });
    expect(await instance().run(off.userId)).toMatchObject({ model: null, continued: false });
    expect(await vectorsOf(off.userId)).toEqual([]);

    const noHistory = await seedUser(LAB, { recallMessages: false });
    expect((await instance().run(noHistory.userId)).embedded).toEqual({ memory: 6, chunk: 5, message: 0 });
  });

  it('a run after a reply looks at recent messages only; a full run (model change, rebuild) at all', async () => {
    const { userId, recallable } = await seedUser(LAB);
    const { run, repository } = instance();
    expect((await run(userId)).embedded.message).toBe(3);
    // A message written 40 days ago that has no vector (e.g. a long provider outage back then).
    const [conversation] = await queryRows<{ conversation_id: string }>(
      storage.db,
      sql`select conversation_id from messages where id = ${recallable[0]!}`,
    );
    await storage.db.execute(sql`insert into messages (id, conversation_id, owner_id, role, content, created_at)
      values (${uuidv7()}, ${conversation!.conversation_id}, ${userId}, 'user', 'An old question about tides',
              now() - interval '40 days')`);
    expect((await run(userId)).embedded).toEqual({ memory: 0, chunk: 0, message: 0 });
    expect((await repository.counts(userId, LAB)).messages).toEqual({ total: 4, embedded: 3 });
    expect((await run(userId, { full: true })).embedded).toEqual({ memory: 0, chunk: 0, message: 1 });
    expect((await repository.counts(userId, LAB)).messages).toEqual({ total: 4, embedded: 4 });
  });

  it('does not store a vector for a text that changed while it was embedded', async () => {
    const { userId } = await seedUser(LAB);
    const repository = createEmbeddingRepository(storage.db);
    const [item] = await repository.pendingMemories(userId, LAB, 1);
    await storage.db.execute(
      sql`update memories set content = 'Sam now lives in Porto' where id = ${item!.id}`,
    );
    const vector = l2Normalize(hashedEmbedding(item!.content, 16))!;
    expect(await repository.storeMemoryVectors(userId, LAB, [{ ...item!, vector }])).toBe(0);
    // Nor for another user's item.
    const other = await seedUser(LAB);
    const [theirs] = await repository.pendingMemories(other.userId, LAB, 1);
    expect(await repository.storeMemoryVectors(userId, LAB, [{ ...theirs!, vector }])).toBe(0);
    expect((await repository.pendingMemories(userId, LAB, 10)).map((m) => m.id)).toContain(item!.id);
  });

  it('on the durable queue: retried after a provider error, continued until the backlog is done', async () => {
    const { userId } = await seedUser(LAB);
    const jobs = createPgBossJobQueue({ db: storage.db, log: { warn: () => {} }, pollIntervalMs: 50 });
    queues.push(jobs);
    const { deps } = instance({ runTexts: 5 });
    registerMemoryEmbedJob(jobs, { ...deps, retryDelayMs: 1000 });
    await jobs.start();
    openai.script({ kind: 'http-error', status: 500 });
    await enqueueEmbedding(jobs, userId);
    await enqueueEmbedding(jobs, userId); // one waiting job per user: a no-op
    const repository = createEmbeddingRepository(storage.db);
    await waitFor(async () => {
      const counts = await repository.counts(userId, LAB);
      return counts.memories.embedded + counts.documents.embedded + counts.messages.embedded === 14;
    }, 'the backlog embedded');
    expectConsistent(await vectorsOf(userId));
    const stats = (await jobs.stats()).find((s) => s.name === BACKGROUND_JOBS.memoryEmbed)!;
    expect(stats.failed).toBe(0);
    // 14 texts in runs of at most 5: at least three runs, each continuing the last.
    await waitFor(
      async () => (await jobs.stats()).find((s) => s.name === BACKGROUND_JOBS.memoryEmbed)!.active === 0,
      'idle',
    );
    expect(
      (await jobs.stats()).find((s) => s.name === BACKGROUND_JOBS.memoryEmbed)!.completed,
    ).toBeGreaterThanOrEqual(3);
    expect(warnings.some((w) => (w.fields as { code?: string }).code === 'provider_unavailable')).toBe(true);
  }, 60_000);
});
