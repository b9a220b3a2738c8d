import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { waitFor } from '../jobs/job-queue.conformance.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { createPgBossJobQueue } from '../jobs/pg-boss-job-queue.js';
import { CSRF, FAST_ARGON2, signup } from '../test-support/app.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

describeStorage('admin API for background jobs (%s)', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let jobs: JobQueue;
  let admin: Awaited<ReturnType<typeof signup>>;
  let member: Awaited<ReturnType<typeof signup>>;
  let healthy = false;
  const failed: string[] = [];

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    jobs = createPgBossJobQueue({ db: storage.db, log: { warn: () => {} }, pollIntervalMs: 50 });
    jobs.register('admin-test', {
      schema: z.object({ n: z.number() }),
      retryLimit: 0,
      handler: async () => {
        if (!healthy) throw new Error('the mail server refused the connection');
      },
    });
    app = await buildApp({
      config: loadConfig({ ...FAST_ARGON2, LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' }),
      storage,
      serveWeb: false,
      logger: { level: 'silent' },
      jobs,
    });
    await app.ready();
    await jobs.start();
    admin = await signup(app, 'admin@example.org');
    member = await signup(app, 'member@example.org');
    failed.push((await jobs.enqueue('admin-test', { n: 1 }))!, (await jobs.enqueue('admin-test', { n: 2 }))!);
    await waitFor(
      async () => (await jobs.stats()).find((q) => q.name === 'admin-test')?.failed === 2,
      'both jobs to fail',
    );
  });
  afterAll(async () => {
    await app?.close();
    await jobs?.stop({ drainMs: 0 });
    await storage?.close();
  });

  const call = (who: { cookie: string } | undefined, method: 'GET' | 'POST', url: string) =>
    app.inject({ method, url, headers: { ...CSRF, ...(who ? { cookie: who.cookie } : {}) } });

  it('lists every queue with its counts, the server jobs included', async () => {
    const res = await call(admin, 'GET', '/api/admin/jobs');
    expect(res.statusCode).toBe(200);
    const queues = res.json().queues as Array<{ name: string }>;
    expect(queues.map((q) => q.name)).toEqual([
      'admin-test',
      'attachment-purge',
      'conversation-summary',
      'conversation-title',
      'incognito-purge',
      'knowledge-index',
      'memory-embed',
      'memory-extract',
      'reply-recovery',
    ]);
    expect(queues[0]).toEqual({
      name: 'admin-test',
      waiting: 0,
      active: 0,
      completed: 0,
      failed: 2,
      delayed: 0,
    });
  });

  it('shows failures with their error', async () => {
    const res = await call(admin, 'GET', '/api/admin/jobs/admin-test/failures?limit=10');
    expect(res.statusCode).toBe(200);
    const failures = res.json().failures;
    expect(failures.map((f: { id: string }) => f.id).sort()).toEqual([...failed].sort());
    expect(failures[0]).toMatchObject({
      name: 'admin-test',
      error: 'the mail server refused the connection',
      attempts: 1,
      createdAt: expect.stringMatching(/Z$/),
    });
    expect((await call(admin, 'GET', '/api/admin/jobs/Not%20a%20queue/failures')).statusCode).toBe(400);
    expect((await call(admin, 'GET', '/api/admin/jobs/admin-test/failures?limit=0')).statusCode).toBe(400);
  });

  it('retries and discards a failed job; other jobs are 404 or 409', async () => {
    healthy = true;
    expect((await call(admin, 'POST', `/api/admin/jobs/${failed[0]}/retry`)).statusCode).toBe(204);
    await waitFor(
      async () => (await jobs.stats()).find((q) => q.name === 'admin-test')?.completed === 1,
      'the retried job to complete',
    );
    const again = await call(admin, 'POST', `/api/admin/jobs/${failed[0]}/retry`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('job_not_failed');

    expect((await call(admin, 'POST', `/api/admin/jobs/${failed[1]}/discard`)).statusCode).toBe(204);
    const gone = await call(admin, 'POST', `/api/admin/jobs/${failed[1]}/discard`);
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.code).toBe('job_not_found');
    // A path id that is not a UUID names nothing: 404, as for every path id.
    const malformed = await call(admin, 'POST', '/api/admin/jobs/not-a-uuid/retry');
    expect(malformed.statusCode).toBe(404);
    expect(malformed.json().error.code).toBe('job_not_found');
    expect((await call(admin, 'GET', '/api/admin/jobs/admin-test/failures')).json().failures).toEqual([]);
  });

  it('is for administrators only', async () => {
    for (const [method, url] of [
      ['GET', '/api/admin/jobs'],
      ['GET', '/api/admin/jobs/admin-test/failures'],
      ['POST', `/api/admin/jobs/${failed[0]}/retry`],
      ['POST', `/api/admin/jobs/${failed[0]}/discard`],
    ] as const) {
      const asMember = await call(member, method, url);
      expect(asMember.statusCode).toBe(403);
      expect(asMember.json().error.code).toBe('admin_only');
      expect((await call(undefined, method, url)).statusCode).toBe(401);
    }
  });
});
