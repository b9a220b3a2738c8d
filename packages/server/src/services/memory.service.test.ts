import { afterAll, beforeAll, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { createMemoryRepository } from '../repositories/memory.repository.js';
import { createUserRepository } from '../repositories/user.repository.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { createMemoryService, memoryContent } from './memory.service.js';
import { createMemorySettingsService } from './memory-settings.service.js';
import { createSettingsService } from './settings.service.js';

describeStorage('memory service on %s', (mode) => {
  let storage: TestStorage;
  let userId: string;
  beforeAll(async () => {
    storage = await createTestStorage(mode);
    userId = (
      await createUserRepository(storage.db).create({ email: 'm@example.org', passwordHash: 'h', name: 'M' })
    ).id;
  });
  afterAll(() => storage?.close());

  const codeOf = async (promise: Promise<unknown>) => {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).code;
  };

  it('refuses a memory past the per-user limit, counting history too', async () => {
    const memories = createMemoryService({ db: storage.db, itemsPerUser: 2 });
    const first = await memories.create(userId, { content: 'One', kind: 'fact' });
    await createMemoryRepository(storage.db).invalidate(userId, first.id);
    await memories.create(userId, { content: 'Two', kind: 'fact' });
    expect(await codeOf(memories.create(userId, { content: 'Three', kind: 'fact' }))).toBe(
      'memory_limit_reached',
    );
    await memories.remove(userId, first.id);
    expect((await memories.create(userId, { content: 'Three', kind: 'fact' })).content).toBe('Three');
  });

  it('asks for a vector when a text is written or changed, not for a pin or a kind', async () => {
    const written: string[] = [];
    const memories = createMemoryService({ db: storage.db, onTextWritten: (id) => void written.push(id) });
    const item = await memories.create(userId, { content: 'Plays the cello', kind: 'fact' });
    expect(written).toEqual([userId]);
    await memories.update(userId, item.id, { pinned: true, kind: 'preference' });
    await memories.update(userId, item.id, { content: 'Plays the cello' });
    expect(written).toEqual([userId]);
    await memories.update(userId, item.id, { content: 'Plays the cello and the piano' });
    expect(written).toEqual([userId, userId]);
    await memories.remove(userId, item.id);
  });

  it('holds the content rules for every caller, not only HTTP', () => {
    expect(memoryContent('  Likes tea \n')).toBe('Likes tea');
    expect(() => memoryContent(' \t ')).toThrow(AppError);
    expect(() => memoryContent('a\u0000b')).toThrow(/U\+0000/);
    expect(() => memoryContent('\ud800 lone')).toThrow(AppError);
    expect(() => memoryContent('x'.repeat(501))).toThrow(/500/);
    expect(memoryContent('x'.repeat(500))).toHaveLength(500);
  });

  it('tells the embedding job when the embedding model changes, or recall comes back on with one set', async () => {
    const settings = createSettingsService({ db: storage.db, systemLocalOnly: false });
    const changed: string[] = [];
    const memorySettings = createMemorySettingsService({
      settings,
      onEmbeddingModelChanged: (id) => {
        changed.push(id);
      },
    });
    expect(await memorySettings.memorySettingsFor(userId)).toEqual({
      enabled: true,
      extractionModel: null,
      embeddingModel: null,
      recallMessages: true,
    });
    await memorySettings.update(userId, { recallMessages: false, extractionModel: 'ollama/llama3.2' });
    expect(changed).toEqual([]);
    await memorySettings.update(userId, { embeddingModel: 'ollama/nomic-embed-text' });
    expect(changed).toEqual([userId]);
    await memorySettings.update(userId, { embeddingModel: 'ollama/nomic-embed-text', enabled: false });
    expect(changed).toEqual([userId]);
    await memorySettings.update(userId, { embeddingModel: null });
    expect(changed).toEqual([userId, userId]);
    expect(await memorySettings.memorySettingsFor(userId)).toEqual({
      enabled: false,
      extractionModel: 'ollama/llama3.2',
      embeddingModel: null,
      recallMessages: false,
    });
    // Without a callback (no embedding job wired) a change is simply stored.
    await createMemorySettingsService({ settings }).update(userId, {
      embeddingModel: 'openai/text-embedding-3-small',
    });
    expect((await memorySettings.memorySettingsFor(userId)).embeddingModel).toBe(
      'openai/text-embedding-3-small',
    );
    // Memory, then history recall, turned back on with a model set: what was said meanwhile is embedded.
    changed.length = 0;
    await memorySettings.update(userId, { enabled: true });
    await memorySettings.update(userId, { recallMessages: true });
    await memorySettings.update(userId, { recallMessages: true });
    expect(changed).toEqual([userId, userId]);
  });
});
