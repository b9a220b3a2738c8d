import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../ids.js';
import { createPostgresDatabase, describeStorage, type StorageMode } from '../test-support/storage.js';
import { queryRows } from './database.js';
import { migrate } from './migrate.js';
import { openStorage, type Storage } from './storage.js';

/** A database as version 0007 left it: no parts, turns, speakers or participants yet. */
async function openAt0007(mode: StorageMode): Promise<{ storage: Storage; close: () => Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-0008-'));
  const database = mode === 'postgres' ? await createPostgresDatabase() : undefined;
  const storage = await openStorage({
    dataDir: database ? dataDir : 'memory://',
    databaseUrl: database?.url,
    migrate: false,
  });
  expect((await migrate(storage.db, { through: '0007' })).applied.at(-1)).toBe('0007');
  return {
    storage,
    close: async () => {
      await storage.close();
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface OldMessage {
  id: string;
  conversationId: string;
  ownerId: string;
  parentId: string | null;
  role: 'user' | 'assistant' | 'system';
  content: string;
  status?: string;
  metadata?: Record<string, unknown>;
}

interface StoredMessage {
  id: string;
  content: string;
  parts: unknown;
  turn_id: string | null;
  speaker_avatar_id: string | null;
  speaker_user_id: string | null;
}

interface StoredParticipant {
  conversation_id: string;
  avatar_id: string | null;
  user_id: string | null;
  role: string;
  created_at: string | Date;
}

describeStorage('migration 0008: turns, speakers, participants and parts from older rows (%s)', (mode) => {
  let storage: Storage;
  let close: () => Promise<void>;
  const ada = newId();
  const bob = newId();
  const aria = newId();
  const scribe = newId();
  const bobsAvatar = newId();
  const chat = newId();
  const imported = newId();
  const bobs = newId();
  const id = () => newId();
  // The chat with Aria: two greetings, an exchange, a regenerated reply, an edited question
  // with its own reply, and a system note below a reply.
  const greeting = id();
  const altGreeting = id();
  const question = id();
  const answer = id();
  const regenerated = id();
  const followUp = id();
  const followAnswer = id();
  const edited = id();
  const editedAnswer = id();
  const note = id();
  const failed = id();
  // An import (SillyTavern keeps several replies in a row): three consecutive assistant messages.
  const [first, second, third, later, laterAnswer] = [id(), id(), id(), id(), id()];
  const bobsQuestion = id();
  const bobsAnswer = id();
  const conversationCreated = new Date('2024-03-01T10:00:00.000Z');

  const messages: OldMessage[] = [
    m(greeting, chat, ada, null, 'assistant', 'Hello *Ada*!\n\nHow are you?', { greeting: 0 }),
    m(altGreeting, chat, ada, null, 'assistant', 'Good evening.', { greeting: 1 }),
    m(question, chat, ada, greeting, 'user', 'Tell me about 🌌 & <stars>'),
    m(answer, chat, ada, question, 'assistant', 'Stars are suns.'),
    m(regenerated, chat, ada, question, 'assistant', '  Stars burn hydrogen.  '),
    m(followUp, chat, ada, answer, 'user', 'Which is nearest?'),
    m(followAnswer, chat, ada, followUp, 'assistant', 'Proxima Centauri.'),
    m(edited, chat, ada, answer, 'user', 'Which is brightest?', { editedFrom: followUp }),
    m(editedAnswer, chat, ada, edited, 'assistant', 'Sirius.'),
    m(note, chat, ada, followAnswer, 'system', '[The user left]'),
    { ...m(failed, chat, ada, followAnswer, 'assistant', ''), status: 'error' },
    m(first, imported, ada, null, 'assistant', 'Once upon a time'),
    m(second, imported, ada, first, 'assistant', 'there was a scribe'),
    m(third, imported, ada, second, 'assistant', 'who wrote everything down.'),
    m(later, imported, ada, third, 'user', 'And then?'),
    m(laterAnswer, imported, ada, later, 'assistant', 'Then the ink ran out.'),
    m(bobsQuestion, bobs, bob, null, 'user', 'Hi'),
    m(bobsAnswer, bobs, bob, bobsQuestion, 'assistant', 'Hi Bob'),
  ];

  function m(
    messageId: string,
    conversationId: string,
    ownerId: string,
    parentId: string | null,
    role: OldMessage['role'],
    content: string,
    metadata: Record<string, unknown> = {},
  ): OldMessage {
    return { id: messageId, conversationId, ownerId, parentId, role, content, metadata };
  }

  beforeAll(async () => {
    ({ storage, close } = await openAt0007(mode));
    const db = storage.db;
    for (const [userId, email] of [
      [ada, 'ada@example.org'],
      [bob, 'bob@example.org'],
    ]) {
      await db.execute(sql`insert into users (id, email, password_hash, name)
        values (${userId}, ${email}, 'x', ${email.split('@')[0]})`);
    }
    for (const [avatarId, ownerId, name] of [
      [aria, ada, 'Aria'],
      [scribe, ada, 'Scribe'],
      [bobsAvatar, bob, 'Max'],
    ]) {
      await db.execute(sql`insert into avatars (id, owner_id, name, style, voice, memory)
        values (${avatarId}, ${ownerId}, ${name}, '{}'::jsonb, '{}'::jsonb, '{}'::jsonb)`);
    }
    for (const [conversationId, ownerId, avatarId] of [
      [chat, ada, aria],
      [imported, ada, scribe],
      [bobs, bob, bobsAvatar],
    ]) {
      await db.execute(sql`insert into conversations (id, owner_id, avatar_id, created_at)
        values (${conversationId}, ${ownerId}, ${avatarId}, ${conversationCreated.toISOString()})`);
    }
    for (const message of messages) {
      await db.execute(sql`insert into messages (id, conversation_id, owner_id, parent_id, role, content, status, metadata)
        values (${message.id}, ${message.conversationId}, ${message.ownerId}, ${message.parentId}, ${message.role},
                ${message.content}, ${message.status ?? 'complete'}, ${JSON.stringify(message.metadata ?? {})}::jsonb)`);
    }
    expect((await migrate(storage.db, { through: '0008' })).applied).toEqual(['0008']);
  });
  afterAll(async () => {
    await close?.();
  });

  const stored = async () =>
    new Map(
      (
        await queryRows<StoredMessage>(
          storage.db,
          sql`select id, content, parts, turn_id, speaker_avatar_id, speaker_user_id from messages`,
        )
      ).map((row) => [row.id, row]),
    );

  it('groups each user message with everything below it until the next one; a root opens its own turn', async () => {
    const rows = await stored();
    const turnOf = (messageId: string) => rows.get(messageId)?.turn_id;
    const expected: Record<string, string> = {
      [greeting]: greeting,
      [altGreeting]: altGreeting,
      [question]: question,
      [answer]: question,
      [regenerated]: question,
      [followUp]: followUp,
      [followAnswer]: followUp,
      [note]: followUp,
      [failed]: followUp,
      [edited]: edited,
      [editedAnswer]: edited,
      [first]: first,
      [second]: first,
      [third]: first,
      [later]: later,
      [laterAnswer]: later,
      [bobsQuestion]: bobsQuestion,
      [bobsAnswer]: bobsQuestion,
    };
    expect(Object.fromEntries(messages.map((message) => [message.id, turnOf(message.id)]))).toEqual(expected);
  });

  it('records people as the speakers of user messages, the conversation avatar of replies, nobody of system text', async () => {
    const rows = await stored();
    const avatarOf: Record<string, string> = { [chat]: aria, [imported]: scribe, [bobs]: bobsAvatar };
    for (const message of messages) {
      const row = rows.get(message.id)!;
      const speaker = { avatar: row.speaker_avatar_id, user: row.speaker_user_id };
      if (message.role === 'user') expect(speaker).toEqual({ avatar: null, user: message.ownerId });
      else if (message.role === 'assistant')
        expect(speaker).toEqual({ avatar: avatarOf[message.conversationId], user: null });
      else expect(speaker).toEqual({ avatar: null, user: null });
    }
  });

  it('keeps every text exactly, as one text part (an empty text has no parts)', async () => {
    const rows = await stored();
    for (const message of messages) {
      const row = rows.get(message.id)!;
      expect(row.content).toBe(message.content);
      expect(row.parts).toEqual(message.content === '' ? [] : [{ type: 'text', text: message.content }]);
    }
  });

  it('gives each conversation its owner and its avatar as participants', async () => {
    const participants = await queryRows<StoredParticipant>(
      storage.db,
      sql`select conversation_id, avatar_id, user_id, role, created_at from conversation_participants`,
    );
    const summary = participants
      .map((p) => ({
        conversation: p.conversation_id,
        avatar: p.avatar_id,
        user: p.user_id,
        role: p.role,
        since: new Date(p.created_at).toISOString(),
      }))
      .sort((a, b) => `${a.conversation}${a.role}`.localeCompare(`${b.conversation}${b.role}`));
    const since = conversationCreated.toISOString();
    const expected = [
      { conversation: chat, avatar: null, user: ada, role: 'owner', since },
      { conversation: chat, avatar: aria, user: null, role: 'participant', since },
      { conversation: imported, avatar: null, user: ada, role: 'owner', since },
      { conversation: imported, avatar: scribe, user: null, role: 'participant', since },
      { conversation: bobs, avatar: null, user: bob, role: 'owner', since },
      { conversation: bobs, avatar: bobsAvatar, user: null, role: 'participant', since },
    ].sort((a, b) => `${a.conversation}${a.role}`.localeCompare(`${b.conversation}${b.role}`));
    expect(summary).toEqual(expected);
  });

  it('migration 0009 then keeps a search vector for settled messages only', async () => {
    // A reply an older version left streaming (its writer stopped before finishing).
    await storage.db.execute(sql`update messages set status = 'streaming' where id = ${laterAnswer}`);
    expect((await migrate(storage.db, { through: '0009' })).applied).toEqual(['0009']);
    const vectors = new Map(
      (
        await queryRows<{ id: string; indexed: boolean }>(
          storage.db,
          sql`select id, tsv is not null as indexed from messages`,
        )
      ).map((row) => [row.id, row.indexed]),
    );
    expect(vectors.get(laterAnswer)).toBe(false);
    expect(vectors.get(later)).toBe(true);
    expect(vectors.get(failed)).toBe(true);
    const [hit] = await queryRows<{ id: string }>(
      storage.db,
      sql`select id from messages where tsv @@ to_tsquery('simple', 'scribe')`,
    );
    expect(hit?.id).toBe(second);
  });
});
