import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NEUTRAL_STYLE } from '../domain/avatar.js';
import { storedConversation } from '../test-support/conversations.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { createAvatarRepository } from './avatar.repository.js';
import { createConversationRepository } from './conversation.repository.js';
import { createMessageRepository } from './message.repository.js';
import { createUserRepository } from './user.repository.js';

describeStorage('a conversation tree with its speaker on %s', (mode) => {
  let storage: TestStorage;
  beforeAll(async () => {
    storage = await createTestStorage(mode);
  });
  afterAll(() => storage?.close());

  it('reads the avatar and the user’s names with the tree, exactly as the avatar repository reads them', async () => {
    const { owner, avatar, conversation } = await storedConversation(storage.db, 'speaker@example.org');
    const avatars = createAvatarRepository(storage.db);
    const messages = createMessageRepository(storage.db);
    // Every kind of column filled: arrays, JSON, a lorebook, timestamps, a nickname.
    await avatars.update(owner.id, avatar.id, {
      nickname: 'Ace',
      traits: ['curious', 'kind'],
      alternateGreetings: ['Hi!', 'Hello again'],
      tags: ['test'],
      lorebook: { entries: [{ keys: ['moon'], content: 'The moon is cheese.' }] },
      cardExtras: { creator: 'me' },
      fallbackModels: ['openai/gpt-4o-mini'],
      lastUsedAt: new Date('2026-12-01T10:11:12.345Z'),
    });
    const expected = (await avatars.findVisibleWithUser(owner.id, avatar.id))!;

    const byConversation = (await messages.conversationTree(owner.id, { conversationId: conversation.id }))!;
    expect(byConversation.speaker).toEqual({ avatar: expected.avatar, user: expected.user });
    expect(byConversation.speaker.avatar).toMatchObject({ nickname: 'Ace', traits: ['curious', 'kind'] });
    expect(byConversation.speaker.avatar!.lastUsedAt).toEqual(new Date('2026-12-01T10:11:12.345Z'));

    const question = await messages.insert({
      id: uuidv7(),
      conversationId: conversation.id,
      ownerId: owner.id,
      parentId: null,
      role: 'user',
      content: 'Hello',
    });
    const byMessage = (await messages.conversationTree(owner.id, { messageId: question.id }))!;
    expect(byMessage.speaker).toEqual(byConversation.speaker);
  });

  it('finds nothing for an id that is no UUID, and runs nothing it carries (the tree read writes ids as literals on PGlite)', async () => {
    const messages = createMessageRepository(storage.db);
    const { owner, conversation } = await storedConversation(storage.db, 'literal@example.org');
    const hostile = `${conversation.id}', '${owner.id}'); delete from conversations; --`;
    expect(await messages.conversationTree(owner.id, { conversationId: hostile })).toBeUndefined();
    expect(await messages.conversationTree(owner.id, { messageId: hostile })).toBeUndefined();
    expect(await messages.conversationTree(hostile, { conversationId: conversation.id })).toBeUndefined();
    // Still there, and still read by the prepared statements.
    const tree = await messages.conversationTree(owner.id, { conversationId: conversation.id });
    expect(tree?.conversation.id).toBe(conversation.id);
  });

  it('gives no avatar when the user may no longer use it, and the shared avatar of another user when it is shared', async () => {
    const users = createUserRepository(storage.db);
    const avatars = createAvatarRepository(storage.db);
    const messages = createMessageRepository(storage.db);
    const { owner } = await storedConversation(storage.db, 'reader@example.org');
    const maker = await users.create({ email: 'maker@example.org', passwordHash: 'x', name: 'Maker' });
    const theirs = await avatars.create({
      ownerId: maker.id,
      name: 'Theirs',
      style: NEUTRAL_STYLE,
      voice: { engine: null, voice: null, rate: 1, pitch: 1 },
      memory: { enabled: true, scope: 'private' },
    });
    // A conversation of the reader's with an avatar that is someone else's and private.
    const conversation = await createConversationRepository(storage.db).create({
      ownerId: owner.id,
      avatarId: theirs.id,
    });
    const hidden = (await messages.conversationTree(owner.id, { conversationId: conversation.id }))!;
    expect(hidden.speaker).toEqual({ avatar: null, user: { name: 'reader', preferredName: null } });

    await avatars.update(maker.id, theirs.id, { visibility: 'instance' });
    const shared = (await messages.conversationTree(owner.id, { conversationId: conversation.id }))!;
    expect(shared.speaker.avatar).toMatchObject({ id: theirs.id, name: 'Theirs', visibility: 'instance' });
    // Another user never reads the conversation, speaker or not.
    expect(await messages.conversationTree(maker.id, { conversationId: conversation.id })).toBeUndefined();
  });
});
