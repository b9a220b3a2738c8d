import { z } from 'zod';
import { BACKGROUND_JOBS } from './background-jobs.js';
import type { JobQueue } from './job-queue.js';

/** How often the purge runs (one job per interval across instances). */
export const ATTACHMENT_PURGE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Schedules the purge of attachments that no message uses once they are a day old
 * (`AttachmentService.purgeUnused`): uploads a person dropped in the composer and never sent, and
 * those whose messages were deleted. One job per hour across the cluster; a failed run is simply
 * the next hour's work.
 */
export function registerAttachmentPurgeJob(
  jobs: JobQueue,
  attachments: { purgeUnused(): Promise<number> },
  log?: { info(fields: object, message: string): void },
): void {
  jobs.register(BACKGROUND_JOBS.attachmentPurge, {
    schema: z.object({}),
    retryLimit: 0,
    timeoutMs: 10 * 60 * 1000,
    handler: async () => {
      const purged = await attachments.purgeUnused();
      if (purged > 0) log?.info({ purged }, 'unused attachments deleted');
    },
  });
  jobs.schedule(BACKGROUND_JOBS.attachmentPurge, { everyMs: ATTACHMENT_PURGE_INTERVAL_MS });
}
