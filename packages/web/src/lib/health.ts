import type { HealthReport } from '@lumina/sdk';
import { useQuery } from '@tanstack/react-query';
import { useLuminaClient } from './lumina-client';

export const HEALTH_REFRESH_MS = 10_000;

/**
 * The server's /health report, refreshed every 10 s. A 503 still carries a report (status
 * "error"), so only an unreachable server or a malformed answer is an error here.
 */
export function useHealth() {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: ['health'],
    queryFn: async ({ signal }): Promise<HealthReport> => {
      // openapi-fetch puts a non-2xx body in `error`: a 503 report arrives there.
      const { data, error } = await lumina.GET('/health', { signal });
      const report = data ?? error;
      if (!report?.checks) throw new Error('The server answered /health without a report');
      return report;
    },
    refetchInterval: HEALTH_REFRESH_MS,
  });
}

export type HealthCheck = HealthReport['checks']['database'] | NonNullable<HealthReport['checks']['redis']>;

export const STORAGE_LABELS: Record<HealthReport['checks']['database']['kind'], string> = {
  pglite: 'Embedded PGlite',
  postgres: 'PostgreSQL',
};
