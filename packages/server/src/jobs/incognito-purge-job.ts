import { z } from 'zod';
import { BACKGROUND_JOBS } from './background-jobs.js';
import type { JobQueue } from './job-queue.js';

/** How often the purge runs (one job per interval across instances): an idle chat goes within this. */
export const INCOGNITO_PURGE_INTERVAL_MS = 5 * 60 * 1000;

/**
 * Schedules the end of incognito conversations nobody is using: those without activity (a
 * message, a change) for `idleMinutes` (CHAT_INCOGNITO_IDLE_MINUTES) are deleted with everything
 * they hold. Signing out ends them at once (services/auth.service.ts `onSignOut`); this catches
 * the sessions that end without one (a closed tab, an expired session). A failed run is simply
 * the next interval's work.
 */
export function registerIncognitoPurgeJob(
  jobs: JobQueue,
  conversations: { purgeIdleIncognito(idleBefore: Date): Promise<number> },
  idleMinutes: number,
  log?: { info(fields: object, message: string): void },
  now: () => Date = () => new Date(),
): void {
  jobs.register(BACKGROUND_JOBS.incognitoPurge, {
    schema: z.object({}),
    retryLimit: 0,
    timeoutMs: INCOGNITO_PURGE_INTERVAL_MS - 30_000,
    handler: async () => {
      const purged = await conversations.purgeIdleIncognito(new Date(now().getTime() - idleMinutes * 60_000));
      if (purged > 0) log?.info({ purged }, 'idle incognito conversations deleted');
    },
  });
  jobs.schedule(BACKGROUND_JOBS.incognitoPurge, { everyMs: INCOGNITO_PURGE_INTERVAL_MS });
}
