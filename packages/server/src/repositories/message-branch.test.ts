import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MessageRow } from '../db/schema/index.js';
import { storedConversation } from '../test-support/conversations.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { createAvatarRepository } from './avatar.repository.js';
import { createConversationRepository } from './conversation.repository.js';
import { createMessageRepository } from './message.repository.js';
import { createUserRepository } from './user.repository.js';

describeStorage('message branch on %s', (mode) => {
  let storage: TestStorage;
  beforeAll(async () => {
    storage = await createTestStorage(mode);
  });
  afterAll(() => storage?.close());

  it('walks from a leaf to the root through the right siblings, for the owner only', async () => {
    const { owner, avatar, conversation } = await storedConversation(storage.db, 'tree@example.org');
    const other = await createUserRepository(storage.db).create({
      email: 'other@example.org',
      passwordHash: 'x',
      name: 'Other',
    });
    const messages = createMessageRepository(storage.db);
    const add = (parentId: string | null, content: string): Promise<MessageRow> =>
      messages.insert({
        id: uuidv7(),
        conversationId: conversation.id,
        ownerId: owner.id,
        parentId,
        role: 'user',
        content,
      });
    // root → a → (b1 → c1 | b2 → c2), and a second root.
    const root = await add(null, 'root');
    const a = await add(root.id, 'a');
    const b1 = await add(a.id, 'b1');
    const c1 = await add(b1.id, 'c1');
    const b2 = await add(a.id, 'b2');
    const c2 = await add(b2.id, 'c2');
    await add(null, 'another root');

    expect((await messages.branch(owner.id, c1.id)).map((m) => m.content)).toEqual(['root', 'a', 'b1', 'c1']);
    expect((await messages.branch(owner.id, c2.id)).map((m) => m.content)).toEqual(['root', 'a', 'b2', 'c2']);
    expect((await messages.branch(owner.id, root.id)).map((m) => m.id)).toEqual([root.id]);
    // Every field as the ordinary select reads it (dates, numbers, JSON, nulls).
    await messages.finish(b2.id, {
      status: 'error',
      error: { code: 'provider_error', message: 'It failed' },
      model: 'openai/gpt-4o',
      finishReason: 'error',
      inputTokens: 12,
      outputTokens: 34,
      costUsd: 0.00123456,
      timeToFirstTokenMs: 250,
      durationMs: 1500,
      writerId: 'w1',
    });
    await messages.setSummary(b2.id, 'So far: a question.');
    const tree = new Map((await messages.tree(conversation.id)).map((m) => [m.id, m]));
    const path = await messages.branch(owner.id, c2.id);
    expect(path).toEqual([root, a, b2, c2].map((m) => tree.get(m.id)));
    expect(path[2]).toMatchObject({
      costUsd: 0.00123456,
      error: { code: 'provider_error' },
      summary: 'So far: a question.',
    });
    expect(path[0]!.createdAt).toBeInstanceOf(Date);
    expect(await messages.branch(other.id, c1.id)).toEqual([]);
    expect(await messages.branch(owner.id, uuidv7())).toEqual([]);

    // The conversation and its tree in one read, by the conversation or by one of its messages.
    const conversations = createConversationRepository(storage.db);
    await conversations.update(owner.id, conversation.id, {
      title: 'Trees',
      tags: ['x'],
      activeLeafId: c2.id,
    });
    const stored = await conversations.findOwned(owner.id, conversation.id);
    for (const key of [{ conversationId: conversation.id }, { messageId: b1.id }]) {
      const loaded = (await messages.conversationTree(owner.id, key))!;
      expect(loaded.conversation).toEqual(stored);
      expect(loaded.branch(c2.id)).toEqual(path);
      expect(loaded.branch(c1.id).map((m) => m.content)).toEqual(['root', 'a', 'b1', 'c1']);
      expect(loaded.message(b2.id)).toEqual(tree.get(b2.id));
      expect(loaded.message(uuidv7())).toBeUndefined();
      expect(loaded.branch(uuidv7())).toEqual([]);
      expect(await messages.conversationTree(other.id, key)).toBeUndefined();
    }
    expect(await messages.conversationTree(owner.id, { conversationId: uuidv7() })).toBeUndefined();
    expect(await messages.conversationTree(owner.id, { messageId: uuidv7() })).toBeUndefined();
    // An empty conversation: found, with no messages.
    const empty = await conversations.create({ ownerId: owner.id, avatarId: avatar.id });
    const none = (await messages.conversationTree(owner.id, { conversationId: empty.id }))!;
    expect(none.conversation).toEqual(empty);
    expect(none.branch(c1.id)).toEqual([]);
  });

  it('appends a question and its reply and moves the visible branch in one statement', async () => {
    const users = createUserRepository(storage.db);
    const owner = await users.create({ email: 'append@example.org', passwordHash: 'x', name: 'Ap' });
    const avatar = await createAvatarRepository(storage.db).create({
      ownerId: owner.id,
      name: 'B',
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
    const conversations = createConversationRepository(storage.db);
    const conversation = await conversations.create({ ownerId: owner.id, avatarId: avatar.id });
    const messages = createMessageRepository(storage.db);
    const questionId = uuidv7();
    const base = { conversationId: conversation.id, ownerId: owner.id };
    const [question, reply] = await messages.append(conversation.id, [
      { ...base, id: questionId, parentId: null, role: 'user', content: 'Hello?' },
      { ...base, parentId: questionId, role: 'assistant', status: 'streaming', writerId: 'w' },
    ]);
    expect(question).toMatchObject({
      id: questionId,
      content: 'Hello?',
      parts: [{ type: 'text', text: 'Hello?' }],
    });
    expect(reply).toMatchObject({ parentId: questionId, status: 'streaming', parts: [] });
    const after = (await conversations.findOwned(owner.id, conversation.id))!;
    expect(after).toMatchObject({
      activeLeafId: reply!.id,
      messageCount: 2,
      lastMessageAt: reply!.createdAt,
    });

    // A reply whose question cannot be stored is not stored either, and the leaf stays.
    await expect(
      messages.append(conversation.id, [
        { ...base, id: uuidv7(), parentId: uuidv7(), role: 'user', content: 'Orphan' },
        { ...base, parentId: null, role: 'assistant', status: 'streaming', writerId: 'w' },
      ]),
    ).rejects.toThrow();
    expect((await messages.tree(conversation.id)).length).toBe(2);
    expect(await conversations.findOwned(owner.id, conversation.id)).toEqual(after);
  });
});
