import { type SQL, sql } from 'drizzle-orm';
import { type Database, queryRows } from '../db/database.js';

export const USAGE_GROUPS = ['model', 'day', 'avatar', 'purpose'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

/** Sums over one group of usage events (or all of them, for the totals). */
export interface UsageAggregate {
  /** Model id, UTC day (`YYYY-MM-DD`), avatar id or purpose; null for calls without an avatar. */
  key: string | null;
  /** The avatar's name, for `avatar` groups (null when it was deleted). */
  label: string | null;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** Of the calls with a known price. */
  costUsd: number;
  /** Calls of unknown cost: no price for the model, or no usage to price (local models cost 0). */
  unpricedCalls: number;
  avgTimeToFirstTokenMs: number | null;
  p50DurationMs: number | null;
  p95DurationMs: number | null;
  errors: number;
  cancelled: number;
}

const KEYS: Record<UsageGroup, SQL> = {
  model: sql`model`,
  day: sql`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD')`,
  avatar: sql`avatar_id::text`,
  purpose: sql`purpose`,
};

const ORDER: Record<UsageGroup, SQL> = {
  day: sql`g.key asc`,
  model: sql`g.cost_usd desc, g.calls desc, g.key asc`,
  avatar: sql`g.cost_usd desc, g.calls desc, g.key asc nulls last`,
  purpose: sql`g.cost_usd desc, g.calls desc, g.key asc`,
};

type Raw = {
  total: boolean;
  key: string | null;
  label: string | null;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  unpriced_calls: number;
  avg_ttft: number | null;
  p50: number | null;
  p95: number | null;
  errors: number;
  cancelled: number;
};

const toAggregate = (r: Raw): UsageAggregate => ({
  key: r.key,
  label: r.label,
  calls: Number(r.calls),
  inputTokens: Number(r.input_tokens),
  outputTokens: Number(r.output_tokens),
  costUsd: Number(r.cost_usd),
  unpricedCalls: Number(r.unpriced_calls),
  avgTimeToFirstTokenMs: r.avg_ttft === null ? null : Math.round(Number(r.avg_ttft)),
  p50DurationMs: r.p50 === null ? null : Math.round(Number(r.p50)),
  p95DurationMs: r.p95 === null ? null : Math.round(Number(r.p95)),
  errors: Number(r.errors),
  cancelled: Number(r.cancelled),
});

/** Aggregations over one user's usage events (the event log itself is usage.repository.ts). */
export function createUsageReportRepository(db: Database) {
  return {
    /** One row per group plus the totals, over [from, to). */
    async aggregate(
      userId: string,
      groupBy: UsageGroup,
      range: { from?: Date | undefined; to?: Date | undefined },
    ): Promise<{ rows: UsageAggregate[]; totals: UsageAggregate }> {
      const where: SQL[] = [sql`user_id = ${userId}`];
      if (range.from) where.push(sql`created_at >= ${range.from.toISOString()}`);
      if (range.to) where.push(sql`created_at < ${range.to.toISOString()}`);
      // Avatar names only for avatars the user can still see (theirs, or shared with everyone).
      const label =
        groupBy === 'avatar'
          ? sql`(select a.name from avatars a where a.id::text = g.key and (a.owner_id = ${userId} or a.visibility = 'instance'))`
          : sql`null::text`;
      // float8 casts: both drivers return bigint and numeric as strings.
      const rows = await queryRows<Raw>(
        db,
        sql`with g as (
              select grouping(${KEYS[groupBy]}) = 1 as total, ${KEYS[groupBy]} as key,
                     count(*)::int as calls,
                     coalesce(sum(input_tokens), 0)::float8 as input_tokens,
                     coalesce(sum(output_tokens), 0)::float8 as output_tokens,
                     coalesce(sum(cost_usd), 0)::float8 as cost_usd,
                     (count(*) filter (where cost_usd is null))::int as unpriced_calls,
                     avg(time_to_first_token_ms)::float8 as avg_ttft,
                     percentile_cont(0.5) within group (order by duration_ms) as p50,
                     percentile_cont(0.95) within group (order by duration_ms) as p95,
                     (count(*) filter (where status = 'error'))::int as errors,
                     (count(*) filter (where status = 'cancelled'))::int as cancelled
              from usage_events
              where ${sql.join(where, sql` and `)}
              group by grouping sets ((${KEYS[groupBy]}), ())
            )
            select g.*, ${label} as label from g
            order by g.total desc, ${ORDER[groupBy]}`,
      );
      // The empty grouping set yields the totals row even when no event matched.
      const totals = rows.find((r) => r.total);
      if (!totals) throw new Error('usage totals row missing');
      return {
        rows: rows.filter((r) => !r.total).map(toAggregate),
        totals: toAggregate({ ...totals, key: null, label: null }),
      };
    },
  };
}

export type UsageReportRepository = ReturnType<typeof createUsageReportRepository>;
