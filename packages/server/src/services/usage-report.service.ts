import type { Database } from '../db/database.js';
import {
  createUsageReportRepository,
  type UsageAggregate,
  type UsageGroup,
} from '../repositories/usage-report.repository.js';

export interface UsageReport {
  groupBy: UsageGroup;
  from: Date | null;
  to: Date | null;
  rows: UsageAggregate[];
  totals: UsageAggregate;
}

/** What a user's model calls cost and how fast they were, grouped as asked. */
export function createUsageReportService(deps: { db: Database }) {
  const reports = createUsageReportRepository(deps.db);
  return {
    async report(
      userId: string,
      input: { groupBy: UsageGroup; from?: Date | undefined; to?: Date | undefined },
    ): Promise<UsageReport> {
      const { rows, totals } = await reports.aggregate(userId, input.groupBy, input);
      return { groupBy: input.groupBy, from: input.from ?? null, to: input.to ?? null, rows, totals };
    },
  };
}

export type UsageReportService = ReturnType<typeof createUsageReportService>;
