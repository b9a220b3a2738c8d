import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../ids.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import { createTestApp } from '../test-support/app.js';
import { startChat, storeStreamingReply } from '../test-support/conversations.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { createReplyRecoveryService } from './reply-recovery.service.js';

describeStorage('the reply recovery sweep (%s)', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let chat: Awaited<ReturnType<typeof startChat>>;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    app = (await createTestApp(storage)).app;
    chat = await startChat(app, 'sweep@example.org');
    // Only the sweep under test may run against these rows, not the app's own.
    await app.close();
  });
  afterAll(async () => {
    await storage?.close();
  });

  it("marks this process's orphaned replies and dead writers' replies interrupted, and nothing else", async () => {
    const messages = createMessageRepository(storage.db);
    const self = newId();
    const live = newId();
    const dead = newId();
    const streamingReply = (writerId: string, content: string) =>
      storeStreamingReply(messages, chat, writerId, content);
    const inFlight = await streamingReply(self, 'still being written here');
    // Its final write failed while the database was away, and the writer gave up retrying.
    const orphan = await streamingReply(self, 'saved before the outage');
    const otherLive = await streamingReply(live, 'written by a live instance');
    const leftByDead = await streamingReply(dead, 'left by a dead instance');
    await storage.writerLocks.hold(live);

    const recovery = createReplyRecoveryService({
      messages: createMessageRepository(storage.db),
      locks: storage.writerLocks,
      writerId: self,
      isWriting: (replyId) => replyId === inFlight.id,
      log: app.log,
    });
    try {
      await recovery.start();
      const status = async (id: string) => (await messages.findOwned(chat.userId, id))!;
      expect(await status(inFlight.id)).toMatchObject({ status: 'streaming' });
      expect(await status(otherLive.id)).toMatchObject({ status: 'streaming' });
      expect(await status(orphan.id)).toMatchObject({
        status: 'interrupted',
        content: 'saved before the outage',
        error: { code: 'interrupted' },
      });
      expect(await status(leftByDead.id)).toMatchObject({
        status: 'interrupted',
        content: 'left by a dead instance',
      });
    } finally {
      await recovery.stop();
      await storage.writerLocks.release(live);
      await messages.interruptReplies([inFlight.id, otherLive.id]);
    }
  });
});
