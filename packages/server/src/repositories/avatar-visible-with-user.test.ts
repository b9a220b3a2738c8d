import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { createAvatarRepository } from './avatar.repository.js';
import { createUserRepository } from './user.repository.js';

// findVisibleWithUser is a prepared statement (built once, reused with other values): each call
// must still answer for its own user and avatar.
describeStorage('the avatar + user read of a turn on %s', (mode) => {
  let storage: TestStorage;
  beforeAll(async () => {
    storage = await createTestStorage(mode);
  });
  afterAll(() => storage?.close());

  it('gives the avatar only to a user who may see it, with that user’s names, call after call', async () => {
    const users = createUserRepository(storage.db);
    const ada = await users.create({ email: 'ada@example.org', passwordHash: 'x', name: 'Ada' });
    const bo = await users.create({ email: 'bo@example.org', passwordHash: 'x', name: 'Bo' });
    await users.update(bo.id, { preferredName: 'Bobby' });
    const avatars = createAvatarRepository(storage.db);
    const base = {
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
      memory: { enabled: true, scope: 'private' as const },
    };
    const secret = await avatars.create({ ...base, ownerId: ada.id, name: 'Secret' });
    const shared = await avatars.create({ ...base, ownerId: ada.id, name: 'Shared', visibility: 'instance' });

    const read = (userId: string, avatarId: string) =>
      avatars
        .findVisibleWithUser(userId, avatarId)
        .then((found) => (found ? { avatar: found.avatar?.name ?? null, user: found.user } : undefined));
    expect(await read(ada.id, secret.id)).toEqual({
      avatar: 'Secret',
      user: { name: 'Ada', preferredName: null },
    });
    expect(await read(bo.id, secret.id)).toEqual({
      avatar: null,
      user: { name: 'Bo', preferredName: 'Bobby' },
    });
    expect(await read(bo.id, shared.id)).toEqual({
      avatar: 'Shared',
      user: { name: 'Bo', preferredName: 'Bobby' },
    });
    expect(await read(ada.id, shared.id)).toMatchObject({ avatar: 'Shared' });
    expect(await read(uuidv7(), shared.id)).toBeUndefined();
  });
});
