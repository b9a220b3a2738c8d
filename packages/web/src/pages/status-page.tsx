import type { HealthReport } from '@lumina/sdk';
import clsx from 'clsx';
import {
  CircleAlert,
  CircleCheck,
  CircleX,
  Database,
  RefreshCw,
  RotateCcw,
  Server,
  WifiOff,
  Zap,
} from 'lucide-react';
import { type ReactNode, useEffect, useState } from 'react';
import { describeError, ErrorPanel } from '../components/error-panel';
import { PageHeader } from '../components/page-header';
import { Skeleton } from '../components/skeleton';
import { StatusBadge } from '../components/status-badge';
import { useDocumentTitle } from '../lib/document-title';
import { formatAge, formatDuration, formatLatency } from '../lib/format';
import { HEALTH_REFRESH_MS, type HealthCheck, STORAGE_LABELS, useHealth } from '../lib/health';

/** Every check from /health, refreshed every 10 s. */
export function StatusPage() {
  useDocumentTitle('Status');
  const health = useHealth();
  const report = health.data;

  return (
    <>
      <PageHeader
        title="System status"
        description={`Live health of this Lumina server, refreshed every ${HEALTH_REFRESH_MS / 1000} seconds.`}
        actions={
          report ? (
            <>
              <UpdatedAgo at={health.dataUpdatedAt} />
              <button
                type="button"
                className="btn-secondary"
                onClick={() => health.refetch()}
                disabled={health.isFetching}
              >
                <RefreshCw
                  className={clsx('size-4', health.isFetching && 'animate-spin')}
                  aria-hidden="true"
                />
                Refresh
              </button>
            </>
          ) : null
        }
      />

      {report ? (
        <div className="flex flex-col gap-6">
          {health.isError ? (
            <StaleBanner error={health.error} onRetry={() => health.refetch()} retrying={health.isFetching} />
          ) : null}
          <Overview report={report} />
          <section aria-labelledby="checks-heading">
            <h2 id="checks-heading" className="mb-3 font-semibold text-ink">
              Checks
            </h2>
            <ul className="grid gap-4 md:grid-cols-2">
              <CheckCard
                name="Database"
                purpose="Where Lumina keeps everything"
                icon={<Database className="size-5" aria-hidden="true" />}
                check={report.checks.database}
              >
                <Fact label="Storage">{STORAGE_LABELS[report.checks.database.kind]}</Fact>
                <Fact label="Vector search (pgvector)">
                  {report.checks.database.vector ? 'Available' : 'Not available'}
                </Fact>
              </CheckCard>
              {report.checks.redis ? (
                <CheckCard
                  name="Redis"
                  purpose="Shares state between instances"
                  icon={<Zap className="size-5" aria-hidden="true" />}
                  check={report.checks.redis}
                />
              ) : (
                <RedisNotConfigured />
              )}
            </ul>
          </section>
        </div>
      ) : health.isError ? (
        <ErrorPanel error={health.error} onRetry={() => health.refetch()} retryLabel="Retry" />
      ) : (
        <StatusSkeleton />
      )}
    </>
  );
}

function Overview({ report }: { report: HealthReport }) {
  const view = OVERVIEW[report.status];
  const Icon = view.icon;
  return (
    <section aria-label="Overview" className="card overflow-hidden">
      <div className={clsx('flex items-center gap-4 p-5 sm:p-6', view.band)}>
        <Icon className={clsx('size-8 shrink-0', view.iconClass)} aria-hidden="true" />
        <div>
          <p className="text-lg font-semibold text-ink">{view.title}</p>
          <p className="text-sm text-ink-muted">{view.text}</p>
        </div>
      </div>
      <dl className="grid grid-cols-2 divide-line border-t border-line sm:grid-cols-3 sm:divide-x">
        <Stat label="Version">
          <span className="font-mono">{report.version}</span>
        </Stat>
        <Stat label="Uptime">{formatDuration(report.uptimeSeconds)}</Stat>
        <Stat label="Storage" className="max-sm:col-span-2 max-sm:border-t max-sm:border-line">
          {STORAGE_LABELS[report.checks.database.kind]}
        </Stat>
      </dl>
    </section>
  );
}

/** How the overview band reads for each server status. */
const OVERVIEW = {
  ok: {
    icon: CircleCheck,
    band: 'bg-ok-soft/60',
    iconClass: 'text-ok',
    title: 'All systems operational',
    text: 'Lumina is ready to use.',
  },
  degraded: {
    icon: CircleAlert,
    band: 'bg-warn-soft/60',
    iconClass: 'text-warn',
    title: 'Running with reduced capacity',
    text: 'Everything works; a shared service is away, so this server uses its local fallbacks until it returns.',
  },
  error: {
    icon: CircleX,
    band: 'bg-bad-soft/60',
    iconClass: 'text-bad',
    title: 'Some checks are failing',
    text: 'Lumina may not work until the failing checks below recover.',
  },
} as const;

