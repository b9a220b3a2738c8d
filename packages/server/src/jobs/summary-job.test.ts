import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createCircuitBreaker } from '../providers/circuit-breaker.js';
import { createProviderFactory } from '../providers/provider-factory.js';
import { createProviderRegistry } from '../providers/provider-registry.js';
import { systemProviderSpecs } from '../providers/provider-spec.js';
import { createAvatarRepository } from '../repositories/avatar.repository.js';
import { createConversationRepository } from '../repositories/conversation.repository.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import { createUsageRepository } from '../repositories/usage.repository.js';
import { createUserRepository } from '../repositories/user.repository.js';
import { createConversationContextService } from '../services/conversation-context.service.js';
import { createConversationTitleService } from '../services/conversation-title.service.js';
import { createModelService } from '../services/model.service.js';
import { createSettingsService } from '../services/settings.service.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { registerBackgroundJobs } from './background-jobs.js';
import { waitFor } from './job-queue.conformance.js';
import type { JobQueue } from './job-queue.js';
import { createPgBossJobQueue } from './pg-boss-job-queue.js';

const SUMMARY_MODEL = 'tiny:latest';

/**
 * Summaries and titles as durable jobs: afterReply stores a `conversation-summary` job (one per
 * conversation, whichever instance asks), a worker on any instance writes the summary.
 */
describeStorage('summaries and titles as jobs (%s)', (mode) => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  let userId: string;
  let avatarId: string;
  const queues: JobQueue[] = [];
  /** Titles announced by any instance: whichever instance is free takes a job. */
  const titles: Array<{ conversationId: string; replyId: string; title: string }> = [];

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    ollama = await new OllamaServer().listen();
    userId = (
      await createUserRepository(storage.db).create({
        email: 'sam@example.org',
        passwordHash: 'x',
        name: 'Sam',
      })
    ).id;
    avatarId = (
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
  });
  afterAll(async () => {
    await Promise.all(queues.map((queue) => queue.stop({ drainMs: 0 })));
    await ollama?.close();
    await storage?.close();
  });

  /** One server instance's worth: the real model layer, the context service and a queue. */
  function instance() {
    const config = loadConfig({ OLLAMA_BASE_URL: ollama.origin, LUMINA_OLLAMA_AUTODETECT: 'false' });
    const breaker = createCircuitBreaker();
    const models = createModelService({
      registry: createProviderRegistry({
        factory: createProviderFactory(config),
        systemSpecs: () => systemProviderSpecs(config),
        userSpecs: async () => [],
        isLocalOnly: async () => false,
        breaker,
      }),
      settings: createSettingsService({ db: storage.db, systemLocalOnly: false }),
      usage: createUsageRepository(storage.db),
      breaker,
    });
    const jobs = createPgBossJobQueue({ db: storage.db, log: { warn: () => {} }, pollIntervalMs: 50 });
    queues.push(jobs);
    const chat = {
      ...config.chat,
      defaultContextWindow: 2000,
      replyTokens: 200,
      summaryModel: `ollama/${SUMMARY_MODEL}`,
    };
    const context = createConversationContextService({
      db: storage.db,
      models,
      config: { chat },
      log: { warn: () => {}, debug: () => {} },
      jobs,
    });
    registerBackgroundJobs(jobs, {
      db: storage.db,
      context,
      titles: createConversationTitleService({ models }),
      summaryTimeoutMs: chat.summaryTimeoutMs,
      onTitle: (conversationId, replyId, title) => titles.push({ conversationId, replyId, title }),
    });
    return { jobs, context };
  }

  /** A conversation of `count` turns of about 55 tokens: 26 fill the 2,000-token window past 75%. */
  async function conversationWith(count: number) {
    const conversation = await createConversationRepository(storage.db).create({
      ownerId: userId,
      avatarId,
      model: 'ollama/llama3.2:latest',
    });
    const rows = Array.from({ length: count }, (_, i) => ({
      id: uuidv7(),
      conversationId: conversation.id,
      ownerId: userId,
      role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
      content: `Turn ${i}: ${'the lighthouse keeper told another story '.repeat(8)}`,
    }));
    const messages = createMessageRepository(storage.db);
    await messages.insertMany(rows.map((row, i) => ({ ...row, parentId: i === 0 ? null : rows[i - 1]!.id })));
    return { conversation, branch: await messages.branch(userId, rows.at(-1)!.id) };
  }

  const summaryCalls = () =>
    ollama.requests.filter((r) => r.path === '/api/chat' && r.body.model === SUMMARY_MODEL);
  const stats = async (jobs: JobQueue, name: string) => (await jobs.stats()).find((s) => s.name === name);

  it('stores one summary job per conversation however many instances ask, and any instance writes it', async () => {
    // The queues exist once an instance has started; this one stops before any job is stored.
    const first = instance();
    await first.jobs.start();
    await first.jobs.stop();
    const { conversation, branch } = await conversationWith(26);
    const before = summaryCalls().length;
    ollama.script({ kind: 'text', tokens: ['Sam heard', ' many stories.'] });

    const producer = instance(); // never started: it only stores jobs, as a busy instance would
    producer.context.afterReply(userId, conversation, branch);
    producer.context.afterReply(userId, conversation, branch);
    await waitFor(async () => (await stats(producer.jobs, 'conversation-summary'))?.waiting === 1, 'the job');
    const worker = instance();
    await worker.jobs.start();
    await waitFor(
      async () => (await stats(worker.jobs, 'conversation-summary'))?.completed === 1,
      'the summary job',
    );

    const summaries = (await createMessageRepository(storage.db).branch(userId, branch.at(-1)!.id)).filter(
      (m) => m.summary,
    );
    expect(summaries.map((m) => m.summary)).toEqual(['Sam heard many stories.']);
    expect(summaryCalls().length).toBe(before + 1);
    expect(await stats(worker.jobs, 'conversation-summary')).toMatchObject({ waiting: 0, failed: 0 });
  });

  it('stores no job when the context built for the reply has room', async () => {
    const { context, jobs } = instance();
    await jobs.start();
    const { conversation, branch } = await conversationWith(4);
    const { assembled } = await context.build(userId, conversation, branch);
    expect(assembled.needsSummary).toBe(false);
    const completedBefore = (await stats(jobs, 'conversation-summary'))?.completed;
    context.afterReply(userId, conversation, branch, assembled);
    expect(await stats(jobs, 'conversation-summary')).toMatchObject({
      waiting: 0,
      completed: completedBefore,
    });
  });

  it('names a conversation after its first exchange with the title job', async () => {
    const { jobs } = instance();
    await jobs.start();
    const { conversation, branch } = await conversationWith(2);
    ollama.script({ kind: 'text', tokens: ['"Lighthouse', ' stories."'] });
    await jobs.enqueue('conversation-title', {
      userId,
      conversationId: conversation.id,
      replyId: branch[1]!.id,
    });
    await waitFor(() => titles.length === 1, 'the title');
    expect(titles).toEqual([
      { conversationId: conversation.id, replyId: branch[1]!.id, title: 'Lighthouse stories' },
    ]);
    expect((await createConversationRepository(storage.db).findOwned(userId, conversation.id))?.title).toBe(
      'Lighthouse stories',
    );
  });
});
