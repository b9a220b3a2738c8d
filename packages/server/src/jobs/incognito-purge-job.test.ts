import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryRows } from '../db/database.js';
import { createTestApp } from '../test-support/app.js';
import { startChat } from '../test-support/conversations.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { waitFor } from './job-queue.conformance.js';
import type { JobQueue } from './job-queue.js';
import { createPgBossJobQueue } from './pg-boss-job-queue.js';

/**
 * The `incognito-purge` job, scheduled by the app on the durable queue: incognito conversations
 * idle longer than CHAT_INCOGNITO_IDLE_MINUTES are deleted with their messages; recent ones, and
 * ordinary conversations however old, stay.
 */
describeStorage('the incognito purge job (%s)', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let jobs: JobQueue;
  let chat: Awaited<ReturnType<typeof startChat>>;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    jobs = createPgBossJobQueue({ db: storage.db, log: { warn: () => {} }, pollIntervalMs: 50 });
    app = (await createTestApp(storage, { CHAT_INCOGNITO_IDLE_MINUTES: '30' }, undefined, undefined, jobs))
      .app;
    chat = await startChat(app, 'purge@example.org');
  });
  afterAll(async () => {
    await app?.close();
    await jobs?.stop({ drainMs: 0 });
    await storage?.close();
  });

  const start = async (incognito: boolean) => {
    const avatarId = (await app.inject({ method: 'GET', url: '/api/avatars', headers: chat.headers })).json()
      .avatars[0].id;
    const res = await app.inject({
      method: 'POST',
      url: '/api/conversations',
      headers: chat.headers,
      payload: { avatarId, incognito },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().conversation.id as string;
  };
  /** Moves a conversation's last activity `minutes` into the past. */
  const idle = (id: string, minutes: number) =>
    storage.db.execute(
      sql`update conversations
          set created_at = now() - make_interval(mins => ${minutes}),
              updated_at = now() - make_interval(mins => ${minutes}),
              last_message_at = now() - make_interval(mins => ${minutes})
          where id = ${id}`,
    );
  const exists = async (id: string) =>
    (await queryRows(storage.db, sql`select 1 from conversations where id = ${id}`)).length === 1;
  const messages = async (id: string) =>
    (
      await queryRows<{ n: number }>(
        storage.db,
        sql`select count(*)::int as n from messages where conversation_id = ${id}`,
      )
    )[0]!.n;

  it('deletes incognito conversations idle past the limit, keeps recent ones and ordinary ones', async () => {
    const stale = await start(true);
    const recent = await start(true);
    const oldPlain = await start(false);
    expect(await messages(stale)).toBeGreaterThan(0); // the greeting
    await idle(stale, 31);
    await idle(recent, 29);
    await idle(oldPlain, 60 * 24 * 30);

    await jobs.start(); // offers the first scheduled purge at once
    await waitFor(async () => !(await exists(stale)), 'the purge job to delete the idle incognito chat');
    expect(await messages(stale)).toBe(0);
    expect(await exists(recent)).toBe(true);
    expect(await exists(oldPlain)).toBe(true);
    expect(await exists(chat.conversationId)).toBe(true);
    const stats = (await jobs.stats()).find((s) => s.name === 'incognito-purge');
    expect(stats).toMatchObject({ failed: 0 });
  });
});
