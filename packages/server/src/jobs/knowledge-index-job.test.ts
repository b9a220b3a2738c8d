import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { queryRows } from '../db/database.js';
import { createKnowledgeRepository, type KnowledgeRepository } from '../repositories/knowledge.repository.js';
import { createUserRepository } from '../repositories/user.repository.js';
import { createAvatarService } from '../services/avatar.service.js';
import { createKnowledgeService } from '../services/knowledge.service.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { textPdf } from '../test-support/text-pdf.js';
import { BACKGROUND_JOBS } from './background-jobs.js';
import { waitFor } from './job-queue.conformance.js';
import type { JobQueue } from './job-queue.js';
import { enqueueKnowledgeIndex, registerKnowledgeIndexJob } from './knowledge-index-job.js';
import { createPgBossJobQueue } from './pg-boss-job-queue.js';

/**
 * The `knowledge-index` job on the durable queue: it takes up a document a dead process left
 * `indexing`, asks for the new chunks' embedding, and its hourly run purges files an avatar's
 * deletion left behind.
 */
describeStorage('the knowledge index job (%s)', (mode) => {
  let storage: TestStorage;
  let jobs: JobQueue;
  let repository: KnowledgeRepository;
  let userId: string;
  let avatarId: string;
  const embedRequests: string[] = [];

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    repository = createKnowledgeRepository(storage.db);
    const avatars = createAvatarService({ db: storage.db });
    userId = (
      await createUserRepository(storage.db).create({ email: 'k@example.org', passwordHash: 'x', name: 'K' })
    ).id;
    avatarId = (await avatars.create(userId, { name: 'Reader' })).id;
    jobs = createPgBossJobQueue({ db: storage.db, log: { warn: () => {} }, pollIntervalMs: 50 });
    const knowledge = createKnowledgeService({
      avatars,
      knowledge: repository,
      queue: (user, document) => enqueueKnowledgeIndex(jobs, user, document),
    });
    registerKnowledgeIndexJob(jobs, knowledge);
    // The embedding job's queue, as memory-embed-job.ts declares it; here it only records the ask.
    jobs.register(BACKGROUND_JOBS.memoryEmbed, {
      schema: z.object({ userId: z.uuid() }),
      handler: async ({ userId: user }) => {
        embedRequests.push(user);
      },
    });
  });
  afterAll(async () => {
    await jobs?.stop({ drainMs: 0 });
    await storage?.close();
  });

  it('indexes a document a dead process left indexing, then asks for its embedding', async () => {
    const added = await repository.addDocuments(
      userId,
      avatarId,
      [
        {
          name: 'stranded.pdf',
          mediaType: 'application/pdf',
          bytes: textPdf([['Left half read.']]),
          sha256: 'x',
        },
      ],
      100,
    );
    if (!added.ok) throw new Error('not added');
    const id = added.documents[0]!.id;
    await repository.startIndexing(userId, id); // the process that took it died here
    // Orphaned knowledge files, as deleting an avatar leaves them.
    const doomed = await createAvatarService({ db: storage.db }).create(userId, { name: 'Doomed' });
    await repository.addDocuments(
      userId,
      doomed.id,
      [{ name: 'orphan.txt', mediaType: 'text/plain', bytes: Buffer.from('x'), sha256: 'x' }],
      100,
    );
    await storage.db.execute(sql`delete from avatars where id = ${doomed.id}`);

    await jobs.start(); // offers the scheduled purge at once
    await enqueueKnowledgeIndex(jobs, userId, id); // the retry
    await waitFor(
      async () => (await repository.findOwned(userId, avatarId, id))?.status === 'ready',
      'the stranded document to be indexed',
    );
    expect(await repository.chunksOwned(userId, id)).toEqual([
      { ord: 0, page: 1, content: 'Left half read.', avatarId },
    ]);
    await waitFor(() => embedRequests.includes(userId), 'the embedding to be asked for');
    await waitFor(
      async () =>
        (
          await queryRows<{ n: number }>(
            storage.db,
            sql`select count(*) as n from files f where f.kind = 'knowledge'
                and not exists (select 1 from knowledge_documents d where d.file_id = f.id)`,
          )
        ).every((row) => Number(row.n) === 0),
      'the orphaned file to be purged',
    );
    const stats = (await jobs.stats()).find((s) => s.name === BACKGROUND_JOBS.knowledgeIndex);
    expect(stats).toMatchObject({ failed: 0 });
  });
});
