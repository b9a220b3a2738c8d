import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TOKENS_PER_MESSAGE } from '../prompt/context-budget.js';
import { createFileRepository } from '../repositories/file.repository.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { OpenAiServer } from '../test-support/protocol-servers/openai-server.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

const LLAMA = 'ollama/llama3.2:latest';
const QWEN = 'ollama/qwen2.5:latest';
const REPLY_TOKENS = 512;

interface Estimate {
  models: {
    model: string;
    local: boolean;
    promptTokens: number;
    maxOutputTokens: number;
    price: { inputUsdPerMillion: number; outputUsdPerMillion: number } | null;
    costUsd: { minUsd: number; maxUsd: number } | null;
  }[];
  totalUsd: { minUsd: number; maxUsd: number } | null;
  unpriced: string[];
}

describeStorage('compare estimate (%s)', (mode) => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  let openai: OpenAiServer;
  let app: FastifyInstance;
  let cookie: string;
  let userId: string;
  let otherId: string;
  let otherCookie: string;
  let avatarId: string;
  let cloud: string;
  const headers = (as = cookie) => ({ ...CSRF, cookie: as });

  beforeAll(async () => {
    [ollama, openai] = await Promise.all([new OllamaServer().listen(), new OpenAiServer('openai').listen()]);
    ollama.models.push({
      name: 'qwen2.5:latest',
      family: 'qwen2',
      contextLength: 32_768,
      capabilities: ['completion'],
    });
    storage = await createTestStorage(mode);
    app = (
      await createTestApp(storage, {
        OLLAMA_BASE_URL: ollama.origin,
        LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000',
        CHAT_FLUSH_INTERVAL_MS: '50',
        CHAT_REPLY_TOKENS: String(REPLY_TOKENS),
        LUMINA_OUTBOUND_ALLOW: '127.0.0.1',
      })
    ).app;
    const sam = await signup(app, 'sam@example.org');
    cookie = sam.cookie;
    userId = sam.user.id;
    const other = await signup(app, 'other@example.org');
    otherCookie = other.cookie;
    otherId = other.user.id;
    await app.inject({
      method: 'PUT',
      url: '/api/settings',
      payload: { defaultModel: LLAMA },
      headers: headers(),
    });
    const provider = await app.inject({
      method: 'POST',
      url: '/api/providers',
      headers: headers(),
      payload: {
        kind: 'openai',
        name: 'Cloud',
        baseUrl: `${openai.origin}/v1`,
        apiKey: 'sk-test-0123456789abcdef',
      },
    });
    expect(provider.statusCode).toBe(201);
    cloud = `${provider.json().provider.id}/gpt-4o-mini`;
    const avatar = await app.inject({
      method: 'POST',
      url: '/api/avatars',
      headers: headers(),
      payload: {
        name: 'Aria',
        systemPrompt: 'You are Aria, a patient guide who explains things clearly.',
        greeting: 'Hello! What shall we look at today?',
      },
    });
    avatarId = avatar.json().avatar.id;
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    await Promise.all([ollama?.close(), openai?.close()]);
  });

  const createConversation = async (incognito = false) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/conversations',
      headers: headers(),
      payload: { avatarId, incognito },
    });
    expect(res.statusCode).toBe(201);
    return res.json().conversation.id as string;
  };
  const estimate = (conversationId: string, payload: object, as = cookie) =>
    app.inject({
      method: 'POST',
      url: `/api/conversations/${conversationId}/compare/estimate`,
      headers: headers(as),
      payload,
    });
  const setPrices = async (prices: object[]) => {
    const res = await app.inject({
      method: 'PUT',
      url: '/api/admin/pricing',
      headers: headers(),
      payload: { prices },
    });
    expect(res.statusCode).toBe(200);
  };
  const modelCalls = () =>
    openai.requests.length + ollama.requests.filter((r) => r.path === '/api/chat').length;

  it('counts what each model would be sent and prices it, without storing or calling anything', async () => {
    const conversationId = await createConversation();
    await setPrices([{ pattern: cloud, inputUsdPerMillion: 2, outputUsdPerMillion: 8 }]);
    const calls = modelCalls();
    const content = 'Which planets of the solar system have rings, and why do they form?';
    const res = await estimate(conversationId, { content, models: [LLAMA, cloud, QWEN] });
    expect(res.statusCode).toBe(200);
    const body = res.json() as Estimate;
    expect(body.models.map((m) => [m.model, m.local])).toEqual([
      [LLAMA, true],
      [cloud, false],
      [QWEN, true],
    ]);
    for (const m of body.models) {
      expect(m.maxOutputTokens).toBe(REPLY_TOKENS);
      expect(m.promptTokens).toBeGreaterThan(10);
    }
    const priced = body.models[1]!;
    expect(priced.price).toEqual({ inputUsdPerMillion: 2, outputUsdPerMillion: 8 });
    expect(priced.costUsd!.minUsd).toBeCloseTo((priced.promptTokens * 2) / 1e6, 12);
    expect(priced.costUsd!.maxUsd).toBeCloseTo((priced.promptTokens * 2 + REPLY_TOKENS * 8) / 1e6, 12);
    expect(body.models[0]!.costUsd).toEqual({ minUsd: 0, maxUsd: 0 });
    expect(body.models[0]!.price).toBeNull();
    expect(body.totalUsd!.maxUsd).toBeCloseTo(priced.costUsd!.maxUsd, 12);
    expect(body.unpriced).toEqual([]);
    // A longer message costs more tokens.
    const longer = (
      await estimate(conversationId, { content: `${content} ${content}`, models: [LLAMA, cloud] })
    ).json() as Estimate;
    expect(longer.models[1]!.promptTokens).toBeGreaterThan(priced.promptTokens);
    // Nothing stored, no model asked.
    expect(modelCalls()).toBe(calls);
    const messages = await app.inject({
      method: 'GET',
      url: `/api/conversations/${conversationId}/messages?view=tree`,
      headers: headers(),
    });
    expect(messages.json().messages.filter((m: { role: string }) => m.role === 'user')).toEqual([]);
  });

  it('counts as the context inspector counts: its context plus the new message', async () => {
    // Incognito: no recall, which would find the stored copy of the message for the estimate.
    const conversationId = await createConversation(true);
    const content = 'Tell me about the rings of Saturn.';
    const sent = await app.inject({
      method: 'POST',
      url: `/api/conversations/${conversationId}/compare`,
      headers: headers(),
      payload: { content, models: [LLAMA, QWEN] },
    });
    expect(sent.statusCode).toBe(200);
    const firstReply = (sent.headers['x-lumina-reply-ids'] as string).split(',')[0]!;
    const moved = await app.inject({
      method: 'PATCH',
      url: `/api/conversations/${conversationId}`,
      headers: headers(),
      payload: { activeLeafId: firstReply },
    });
    expect(moved.statusCode).toBe(200);
    const inspected = (
      await app.inject({
        method: 'GET',
        url: `/api/conversations/${conversationId}/context`,
        headers: headers(),
      })
    ).json() as { tokens: { total: number }; parts: { kind: string; tokens: number; text?: string }[] };
    // The same text asked again after the reply: the inspector's context plus that message.
    const question = inspected.parts.find((p) => p.kind === 'message' && p.text === content);
    expect(question?.tokens).toBeGreaterThan(0);
    const res = await estimate(conversationId, { content, models: [LLAMA, QWEN], parentId: firstReply });
    expect(res.statusCode).toBe(200);
    expect((res.json() as Estimate).models[0]!.promptTokens).toBe(
      inspected.tokens.total + question!.tokens + TOKENS_PER_MESSAGE,
    );
  });

  /** Stores a document attachment as the upload route leaves it. */
  const attach = async (ownerId: string, text: string) => {
    const bytes = Buffer.from(text);
    const { id } = await createFileRepository(storage.db).create({
      ownerId,
      kind: 'attachment',
      mimeType: 'text/markdown',
      bytes,
      sizeBytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      name: 'notes.md',
      extractedText: text,
    });
    return id;
  };

  it('counts the documents the message will carry, which must be the sender’s', async () => {
    const conversationId = await createConversation();
    const body = { content: 'Summarize my notes.', models: [LLAMA, QWEN] };
    const plain = (await estimate(conversationId, body)).json() as Estimate;
    const notes = await attach(userId, 'Saturn has rings of ice and rock. '.repeat(40));
    const withNotes = await estimate(conversationId, { ...body, attachments: [notes] });
    expect(withNotes.statusCode).toBe(200);
    expect((withNotes.json() as Estimate).models[0]!.promptTokens).toBeGreaterThan(
      plain.models[0]!.promptTokens + 200,
    );
    const theirs = await attach(otherId, 'Not yours.');
    const refused = await estimate(conversationId, { ...body, attachments: [theirs] });
    expect([refused.statusCode, refused.json().error.code]).toEqual([404, 'attachment_not_found']);
  });

  it('says when a price is unknown, and checks the models as a send does', async () => {
    const conversationId = await createConversation();
    await setPrices([]);
    const unknown = (
      await estimate(conversationId, { content: '', models: [LLAMA, cloud] })
    ).json() as Estimate;
    expect(unknown.models[1]!.costUsd).toBeNull();
    expect(unknown.models[1]!.price).toBeNull();
    expect(unknown.unpriced).toEqual([cloud]);
    expect(unknown.totalUsd).toEqual({ minUsd: 0, maxUsd: 0 });
    const allUnknown = (
      await estimate(conversationId, { content: 'Hi', models: [cloud, `${cloud.split('/')[0]}/gpt-4o`] })
    ).json() as Estimate;
    expect(allUnknown.totalUsd).toBeNull();
    expect(allUnknown.unpriced).toHaveLength(2);

    const code = async (payload: object, as = cookie, id = conversationId) => {
      const res = await estimate(id, payload, as);
      return [res.statusCode, res.json().error?.code];
    };
    expect(await code({ content: 'Hi', models: [LLAMA] })).toEqual([400, 'compare_models_invalid']);
    expect(await code({ content: 'Hi', models: [LLAMA, LLAMA] })).toEqual([400, 'compare_models_invalid']);
    expect(await code({ content: 'Hi', models: [LLAMA, QWEN, cloud, 'a/1', 'a/2', 'a/3', 'a/4'] })).toEqual([
      400,
      'compare_models_invalid',
    ]);
    expect(await code({ content: 'Hi', models: [LLAMA, 'nowhere/model'] })).toEqual([404, 'model_not_found']);
    expect(await code({ content: 'x'.repeat(200_000), models: [LLAMA, QWEN] })).toEqual([
      400,
      'message_too_long',
    ]);
    expect(
      await code({ content: 'Hi', models: [LLAMA, QWEN], parentId: '0190a0a0-0000-7000-8000-000000000000' }),
    ).toEqual([400, 'invalid_request']);
    expect(await code({ models: [LLAMA, QWEN] })).toEqual([400, 'invalid_request']);
    await app.inject({
      method: 'PUT',
      url: '/api/settings',
      payload: { localOnly: true },
      headers: headers(),
    });
    const before = openai.requests.length;
    expect(await code({ content: 'Hi', models: [LLAMA, cloud] })).toEqual([403, 'local_only']);
    expect(openai.requests.length).toBe(before);
    await app.inject({
      method: 'PUT',
      url: '/api/settings',
      payload: { localOnly: false },
      headers: headers(),
    });
    // Another person's conversation is not found; without a session, 401.
    expect(await code({ content: 'Hi', models: [LLAMA, QWEN] }, otherCookie)).toEqual([
      404,
      'conversation_not_found',
    ]);
    const anonymous = await app.inject({
      method: 'POST',
      url: `/api/conversations/${conversationId}/compare/estimate`,
      headers: CSRF,
      payload: { content: 'Hi', models: [LLAMA, QWEN] },
    });
    expect(anonymous.statusCode).toBe(401);
  });
});
