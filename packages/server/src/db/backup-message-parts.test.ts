import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MessagePart } from '../domain/message-parts.js';
import { createAvatarRepository } from '../repositories/avatar.repository.js';
import { createConversationRepository } from '../repositories/conversation.repository.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import { createUserRepository } from '../repositories/user.repository.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { backupDatabase, restoreDatabase } from './backup.js';
import { queryRows } from './database.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-backup-parts-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const RICH: MessagePart[] = [
  { type: 'reasoning', text: 'Think first.' },
  { type: 'text', text: 'Answer ✓' },
  { type: 'tool-call', toolCallId: 'c1', toolName: 'clock', input: { zone: 'UTC' } },
  { type: 'tool-result', toolCallId: 'c1', toolName: 'clock', output: '12:00', isError: false },
];

describeStorage('message parts through a backup on %s', (mode) => {
  let source: TestStorage;
  let target: TestStorage;
  let conversationId: string;
  const texts = ['Hello there', '', 'Ünïcode 🌌'];

  beforeAll(async () => {
    [source, target] = await Promise.all([createTestStorage(mode), createTestStorage(mode)]);
    const owner = await createUserRepository(source.db).create({
      email: 'b@example.org',
      passwordHash: 'x',
      name: 'B',
    });
    const avatar = await createAvatarRepository(source.db).create({
      ownerId: owner.id,
      name: 'A',
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
    conversationId = (
      await createConversationRepository(source.db).create({ ownerId: owner.id, avatarId: avatar.id })
    ).id;
    const messages = createMessageRepository(source.db);
    let parentId: string | null = null;
    for (const content of texts) {
      parentId = (
        await messages.insert({
          id: uuidv7(),
          conversationId,
          ownerId: owner.id,
          parentId,
          role: 'user',
          content,
        })
      ).id;
    }
    await messages.insert({
      id: uuidv7(),
      conversationId,
      ownerId: owner.id,
      parentId,
      role: 'assistant',
      parts: RICH,
    });
  });
  afterAll(async () => {
    await Promise.all([source?.close(), target?.close()]);
  });

  const partsIn = async (storage: TestStorage) =>
    (await createMessageRepository(storage.db).tree(conversationId)).map((m) => [m.content, m.parts]);

  const turnsIn = async (storage: TestStorage) =>
    (await createMessageRepository(storage.db).tree(conversationId)).map((m) => [
      m.role,
      m.turnId,
      m.speakerUserId !== null ? 'user' : m.speakerAvatarId !== null ? 'avatar' : null,
    ]);

  it('restores parts exactly', async () => {
    const file = path.join(dir, `now-${mode}`);
    await backupDatabase(source.db, file);
    await restoreDatabase(target.db, file, { force: true });
    expect(await partsIn(target)).toEqual(await partsIn(source));
  });

  it('gives the messages of a backup made before parts existed their text as one text part', async () => {
    const file = path.join(dir, `now-${mode}`);
    // The same backup as version 0007 wrote it: no parts column, the schema tag before 0008.
    const lines = zlib.gunzipSync(fs.readFileSync(file)).toString().trim().split('\n');
    const old = lines.flatMap((line, index) => {
      const value = JSON.parse(line) as { schema?: string; table?: string; rows?: Record<string, unknown>[] };
      if (index === 0) return [JSON.stringify({ ...value, schema: '0007' })];
      // 0007 had neither participants nor turns, speakers and token counts.
      if (value.table === 'conversation_participants') return [];
      if (value.table !== 'messages') return [line];
      return [
        JSON.stringify({
          ...value,
          rows: value.rows!.map(
            ({
              parts: _parts,
              turn_id: _turn,
              speaker_avatar_id: _avatar,
              speaker_user_id: _user,
              token_count: _count,
              token_counter: _counter,
              ...row
            }) => row,
          ),
        }),
      ];
    });
    const oldFile = path.join(dir, `old-${mode}`);
    fs.writeFileSync(oldFile, zlib.gzipSync(`${old.join('\n')}\n`));
    await restoreDatabase(target.db, oldFile, { force: true });
    expect(await partsIn(target)).toEqual([
      ...texts.map((text) => [text, text === '' ? [] : [{ type: 'text', text }]]),
      // A backup this old cannot hold parts; the text is what it had.
      ['Answer ✓', [{ type: 'text', text: 'Answer ✓' }]],
    ]);
    // Turns, speakers and participants computed as migration 0008 does for older rows: the root
    // opens a turn, each user message opens one, the reply is in its question's.
    const rows = await createMessageRepository(target.db).tree(conversationId);
    expect(await turnsIn(target)).toEqual([
      ['user', rows[0]!.id, 'user'],
      ['user', rows[1]!.id, 'user'],
      ['user', rows[2]!.id, 'user'],
      ['assistant', rows[2]!.id, 'avatar'],
    ]);
    const participants = await queryRows<{ role: string; kind: string }>(
      target.db,
      sql`select role, case when user_id is null then 'avatar' else 'user' end as kind
          from conversation_participants where conversation_id = ${conversationId} order by role`,
    );
    expect(participants.map((r) => [r.role, r.kind])).toEqual([
      ['owner', 'user'],
      ['participant', 'avatar'],
    ]);
  });
});
