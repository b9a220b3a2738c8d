import { createTestStorage, describeStorage } from '../test-support/storage.js';
import { jobQueueConformance } from './job-queue.conformance.js';
import { createPgBossJobQueue } from './pg-boss-job-queue.js';

const log = { warn: () => {} };

/** pg-boss on the server's own database: the embedded PGlite and PostgreSQL. */
describeStorage('pg-boss job queue on %s', (mode) => {
  jobQueueConformance(async () => {
    const storage = await createTestStorage(mode);
    return {
      create: () => createPgBossJobQueue({ db: storage.db, log, pollIntervalMs: 50 }),
      close: () => storage.close(),
    };
  });
});
