import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import { avatarRow } from '../test-support/avatar-rows.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { createAvatarRepository } from './avatar.repository.js';
import { createConversationRepository } from './conversation.repository.js';
import { createMessageRepository } from './message.repository.js';
import { createReplyFlushBatch } from './reply-flush-batch.js';
import { createUserRepository } from './user.repository.js';

/** The storage's Drizzle handle, counting the statements sent through `execute` (and failing them on demand). */
function observed(db: Database) {
  const seen = { statements: 0, failNext: false };
  const wrapped = new Proxy(db, {
    get(target, key, receiver) {
      if (key !== 'execute') return Reflect.get(target, key, receiver);
      return (query: Parameters<Database['execute']>[0]) => {
        seen.statements++;
        if (seen.failNext) {
          seen.failNext = false;
          return Promise.reject(new Error('connection terminated'));
        }
        return target.execute(query);
      };
    },
  });
  return { db: wrapped, seen };
}

describeStorage('reply flush batch on %s', (mode) => {
  let storage: TestStorage;
  let chat: { ownerId: string; conversationId: string };
  beforeAll(async () => {
    storage = await createTestStorage(mode);
    const owner = await createUserRepository(storage.db).create({
      email: 'flush@example.org',
      passwordHash: 'x',
      name: 'Flush',
    });
    const {
      id: _id,
      createdAt: _c,
      updatedAt: _u,
      lastUsedAt: _l,
      ...avatar
    } = avatarRow({ ownerId: owner.id });
    const created = await createAvatarRepository(storage.db).create(avatar);
    const conversation = await createConversationRepository(storage.db).create({
      ownerId: owner.id,
      avatarId: created.id,
    });
    chat = { ownerId: owner.id, conversationId: conversation.id };
  });
  afterAll(() => storage?.close());

  const streamingReplies = async (count: number) => {
    const messages = createMessageRepository(storage.db);
    const rows = [];
    for (let i = 0; i < count; i++) {
      rows.push(
        await messages.insert({
          conversationId: chat.conversationId,
          ownerId: chat.ownerId,
          parentId: null,
          role: 'assistant',
          status: 'streaming',
          writerId: 'writer-a',
        }),
      );
    }
    return rows;
  };
  const read = (id: string) => createMessageRepository(storage.db).findOwned(chat.ownerId, id);

  it('writes every streaming reply pending in one statement, the newest text of each', async () => {
    const { db, seen } = observed(storage.db);
    const batch = createReplyFlushBatch({ db, intervalMs: 60_000 });
    const replies = await streamingReplies(25);
    const flushed = replies.flatMap((reply, i) => [
      batch.flush(reply.id, `older ${i}`),
      batch.flush(reply.id, `reply ${i}: the text so far`),
    ]);
    expect(batch.pendingCount()).toBe(25);
    await batch.drain();
    await Promise.all(flushed);
    expect(seen.statements).toBe(1);
    for (const [i, reply] of replies.entries()) {
      const row = await read(reply.id);
      expect(row?.content).toBe(`reply ${i}: the text so far`);
      expect(row?.parts).toEqual([{ type: 'text', text: `reply ${i}: the text so far` }]);
      expect(row?.status).toBe('streaming');
    }
    await batch.close();
  });

  it('tracks replies: each tick writes the ones whose parts moved, all in one statement', async () => {
    const { db, seen } = observed(storage.db);
    const batch = createReplyFlushBatch({ db, intervalMs: 60_000 });
    const replies = await streamingReplies(3);
    const sources = replies.map(() => {
      const list: { type: 'text'; text: string }[] = [];
      let version = 0;
      return {
        list: () => list,
        version: () => version,
        write(text: string) {
          if (list[0]) list[0].text += text;
          else list.push({ type: 'text', text });
          version++;
        },
      };
    });
    const handles = replies.map((reply, i) => batch.track(reply.id, sources[i]!));
    sources[0]!.write('first');
    sources[2]!.write('third');
    await batch.drain();
    expect(seen.statements).toBe(1);
    expect((await read(replies[0]!.id))?.content).toBe('first');
    expect((await read(replies[1]!.id))?.content).toBe('');
    expect((await read(replies[2]!.id))?.content).toBe('third');
    // Nothing moved: no statement at all.
    await batch.drain();
    expect(seen.statements).toBe(1);
    sources[0]!.write(' and more');
    await batch.drain();
    expect(seen.statements).toBe(2);
    expect((await read(replies[0]!.id))?.content).toBe('first and more');
    for (const handle of handles) await handle.stop();
    expect(batch.trackedCount()).toBe(0);
    sources[1]!.write('after stop');
    await batch.drain();
    expect(seen.statements).toBe(2);
    await batch.close();
  });

  it('writes on its own at the next tick', async () => {
    const batch = createReplyFlushBatch({ db: storage.db, intervalMs: 50 });
    const [reply] = await streamingReplies(1);
    await batch.flush(reply!.id, 'written by the tick');
    expect((await read(reply!.id))?.content).toBe('written by the tick');
    await batch.close();
  });

  it('stores parts in order, with content the text of the text parts', async () => {
    const batch = createReplyFlushBatch({ db: storage.db, intervalMs: 60_000 });
    const [reply] = await streamingReplies(1);
    const parts = [
      { type: 'reasoning' as const, text: 'thinking' },
      { type: 'text' as const, text: 'Hello' },
    ];
    const flushed = batch.flush(reply!.id, { parts });
    await batch.drain();
    await flushed;
    const row = await read(reply!.id);
    expect(row?.parts).toEqual(parts);
    expect(row?.content).toBe('Hello');
    await batch.close();
  });

  it('never overwrites a reply that was finished, and settle drops what is pending', async () => {
    const { db, seen } = observed(storage.db);
    const batch = createReplyFlushBatch({ db, intervalMs: 60_000 });
    const messages = createMessageRepository(storage.db);
    const [finished, settledReply] = await streamingReplies(2);
    await messages.finish(finished!.id, { content: 'the final text', status: 'complete', writerId: null });
    const late = batch.flush(finished!.id, 'an older text');
    const dropped = batch.flush(settledReply!.id, 'superseded by the finish');
    await batch.settle(settledReply!.id);
    await dropped;
    expect(batch.pendingCount()).toBe(1);
    await batch.drain();
    await late;
    expect(seen.statements).toBe(1);
    expect((await read(finished!.id))?.content).toBe('the final text');
    expect((await read(finished!.id))?.status).toBe('complete');
    expect((await read(settledReply!.id))?.content).toBe('');
    await batch.close();
  });

  it('tells the waiters when a write failed and writes the text again at the next tick', async () => {
    const { db, seen } = observed(storage.db);
    const batch = createReplyFlushBatch({ db, intervalMs: 60_000 });
    const [reply] = await streamingReplies(1);
    seen.failNext = true;
    const failed = batch.flush(reply!.id, 'kept for the retry');
    await batch.drain();
    await expect(failed).rejects.toThrow('connection terminated');
    expect(batch.pendingCount()).toBe(1);
    expect((await read(reply!.id))?.content).toBe('');
    await batch.drain();
    expect(seen.statements).toBe(2);
    expect((await read(reply!.id))?.content).toBe('kept for the retry');
    await batch.close();
  });
});
