/**
 * A server-like process for the jobs SIGKILL test (jobs/job-queue-crash.test.ts): opens the
 * database the way the server does, runs the `crash-job` queue and reports on stdout.
 * argv[2] is JSON: { dataDir, databaseUrl?, role: 'hang' | 'finish', enqueue?: boolean }.
 * 'hang' takes the job and never finishes it (the test kills the process); 'finish' completes it.
 */
import { z } from 'zod';
import { openStorage } from '../db/storage.js';
import { createPgBossJobQueue } from '../jobs/pg-boss-job-queue.js';

/** One line on stdout: the parent test reads the worker's progress from it. */
const say = (line: string) => process.stdout.write(`${line}\n`);

const args = JSON.parse(process.argv[2]!) as {
  dataDir: string;
  databaseUrl?: string;
  role: 'hang' | 'finish';
  enqueue?: boolean;
};
const storage = await openStorage({ dataDir: args.dataDir, databaseUrl: args.databaseUrl });
const queue = createPgBossJobQueue({
  db: storage.db,
  log: { warn: (obj, msg) => console.error(msg, obj) },
  pollIntervalMs: 100,
  maintenanceIntervalSeconds: 1,
});
let finished: () => void = () => {};
const done = new Promise<void>((resolve) => {
  finished = resolve;
});
queue.register('crash-job', {
  schema: z.object({ text: z.string() }),
  timeoutMs: 1000, // the lease: a dead holder loses the job about two seconds later
  retryLimit: 2,
  backoff: { delayMs: 0 },
  handler: async (data, { jobId, attempt }) => {
    say(`working ${jobId} attempt ${attempt} ${data.text}`);
    if (args.role === 'hang') await new Promise(() => {}); // until SIGKILL
    say(`finished ${jobId} attempt ${attempt}`);
    finished();
  },
});
await queue.start();
if (args.enqueue) say(`enqueued ${await queue.enqueue('crash-job', { text: 'survive' })}`);
await done;
await queue.stop();
await storage.close();
say('closed');
