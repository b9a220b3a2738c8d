import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { UsageEvent } from '../domain/usage.js';
import { storedConversation } from '../test-support/conversations.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { createMessageRepository } from './message.repository.js';
import { createUsageRepository } from './usage.repository.js';

/** One chat call of `userId`'s, as a reply run hands it over. */
const usageEvent = (userId: string, avatarId: string | null, over: Partial<UsageEvent> = {}): UsageEvent => ({
  id: uuidv7(),
  userId,
  provider: 'openai',
  model: 'openai/gpt-4o-mini',
  purpose: 'chat',
  avatarId,
  inputTokens: 120,
  outputTokens: 7,
  tokensReported: true,
  costUsd: null,
  timeToFirstTokenMs: 210,
  durationMs: 900,
  status: 'complete',
  errorCode: null,
  ...over,
});

describeStorage('a reply finish with its usage events on %s', (mode) => {
  let storage: TestStorage;
  beforeAll(async () => {
    storage = await createTestStorage(mode);
  });
  afterAll(() => storage?.close());

  /** A user's conversation with one reply still streaming (`content` written so far). */
  async function streamingReply(email: string, content: string) {
    const stored = await storedConversation(storage.db, email);
    const messages = createMessageRepository(storage.db);
    const reply = await messages.insert({
      id: uuidv7(),
      conversationId: stored.conversation.id,
      ownerId: stored.owner.id,
      parentId: null,
      role: 'assistant',
      content,
      status: 'streaming',
    });
    return { ...stored, messages, reply };
  }

  it('stores the reply and every usage event in one statement; written again, counts each call once', async () => {
    const { owner, avatar, conversation, messages, reply } = await streamingReply('finish@example.org', '');
    const usage = createUsageRepository(storage.db);
    // A reply of two model calls (a tool round), the second one priced.
    const events = [
      usageEvent(owner.id, avatar.id),
      usageEvent(owner.id, avatar.id, { inputTokens: 140, outputTokens: 12, costUsd: 0.00012345 }),
    ];
    const fields = {
      parts: [{ type: 'text' as const, text: 'Done.' }],
      status: 'complete' as const,
      error: null,
      model: 'openai/gpt-4o-mini',
      finishReason: 'stop',
      inputTokens: 260,
      outputTokens: 19,
      costUsd: 0.00012345,
      timeToFirstTokenMs: 210,
      durationMs: 1800,
      writerId: null,
    };
    const stored = await messages.finishReply(reply, fields, events);
    // Every column as the ordinary read gives it (dates, numbers, JSON, nulls).
    expect(stored).toEqual(await messages.findOwned(owner.id, reply.id));
    expect(stored).toMatchObject({
      id: reply.id,
      conversationId: conversation.id,
      ownerId: owner.id,
      status: 'complete',
      content: 'Done.',
      parts: fields.parts,
      outputTokens: 19,
      costUsd: 0.00012345,
      error: null,
    });
    expect(stored!.updatedAt).toBeInstanceOf(Date);
    // The late store writes a finish again when it cannot tell whether the first landed.
    await messages.finishReply(reply, fields, events);

    const recorded = await usage.listForUser(owner.id);
    expect(recorded.map((e) => [e.id, e.inputTokens, e.outputTokens, e.costUsd, e.avatarId])).toEqual([
      [events[0]!.id, 120, 7, null, avatar.id],
      [events[1]!.id, 140, 12, 0.00012345, avatar.id],
    ]);
  });

  it('is one statement: when the usage insert fails, the reply is not finished either', async () => {
    const { owner, avatar, messages, reply } = await streamingReply('atomic@example.org', 'So far');
    // No such user: the foreign key refuses the event.
    const orphan = usageEvent(uuidv7(), avatar.id, { inputTokens: 1, outputTokens: 1 });
    await expect(
      messages.finishReply(
        reply,
        {
          parts: [{ type: 'text', text: 'So far, and done' }],
          status: 'complete',
          error: null,
          model: null,
          finishReason: 'stop',
          inputTokens: null,
          outputTokens: null,
          costUsd: null,
          timeToFirstTokenMs: null,
          durationMs: null,
          writerId: null,
        },
        [orphan],
      ),
    ).rejects.toThrow();
    expect(await messages.findOwned(owner.id, reply.id)).toMatchObject({
      status: 'streaming',
      content: 'So far',
    });
  });
});
