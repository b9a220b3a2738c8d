import { v7 as uuidv7 } from 'uuid';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { type Config, loadConfig } from '../config.js';
import type { ConversationRow, MessageRow } from '../db/schema/index.js';
import { createCircuitBreaker } from '../providers/circuit-breaker.js';
import { createProviderFactory } from '../providers/provider-factory.js';
import { createProviderRegistry } from '../providers/provider-registry.js';
import { systemProviderSpecs } from '../providers/provider-spec.js';
import { createAvatarRepository } from '../repositories/avatar.repository.js';
import { createConversationRepository } from '../repositories/conversation.repository.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import { createUsageRepository } from '../repositories/usage.repository.js';
import { createUserRepository } from '../repositories/user.repository.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { createConversationContextService } from './conversation-context.service.js';
import { createModelService } from './model.service.js';
import { createSettingsService } from './settings.service.js';

const CHAT_MODEL = 'ollama/llama3.2:latest';
const SUMMARY_MODEL = 'ollama/tiny:latest';
const summaryCalls = (ollama: OllamaServer) =>
  ollama.requests.filter((r) => r.path === '/api/chat' && r.body.model === 'tiny:latest');

describeStorage('conversation summaries (%s)', (mode) => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  let userId: string;
  let avatarId: string;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    const user = await createUserRepository(storage.db).create({
      email: 'sam@example.org',
      passwordHash: 'x',
      name: 'Samuel',
      preferredName: 'Sam',
    });
    userId = user.id;
    const avatar = await createAvatarRepository(storage.db).create({
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
    });
    avatarId = avatar.id;
  });
  afterAll(async () => {
    await storage?.close();
  });
  // A fresh server per test, so a test that fails cannot leave scripted replies to the next.
  beforeEach(async () => {
    ollama = await new OllamaServer().listen();
  });
  afterEach(async () => {
    await ollama?.close();
  });

  /** The real model layer (registry, fallback, usage), over the local Ollama wire server. */
  function contextService(chat: Partial<Config['chat']> = {}, warnings: unknown[] = []) {
    const config = loadConfig({ OLLAMA_BASE_URL: ollama.origin, LUMINA_OLLAMA_AUTODETECT: 'false' });
    const breaker = createCircuitBreaker();
    const registry = createProviderRegistry({
      factory: createProviderFactory(config),
      systemSpecs: () => systemProviderSpecs(config),
      userSpecs: async () => [],
      isLocalOnly: async () => false,
      breaker,
    });
    const models = createModelService({
      registry,
      settings: createSettingsService({ db: storage.db, systemLocalOnly: false }),
      usage: createUsageRepository(storage.db),
      breaker,
    });
    return createConversationContextService({
      db: storage.db,
      models,
      config: {
        chat: {
          ...config.chat,
          defaultContextWindow: 2000,
          replyTokens: 200,
          summaryModel: SUMMARY_MODEL,
          ...chat,
        },
      },
      log: { warn: (...args: unknown[]) => warnings.push(args), debug: () => {} },
    });
  }

  /**
   * A conversation whose branch holds `count` turns of about 55 tokens each. With the 2,000-token
   * window below, 26 turns pass the 75% threshold without dropping anything, and the older half
   * fits one summary request.
   */
  async function conversationWith(
    count: number,
  ): Promise<{ conversation: ConversationRow; branch: MessageRow[] }> {
    const conversation = await createConversationRepository(storage.db).create({
      ownerId: userId,
      avatarId,
      model: CHAT_MODEL,
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

  const summaryOf = async (id: string) =>
    (await createMessageRepository(storage.db).findOwned(userId, id))?.summary;

  it('does nothing while the conversation fits easily', async () => {
    const service = contextService();
    const { conversation, branch } = await conversationWith(4);
    const before = summaryCalls(ollama).length;
    expect(await service.summarizeAfterReply(userId, conversation, branch)).toEqual({ status: 'not_needed' });
    expect(summaryCalls(ollama).length).toBe(before);
  });

  it('summarizes older turns with the summary model, stores it on the cut, and the next context uses it', async () => {
    const service = contextService();
    const { conversation, branch } = await conversationWith(26);
    const { assembled: before } = await service.build(userId, conversation, branch);
    expect(before.needsSummary).toBe(true);
    expect(before.dropped.messageIds).toEqual([]);

    ollama.script({ kind: 'text', tokens: ['Sam listened', ' to many lighthouse stories.'] });
    const outcome = await service.summarizeAfterReply(userId, conversation, branch);
    expect(outcome).toMatchObject({ status: 'stored', modelId: SUMMARY_MODEL });
    const [cutId] = (outcome as { messageIds: string[] }).messageIds;
    expect(await summaryOf(cutId!)).toBe('Sam listened to many lighthouse stories.');

    const request = summaryCalls(ollama).at(-1)!;
    expect(request.body.messages[0].content).toContain('between Sam and Aria');
    expect(request.body.messages[1].content).toContain('Previous summary:\n(none yet)');
    expect(request.body.messages[1].content).toContain('Sam: Turn 0: the lighthouse keeper');

    const fresh = await createMessageRepository(storage.db).branch(userId, branch.at(-1)!.id);
    const { assembled: after } = await service.build(userId, conversation, fresh);
    expect(after.summary?.throughMessageId).toBe(cutId);
    expect(after.messages[0]!.content).toContain('Sam listened to many lighthouse stories.');
    expect(after.dropped.messageIds).toEqual([]);
    expect(after.needsSummary).toBe(false);
    expect(after.tokens.total).toBeLessThan(before.tokens.total);
    const cutIndex = fresh.findIndex((m) => m.id === cutId);
    expect(after.parts.filter((p) => p.kind === 'message').map((p) => p.messageId)).toEqual(
      fresh.slice(cutIndex + 1).map((m) => m.id),
    );
  });

  it('takes the context built before the reply, counting the reply itself', async () => {
    const service = contextService();
    const { conversation, branch } = await conversationWith(27);
    const { assembled } = await service.build(userId, conversation, branch.slice(0, -1));
    ollama.script({ kind: 'text', tokens: ['Folded in.'] });
    const outcome = await service.summarizeAfterReply(userId, conversation, branch, assembled);
    const [cutId] = (outcome as { messageIds: string[] }).messageIds;
    // About half the room stays verbatim, not just the last exchange.
    expect(branch.length - 1 - branch.findIndex((m) => m.id === cutId)).toBeGreaterThan(4);
  });

  it('writes one summary at a time per conversation', async () => {
    const service = contextService();
    const { conversation, branch } = await conversationWith(26);
    const before = summaryCalls(ollama).length;
    ollama.script({ kind: 'text', tokens: ['A', ' slow', ' summary.'], delayMs: 100 });
    const [first, second] = await Promise.all([
      service.summarizeAfterReply(userId, conversation, branch),
      (async () => {
        // Let the first run reach the model before the second asks.
        while (summaryCalls(ollama).length === before) await new Promise((r) => setTimeout(r, 5));
        return service.summarizeAfterReply(userId, conversation, branch);
      })(),
    ]);
    expect(first.status).toBe('stored');
    expect(second).toEqual({ status: 'busy' });
    expect(summaryCalls(ollama).length).toBe(before + 1);
  });

  it('keeps the summary another instance stored first (a race costs a call, never a conflict)', async () => {
    const a = contextService();
    const b = contextService();
    const { conversation, branch } = await conversationWith(26);
    ollama.script(
      { kind: 'text', tokens: ['Summary from one instance.'], delayMs: 20 },
      { kind: 'text', tokens: ['Summary from the other.'], delayMs: 20 },
    );
    const outcomes = await Promise.all([
      a.summarizeAfterReply(userId, conversation, branch),
      b.summarizeAfterReply(userId, conversation, branch),
    ]);
    const written = outcomes.flatMap((o) => (o.status === 'stored' ? o.messageIds : []));
    expect(outcomes.map((o) => o.status)).toEqual(['stored', 'stored']);
    expect(written).toHaveLength(1);
    expect(['Summary from one instance.', 'Summary from the other.']).toContain(await summaryOf(written[0]!));
  });

  it('falls back to the conversation model when the summary model fails', async () => {
    const service = contextService();
    const { conversation, branch } = await conversationWith(26);
    ollama.script(
      { kind: 'http-error', status: 404 },
      { kind: 'text', tokens: ['Written by the main model.'] },
    );
    const outcome = await service.summarizeAfterReply(userId, conversation, branch);
    expect(outcome).toMatchObject({ status: 'stored', modelId: CHAT_MODEL });
    const last = ollama.requests.filter((r) => r.path === '/api/chat').at(-1)!;
    expect(last.body.model).toBe('llama3.2:latest');
  });

  it('logs a failure and stores nothing, never throwing', async () => {
    const warnings: unknown[] = [];
    const service = contextService({}, warnings);
    const { conversation, branch } = await conversationWith(26);
    ollama.script({ kind: 'http-error', status: 400 }, { kind: 'http-error', status: 400 });
    const outcome = await service.summarizeAfterReply(userId, conversation, branch);
    expect(outcome).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('provider_bad_request'),
    });
    expect(JSON.stringify(warnings)).toContain('conversation summary failed');
    for (const message of branch) expect(await summaryOf(message.id)).toBeNull();
  });

  it('gives up after its time limit', async () => {
    const service = contextService({ summaryTimeoutMs: 300, summaryModel: undefined });
    const { conversation, branch } = await conversationWith(26);
    ollama.script({ kind: 'hang', tokens: ['Never', ' finished'] });
    // The provider never finishes, so an answer at all (and this one) is the time limit at work.
    const outcome = await service.summarizeAfterReply(userId, conversation, branch);
    expect(outcome, JSON.stringify(outcome)).toEqual({ status: 'failed', reason: 'timed out' });
  });

  it('afterReply runs in the background; close() cancels what is in flight', async () => {
    const service = contextService();
    const { conversation, branch } = await conversationWith(26);
    ollama.script({ kind: 'hang' });
    const before = summaryCalls(ollama).length;
    service.afterReply(userId, conversation, branch);
    while (summaryCalls(ollama).length === before) await new Promise((r) => setTimeout(r, 5));
    await service.close();
    await service.idle();
    for (const message of branch) expect(await summaryOf(message.id)).toBeNull();
  });

  it('catches up on a long history in chunks that fit the summary model', async () => {
    const service = contextService({ defaultContextWindow: 1200 });
    const { conversation, branch } = await conversationWith(120);
    ollama.script(
      { kind: 'text', tokens: ['First part.'] },
      { kind: 'text', tokens: ['First and second parts.'] },
      { kind: 'text', tokens: ['Three parts.'] },
      { kind: 'text', tokens: ['Four parts.'] },
    );
    const before = summaryCalls(ollama).length;
    const outcome = await service.summarizeAfterReply(userId, conversation, branch);
    const stored = (outcome as { messageIds: string[] }).messageIds;
    expect(stored).toHaveLength(4);
    const positions = stored.map((id) => branch.findIndex((m) => m.id === id));
    expect(positions).toEqual([...positions].sort((x, y) => x - y));
    const requests = summaryCalls(ollama).slice(before);
    expect(requests[1]!.body.messages[1].content).toContain('Previous summary:\nFirst part.');
    expect(requests[3]!.body.messages[1].content).toContain('Previous summary:\nThree parts.');
    expect(await summaryOf(stored[3]!)).toBe('Four parts.');
  });
});