function Stat({ label, children, className }: { label: string; children: ReactNode; className?: string }) {
  return (
    <div className={clsx('px-5 py-4 sm:px-6', className)}>
      <dt className="text-xs font-medium text-ink-muted">{label}</dt>
      <dd className="mt-1 truncate font-semibold text-ink">{children}</dd>
    </div>
  );
}

function CheckCard({
  name,
  icon,
  check,
  purpose,
  children,
}: {
  name: string;
  purpose: string;
  icon: ReactNode;
  check: HealthCheck;
  children?: ReactNode;
}) {
  const ok = check.status === 'ok';
  return (
    <li className="card p-5">
      <div className="flex items-start gap-3">
        <span className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-surface-sunken text-ink-muted">
          {icon}
        </span>
        <div className="min-w-0 flex-1">
          <h3 className="font-medium text-ink">{name}</h3>
          <p className="text-sm text-ink-muted">{purpose}</p>
        </div>
        <StatusBadge tone={ok ? 'ok' : 'bad'}>{ok ? 'Operational' : 'Failing'}</StatusBadge>
      </div>
      <dl className="mt-4 divide-y divide-line border-t border-line text-sm">
        <Fact label="Latency">{formatLatency(check.latencyMs)}</Fact>
        {children}
        {check.message ? <Fact label="Details">{check.message}</Fact> : null}
      </dl>
    </li>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex items-baseline justify-between gap-4 py-2.5">
      <dt className="shrink-0 text-ink-muted">{label}</dt>
      <dd className="min-w-0 text-right font-medium break-words text-ink">{children}</dd>
    </div>
  );
}

function RedisNotConfigured() {
  return (
    <li className="card border-dashed p-5">
      <div className="flex items-start gap-3">
        <span className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-surface-sunken text-ink-muted">
          <Server className="size-5" aria-hidden="true" />
        </span>
        <div className="min-w-0 flex-1">
          <h3 className="font-medium text-ink">Redis</h3>
          <p className="text-sm text-ink-muted">Not configured</p>
        </div>
        <StatusBadge tone="neutral">Optional</StatusBadge>
      </div>
      <p className="mt-4 border-t border-line pt-3 text-sm text-ink-muted">
        Pub/sub, rate limits and background jobs run inside this process. Set{' '}
        <code className="font-mono text-[13px] text-ink">REDIS_URL</code> to share them between several
        instances.
      </p>
    </li>
  );
}

function StaleBanner({
  error,
  onRetry,
  retrying,
}: {
  error: unknown;
  onRetry: () => void;
  retrying: boolean;
}) {
  const { title } = describeError(error);
  return (
    <div
      role="alert"
      className="flex flex-col gap-3 rounded-xl border border-bad/30 bg-bad-soft p-4 sm:flex-row sm:items-center"
    >
      <WifiOff className="size-5 shrink-0 text-bad" aria-hidden="true" />
      <p className="flex-1 text-sm text-ink">
        <span className="font-medium">{title}.</span> Showing the last report received.
      </p>
      <button type="button" className="btn-secondary" onClick={onRetry} disabled={retrying}>
        <RotateCcw className="size-4" aria-hidden="true" />
        Retry
      </button>
    </div>
  );
}

function UpdatedAgo({ at }: { at: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return <span className="text-sm text-ink-subtle">Updated {formatAge(at, Math.max(now, at))}</span>;
}

function StatusSkeleton() {
  return (
    <div className="flex flex-col gap-6" aria-busy="true">
      <p className="sr-only" role="status">
        Loading system status…
      </p>
      <div className="card overflow-hidden">
        <div className="flex items-center gap-4 p-5 sm:p-6">
          <Skeleton className="size-8 rounded-full" />
          <div className="flex flex-col gap-2">
            <Skeleton className="h-5 w-52" />
            <Skeleton className="h-4 w-36" />
          </div>
        </div>
        <div className="grid grid-cols-2 gap-4 border-t border-line px-5 py-4 sm:grid-cols-3 sm:px-6">
          <Skeleton className="h-9 w-24" />
          <Skeleton className="h-9 w-24" />
          <Skeleton className="h-9 w-24" />
        </div>
      </div>
      <div className="grid gap-4 md:grid-cols-2">
        {[0, 1].map((key) => (
          <div key={key} className="card flex flex-col gap-4 p-5">
            <div className="flex items-center gap-3">
              <Skeleton className="size-10 rounded-lg" />
              <div className="flex flex-1 flex-col gap-2">
                <Skeleton className="h-4 w-24" />
                <Skeleton className="h-3.5 w-36" />
              </div>
            </div>
            <Skeleton className="h-4 w-full" />
            <Skeleton className="h-4 w-full" />
          </div>
        ))}
      </div>
    </div>
  );
}
