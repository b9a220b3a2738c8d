import { z } from 'zod';
import { USAGE_GROUPS, type UsageAggregate } from '../repositories/usage-report.repository.js';
import type { UsageReport } from '../services/usage-report.service.js';

const usageFields = {
  calls: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  costUsd: z.number().describe('Sum over the calls of known cost'),
  unpricedCalls: z
    .number()
    .int()
    .describe('Calls of unknown cost (no price for the model, or no usage reported)'),
  avgTimeToFirstTokenMs: z.number().int().nullable().describe('Over streamed calls that produced text'),
  p50DurationMs: z.number().int().nullable(),
  p95DurationMs: z.number().int().nullable(),
  errors: z.number().int(),
  cancelled: z.number().int(),
};

export const usageRowDto = z
  .object({
    key: z
      .string()
      .nullable()
      .describe('Model id, UTC day (YYYY-MM-DD), avatar id or purpose; null = calls without an avatar'),
    label: z.string().nullable().describe("The avatar's name when grouped by avatar"),
    ...usageFields,
  })
  .meta({ id: 'UsageRow' });

export const usageReportDto = z
  .object({
    groupBy: z.enum(USAGE_GROUPS),
    from: z.iso.datetime().nullable(),
    to: z.iso.datetime().nullable(),
    rows: z.array(usageRowDto),
    totals: z.object(usageFields).meta({ id: 'UsageTotals' }),
  })
  .meta({ id: 'UsageReport' });

export type UsageReportDto = z.infer<typeof usageReportDto>;

function fields({ key: _key, label: _label, ...rest }: UsageAggregate) {
  return rest;
}

export function toUsageReportDto(report: UsageReport): UsageReportDto {
  return {
    groupBy: report.groupBy,
    from: report.from?.toISOString() ?? null,
    to: report.to?.toISOString() ?? null,
    rows: report.rows.map((row) => ({ key: row.key, label: row.label, ...fields(row) })),
    totals: fields(report.totals),
  };
}
