import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { newId } from '../ids.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import { createTestApp, FAST_ARGON2 } from '../test-support/app.js';
import { startChat, storeStreamingReply } from '../test-support/conversations.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { waitFor } from './job-queue.conformance.js';
import type { JobQueue } from './job-queue.js';
import { createPgBossJobQueue } from './pg-boss-job-queue.js';

/**
 * With a job queue, the cluster-wide half of reply recovery (replies whose writer died) is the
 * scheduled `reply-recovery` job after start-up, not every instance's timer: a writer that dies
 * once the app is running has its reply marked interrupted by the job, on whichever instance
 * takes it.
 */
describeStorage('the reply recovery job (%s)', (mode) => {
  let storage: TestStorage;
  let chat: Awaited<ReturnType<typeof startChat>>;
  let app: FastifyInstance | undefined;
  let jobs: JobQueue | undefined;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    const setup = (await createTestApp(storage)).app;
    chat = await startChat(setup, 'recovery-job@example.org');
    await setup.close();
  });
  afterAll(async () => {
    await app?.close();
    await jobs?.stop({ drainMs: 0 });
    await storage?.close();
  });

  it("marks a dead writer's streaming reply interrupted, and leaves a live writer's alone", async () => {
    const messages = createMessageRepository(storage.db);
    const live = newId();
    const status = async (id: string) => (await messages.findOwned(chat.userId, id))!;
    let otherLive: { id: string } | undefined;

    try {
      jobs = createPgBossJobQueue({ db: storage.db, log: { warn: () => {} }, pollIntervalMs: 50 });
      app = await buildApp({
        config: loadConfig(FAST_ARGON2),
        storage,
        serveWeb: false,
        logger: { level: 'warn', stream: new Writable({ write: (_chunk, _encoding, done) => done() }) },
        jobs,
      });
      await app.ready(); // runs the start-up sweep; the app's timer sweeps again only in 30 s
      // Writers that die after start-up: only the job can end their replies now.
      const leftByDead = await storeStreamingReply(messages, chat, newId(), 'left by a dead instance');
      otherLive = await storeStreamingReply(messages, chat, live, 'written by a live instance');
      await storage.writerLocks.hold(live);

      await jobs.start(); // offers the first scheduled job at once
      await waitFor(
        async () => (await status(leftByDead.id)).status === 'interrupted',
        'the recovery job to mark the reply',
      );
      expect(await status(leftByDead.id)).toMatchObject({
        status: 'interrupted',
        content: 'left by a dead instance',
        error: { code: 'interrupted' },
      });
      expect(await status(otherLive.id)).toMatchObject({ status: 'streaming' });
      const stats = (await jobs.stats()).find((s) => s.name === 'reply-recovery');
      expect(stats).toMatchObject({ failed: 0 });
      expect(stats!.completed).toBeGreaterThanOrEqual(1);
    } finally {
      await storage.writerLocks.release(live);
      if (otherLive) await messages.interruptReplies([otherLive.id]);
    }
  });
});
