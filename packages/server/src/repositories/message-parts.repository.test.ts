import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagePart } from '../domain/message-parts.js';
import { NEUTRAL_STYLE } from '../services/avatar.service.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { createAvatarRepository } from './avatar.repository.js';
import { createConversationRepository } from './conversation.repository.js';
import { createMessageRepository, withConsistentParts } from './message.repository.js';
import { createUserRepository } from './user.repository.js';

const EVERY_KIND: MessagePart[] = [
  { type: 'reasoning', text: 'They asked for the weather; look it up.' },
  { type: 'text', text: 'Let me check. ' },
  { type: 'tool-call', toolCallId: 'call_1', toolName: 'weather', input: { city: 'Zürich', days: [1, 2] } },
  {
    type: 'tool-result',
    toolCallId: 'call_1',
    toolName: 'weather',
    output: { temperature: -3.5, sky: null },
    isError: false,
  },
  {
    type: 'file',
    url: '/api/images/0190a4c2-0000-7000-8000-000000000001',
    mediaType: 'image/png',
    name: 'map.png',
  },
  { type: 'text', text: 'It is cold: −3.5 °C 🌨' },
];

describe('withConsistentParts', () => {
  it('derives content from parts, parts from content, and leaves other updates alone', () => {
    expect(withConsistentParts({ parts: EVERY_KIND, content: 'stale' }).content).toBe(
      'Let me check. It is cold: −3.5 °C 🌨',
    );
    expect(withConsistentParts({ content: 'Hi' }).parts).toEqual([{ type: 'text', text: 'Hi' }]);
    expect(withConsistentParts({ content: '' }).parts).toEqual([]);
    expect(withConsistentParts({ status: 'complete' })).toEqual({ status: 'complete' });
  });
});

describeStorage('message parts in the repository on %s', (mode) => {
  let storage: TestStorage;
  let ownerId: string;
  let conversationId: string;
  beforeAll(async () => {
    storage = await createTestStorage(mode);
    const owner = await createUserRepository(storage.db).create({
      email: 'parts@example.org',
      passwordHash: 'x',
      name: 'Parts',
    });
    const avatar = await createAvatarRepository(storage.db).create({
      ownerId: owner.id,
      name: 'A',
      style: NEUTRAL_STYLE,
      voice: { engine: null, voice: null, rate: 1, pitch: 1 },
      memory: { enabled: true, scope: 'private' },
    });
    ownerId = owner.id;
    conversationId = (await createConversationRepository(storage.db).create({ ownerId, avatarId: avatar.id }))
      .id;
  });
  afterAll(() => storage?.close());

  const base = (parentId: string | null, role: 'user' | 'assistant' | 'tool' = 'assistant') => ({
    id: uuidv7(),
    conversationId,
    ownerId,
    parentId,
    role,
  });

  it('stores a text-only insert as one text part, and parts with their text as content', async () => {
    const messages = createMessageRepository(storage.db);
    const text = await messages.insert({ ...base(null, 'user'), content: 'Hello, Ünïcode 👋' });
    expect(text.parts).toEqual([{ type: 'text', text: 'Hello, Ünïcode 👋' }]);
    const empty = await messages.insert({ ...base(text.id), content: '' });
    expect(empty.parts).toEqual([]);
    const rich = await messages.insert({ ...base(text.id), parts: EVERY_KIND });
    expect(rich.content).toBe('Let me check. It is cold: −3.5 °C 🌨');
    // Read back through both read paths (the ordinary select and the fast branch read).
    const [tree, path] = await Promise.all([
      messages.tree(conversationId),
      messages.branch(ownerId, rich.id),
    ]);
    expect(tree.find((m) => m.id === rich.id)?.parts).toEqual(EVERY_KIND);
    expect(path.map((m) => m.parts)).toEqual([[{ type: 'text', text: 'Hello, Ünïcode 👋' }], EVERY_KIND]);
  });

  it('append and insertMany keep both columns consistent, and tool messages are stored', async () => {
    const messages = createMessageRepository(storage.db);
    const [user, call] = await messages.append(conversationId, [
      { ...base(null, 'user'), content: 'Weather?' },
      { ...base(null), parts: EVERY_KIND.slice(1, 3) },
    ]);
    expect(user!.parts).toEqual([{ type: 'text', text: 'Weather?' }]);
    expect(call!.content).toBe('Let me check. ');
    const toolId = uuidv7();
    await messages.insertMany([{ ...base(call!.id, 'tool'), id: toolId, parts: [EVERY_KIND[3]!] }]);
    const tool = await messages.findOwned(ownerId, toolId);
    expect(tool).toMatchObject({ role: 'tool', content: '', parts: [EVERY_KIND[3]] });
  });

  it('flushes text or parts and finishes with either, one column following the other', async () => {
    const messages = createMessageRepository(storage.db);
    const reply = await messages.insert({ ...base(null), status: 'streaming', content: '', writerId: 'w' });
    await messages.flush(reply.id, 'Hel');
    expect(await messages.findOwned(ownerId, reply.id)).toMatchObject({
      content: 'Hel',
      parts: [{ type: 'text', text: 'Hel' }],
    });
    const soFar: MessagePart[] = [
      { type: 'reasoning', text: 'Think' },
      { type: 'text', text: 'Hello' },
    ];
    await messages.flush(reply.id, { parts: soFar });
    expect(await messages.findOwned(ownerId, reply.id)).toMatchObject({ content: 'Hello', parts: soFar });
    // Finishing without text keeps what was flushed.
    const kept = await messages.finish(reply.id, { status: 'cancelled' });
    expect(kept).toMatchObject({ status: 'cancelled', content: 'Hello', parts: soFar });
    const finished = await messages.finish(reply.id, {
      status: 'complete',
      parts: EVERY_KIND,
      content: 'ignored',
    });
    expect(finished).toMatchObject({ content: 'Let me check. It is cold: −3.5 °C 🌨', parts: EVERY_KIND });
    const plain = await messages.finish(reply.id, { content: 'Just text' });
    expect(plain?.parts).toEqual([{ type: 'text', text: 'Just text' }]);
  });
});
