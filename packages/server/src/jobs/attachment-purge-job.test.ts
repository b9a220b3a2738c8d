import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryRows } from '../db/database.js';
import { attachmentUrl } from '../domain/attachment.js';
import { newId } from '../ids.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import { createTestApp } from '../test-support/app.js';
import { startChat } from '../test-support/conversations.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { waitFor } from './job-queue.conformance.js';
import type { JobQueue } from './job-queue.js';
import { createPgBossJobQueue } from './pg-boss-job-queue.js';

const fixture = (name: string) =>
  fs.readFileSync(new URL(`../attachments/fixtures/${name}`, import.meta.url));

/**
 * The `attachment-purge` job, scheduled by the app on the durable queue: attachments no message
 * uses are deleted once a day old; those a message uses, and younger ones, stay.
 */
describeStorage('the attachment purge job (%s)', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let jobs: JobQueue;
  let chat: Awaited<ReturnType<typeof startChat>>;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    jobs = createPgBossJobQueue({ db: storage.db, log: { warn: () => {} }, pollIntervalMs: 50 });
    app = (await createTestApp(storage, {}, undefined, undefined, jobs)).app;
    chat = await startChat(app, 'purge@example.org');
  });
  afterAll(async () => {
    await app?.close();
    await jobs?.stop({ drainMs: 0 });
    await storage?.close();
  });

  const upload = async (name: string) => {
    const data = new FormData();
    data.append('file', new Blob([new Uint8Array(fixture('notes.md'))]), name);
    const request = new Request('http://x/', { method: 'POST', body: data });
    const res = await app.inject({
      method: 'POST',
      url: '/api/attachments',
      headers: { ...chat.headers, 'content-type': request.headers.get('content-type')! },
      payload: Buffer.from(await request.arrayBuffer()),
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().attachment.id as string;
  };
  const exists = async (id: string) =>
    (await queryRows(storage.db, sql`select 1 from files where id = ${id}`)).length === 1;

  it('deletes day-old attachments no message uses, keeps used and recent ones', async () => {
    const oldUnused = await upload('old-unused.md');
    const oldUsed = await upload('old-used.md');
    const recent = await upload('recent.md');
    await createMessageRepository(storage.db).insertMany([
      {
        id: newId(),
        conversationId: chat.conversationId,
        ownerId: chat.userId,
        parentId: chat.greetingId,
        role: 'user',
        content: 'see file',
        parts: [
          { type: 'text', text: 'see file' },
          { type: 'file', url: attachmentUrl(oldUsed), mediaType: 'text/markdown', name: 'old-used.md' },
        ],
        status: 'complete',
      },
    ]);
    await storage.db.execute(
      sql`update files set created_at = now() - interval '25 hours' where id in (${oldUnused}, ${oldUsed})`,
    );

    await jobs.start(); // offers the first scheduled purge at once
    await waitFor(async () => !(await exists(oldUnused)), 'the purge job to delete the unused attachment');
    expect(await exists(oldUsed)).toBe(true);
    expect(await exists(recent)).toBe(true);
    const stats = (await jobs.stats()).find((s) => s.name === 'attachment-purge');
    expect(stats).toMatchObject({ failed: 0 });
  });
});
