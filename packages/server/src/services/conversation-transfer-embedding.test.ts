import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../ids.js';
import { createAvatarRepository } from '../repositories/avatar.repository.js';
import { createUserRepository } from '../repositories/user.repository.js';
import { avatarRow } from '../test-support/avatar-rows.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { createConversationTransferService } from './conversation-transfer.service.js';

const chat = (text: string) =>
  Buffer.from(
    [
      JSON.stringify({ user_name: 'Me', character_name: 'Aria', chat_metadata: {} }),
      JSON.stringify({ name: 'Me', is_user: true, is_system: false, mes: text }),
      JSON.stringify({ name: 'Aria', is_user: false, is_system: false, mes: 'Noted.' }),
    ].join('\n'),
  );

describeStorage('conversation import and chat history recall (%s)', (mode) => {
  let storage: TestStorage;
  let userId: string;
  let avatarId: string;
  beforeAll(async () => {
    storage = await createTestStorage(mode);
    userId = (
      await createUserRepository(storage.db).create({ email: 'i@example.org', passwordHash: 'h', name: 'I' })
    ).id;
    avatarId = (
      await createAvatarRepository(storage.db).create({ ...avatarRow({ ownerId: userId }), id: newId() })
    ).id;
  });
  afterAll(() => storage?.close());

  it('asks for the imported messages to be embedded once something was imported, not for a failed file', async () => {
    const imported: string[] = [];
    const transfer = createConversationTransferService({
      db: storage.db,
      onImported: (id) => void imported.push(id),
    });
    const failed = await transfer.importFiles(userId, [{ fileName: 'bad.jsonl', bytes: Buffer.from('{') }], {
      avatarId,
    });
    expect(failed.map((r) => r.ok)).toEqual([false]);
    expect(imported).toEqual([]);
    const ok = await transfer.importFiles(
      userId,
      [{ fileName: 'trip.jsonl', bytes: chat('I fly to Oslo in May') }],
      {
        avatarId,
      },
    );
    expect(ok.map((r) => r.ok)).toEqual([true]);
    expect(imported).toEqual([userId]);
  });
});
