import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { textOfParts } from '../domain/message-parts.js';
import { newId } from '../ids.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import { createMessageSearchRepository } from '../repositories/message-search.repository.js';
import { createPostgresDatabase, describeStorage } from '../test-support/storage.js';
import { migrate } from './migrate.js';
import { openStorage, type Storage } from './storage.js';

/** Texts that JSON, jsonb and the migration's SQL could each get wrong. */
const TEXTS: Record<string, string> = {
  empty: '',
  spaces: '   ',
  unicode: 'Grüße, 你好, مرحبا, 👩🏽‍🚀 and 𝄞 (outside the BMP)',
  jsonSpecial: 'He said "hi" \\ then left\ttab\u0001control \u2028line\u2029para {"type":"x"}',
  newlines: 'one\r\ntwo\nthree\r\n\n',
  sqlish: "it's -- not a comment; drop table messages; $1 ::jsonb",
  // 300,000 characters, multi-byte included: bigger than any one chunk a driver buffers.
  long: `${'Lorem ipsum dolor sit amet, ünïcødé ✓ '.repeat(7_900)}the end`,
};

describeStorage('message parts from text stored before migration 0008 (%s)', (mode) => {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  const owner = newId();
  const conversation = newId();
  const ids = Object.fromEntries(Object.keys(TEXTS).map((name) => [name, newId()]));

  beforeAll(async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-parts-'));
    const database = mode === 'postgres' ? await createPostgresDatabase() : undefined;
    storage = await openStorage({
      dataDir: database ? dataDir : 'memory://',
      databaseUrl: database?.url,
      migrate: false,
    });
    cleanup = async () => {
      await storage.close();
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
    // The schema as version 0007 left it, holding text only.
    await migrate(storage.db, { through: '0007' });
    const avatar = newId();
    await storage.db.execute(sql`insert into users (id, email, password_hash, name)
      values (${owner}, 'old@example.org', 'x', 'Old')`);
    await storage.db.execute(sql`insert into avatars (id, owner_id, name, style, voice, memory)
      values (${avatar}, ${owner}, 'Aria', '{}'::jsonb, '{}'::jsonb, '{}'::jsonb)`);
    await storage.db.execute(sql`insert into conversations (id, owner_id, avatar_id)
      values (${conversation}, ${owner}, ${avatar})`);
    let parent: string | null = null;
    for (const [name, text] of Object.entries(TEXTS)) {
      await storage.db.execute(sql`insert into messages (id, conversation_id, owner_id, parent_id, role, content)
        values (${ids[name]!}, ${conversation}, ${owner}, ${parent}, 'assistant', ${text})`);
      parent = ids[name]!;
    }
    expect((await migrate(storage.db)).applied).toContain('0008');
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it('gives every message its exact text as one text part (an empty text as none)', async () => {
    const tree = await createMessageRepository(storage.db).tree(conversation);
    const byId = new Map(tree.map((message) => [message.id, message]));
    for (const [name, text] of Object.entries(TEXTS)) {
      const message = byId.get(ids[name]!)!;
      expect({ name, content: message.content }).toEqual({ name, content: text });
      expect({ name, parts: message.parts }).toEqual({
        name,
        parts: text === '' ? [] : [{ type: 'text', text }],
      });
      expect(textOfParts(message.parts)).toBe(text);
    }
    // The fast branch read (one JSON text on PGlite, array rows on PostgreSQL) decodes them the same.
    const path = await createMessageRepository(storage.db).branch(owner, ids.long!);
    expect(path.map((message) => message.parts)).toEqual(tree.map((message) => message.parts));
  });

  it('keeps the migrated text searchable', async () => {
    const page = await createMessageSearchRepository(storage.db).search(
      owner,
      { text: 'ünïcødé', prefix: null },
      {},
      { limit: 5 },
    );
    expect(page.rows.map((row) => row.id)).toEqual([ids.long]);
  });
});
