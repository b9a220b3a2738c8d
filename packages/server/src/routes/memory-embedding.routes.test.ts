import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryRows } from '../db/database.js';
import { waitFor } from '../jobs/job-queue.conformance.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { createPgBossJobQueue } from '../jobs/pg-boss-job-queue.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { hashedEmbedding } from '../test-support/protocol-servers/hashed-embedding.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

const MODEL = 'ollama/all-minilm:latest';

/** GET /api/memories/embedding and POST /api/memories/embedding/rebuild on the whole app, with its job queue. */
describeStorage('memory embedding routes (%s)', (mode) => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  let jobs: JobQueue;
  let app: FastifyInstance;
  let withoutJobs: FastifyInstance;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    ollama = await new OllamaServer({ embeddingFunction: hashedEmbedding, embeddingDimensions: 24 }).listen();
    const env = { OLLAMA_BASE_URL: ollama.origin, LUMINA_OLLAMA_AUTODETECT: 'false' };
    jobs = createPgBossJobQueue({ db: storage.db, log: { warn: () => {} }, pollIntervalMs: 50 });
    app = (await createTestApp(storage, env, undefined, undefined, jobs)).app;
    await jobs.start();
    withoutJobs = (await createTestApp(storage, env)).app;
  });
  afterAll(async () => {
    await jobs?.stop({ drainMs: 0 });
    await app?.close();
    await withoutJobs?.close();
    await ollama?.close();
    await storage?.close();
  });

  const progress = async (cookie: string, on = app) => {
    const res = await on.inject({ method: 'GET', url: '/api/memories/embedding', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    return res.json();
  };

  async function remember(cookie: string, content: string) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/memories',
      headers: { ...CSRF, cookie },
      payload: { content, kind: 'fact' },
    });
    expect(res.statusCode).toBe(201);
  }

  it('needs a session', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/memories/embedding' })).statusCode).toBe(401);
    const res = await app.inject({ method: 'POST', url: '/api/memories/embedding/rebuild', headers: CSRF });
    expect(res.statusCode).toBe(401);
  });

  it('without a model: full text only, nothing running', async () => {
    const { cookie } = await signup(app, 'plain@example.org');
    await remember(cookie, 'Sam likes green tea');
    expect(await progress(cookie)).toEqual({
      model: null,
      dimensions: null,
      memories: { total: 1, embedded: 0 },
      messages: { total: 0, embedded: 0 },
      documents: { total: 0, embedded: 0 },
      running: false,
    });
  });

  it('choosing a model embeds in the background with progress; a reset rebuild embeds everything again', async () => {
    const { cookie, user } = await signup(app, 'sam@example.org');
    const other = await signup(app, 'other@example.org');
    for (const text of ['Sam lives in Lisbon', 'Sam has a cat named Miso', 'Sam plays the cello']) {
      await remember(cookie, text);
    }
    await remember(other.cookie, 'Other person fact');

    const changed = await app.inject({
      method: 'PATCH',
      url: '/api/settings/memory',
      headers: { ...CSRF, cookie },
      payload: { embeddingModel: MODEL },
    });
    expect(changed.statusCode).toBe(200);
    await waitFor(async () => (await progress(cookie)).memories.embedded === 3, 'the memories embedded');
    expect(await progress(cookie)).toEqual({
      model: MODEL,
      dimensions: 24,
      memories: { total: 3, embedded: 3 },
      messages: { total: 0, embedded: 0 },
      documents: { total: 0, embedded: 0 },
      running: false,
    });
    // The other user chose no model and their memory was not sent anywhere.
    expect((await progress(other.cookie)).memories).toEqual({ total: 1, embedded: 0 });
    const sent = ollama.requests
      .filter((r) => r.path === '/api/embed')
      .flatMap((r) => r.body.input as string[]);
    expect(sent).not.toContain('Other person fact');

    // The model behind the name now answers another size: new items wait, a reset rebuild fixes it.
    ollama.embeddingDimensions = 40;
    await remember(cookie, 'Sam moved to Porto');
    const rebuilt = await app.inject({
      method: 'POST',
      url: '/api/memories/embedding/rebuild',
      headers: { ...CSRF, cookie },
      payload: { reset: true },
    });
    expect(rebuilt.statusCode).toBe(202);
    expect(rebuilt.json()).toMatchObject({ model: MODEL, memories: { total: 4 }, running: true });
    await waitFor(
      async () => (await progress(cookie)).memories.embedded === 4,
      'the memories embedded again',
    );
    expect(await progress(cookie)).toMatchObject({ dimensions: 40, running: false });
    const dims = await queryRows<{ dims: number }>(
      storage.db,
      sql`select distinct array_length(embedding, 1) as dims from memories where owner_id = ${user.id}`,
    );
    expect(dims).toEqual([{ dims: 40 }]);

    // A plain rebuild (nothing pending) is accepted and changes nothing.
    const again = await app.inject({
      method: 'POST',
      url: '/api/memories/embedding/rebuild',
      headers: { ...CSRF, cookie },
    });
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ memories: { total: 4, embedded: 4 }, running: false });
  });

  it('refuses a bad body, and a rebuild on a server without the job queue', async () => {
    const { cookie } = await signup(app, 'edge@example.org');
    const bad = await app.inject({
      method: 'POST',
      url: '/api/memories/embedding/rebuild',
      headers: { ...CSRF, cookie },
      payload: { reset: 'yes' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_request');
    const unavailable = await withoutJobs.inject({
      method: 'POST',
      url: '/api/memories/embedding/rebuild',
      headers: { ...CSRF, cookie },
      payload: {},
    });
    expect(unavailable.statusCode).toBe(503);
    expect(unavailable.json().error.code).toBe('jobs_unavailable');
  });
});
