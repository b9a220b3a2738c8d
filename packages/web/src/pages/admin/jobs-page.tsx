import type { components } from '@lumina/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { RotateCcw, Trash2 } from 'lucide-react';
import { useId, useState } from 'react';
import { ErrorPanel } from '../../components/error-panel';
import { FormAlert } from '../../components/form-alert';
import { PageHeader } from '../../components/page-header';
import { Skeleton } from '../../components/skeleton';
import { StatusBadge } from '../../components/status-badge';
import { friendlyMessage } from '../../lib/api-errors';
import { useDocumentTitle } from '../../lib/document-title';
import { formatDateTime } from '../../lib/format';
import { useLuminaClient } from '../../lib/lumina-client';

type QueueStats = components['schemas']['JobQueueStats'];
type JobFailure = components['schemas']['JobFailure'];

export const ADMIN_JOBS_QUERY_KEY = ['admin', 'jobs'] as const;
const COUNTS: Array<{ key: keyof Omit<QueueStats, 'name'>; label: string }> = [
  { key: 'waiting', label: 'Waiting' },
  { key: 'active', label: 'Running' },
  { key: 'delayed', label: 'Delayed' },
  { key: 'completed', label: 'Completed' },
  { key: 'failed', label: 'Failed' },
];
/** Counts move on their own (jobs run in the background): the page follows them. */
const REFRESH_MS = 5000;

/** What each of the server's own queues does, for the people reading the page. */
const QUEUE_DESCRIPTIONS: Record<string, string> = {
  'conversation-summary': 'Summaries of long conversations, so replies keep their context.',
  'conversation-title': 'Automatic titles after the first exchange of a conversation.',
};

/** /admin/jobs: background job queues with their counts, and the jobs that failed, to retry or discard. */
export function AdminJobsPage() {
  useDocumentTitle('Background jobs');
  const lumina = useLuminaClient();
  const queues = useQuery({
    queryKey: ADMIN_JOBS_QUERY_KEY,
    queryFn: async ({ signal }): Promise<QueueStats[]> =>
      (await lumina.GET('/api/admin/jobs', { signal })).data?.queues ?? [],
    refetchInterval: REFRESH_MS,
  });

  return (
    <>
      <PageHeader
        title="Background jobs"
        description="Work the server does after a reply — summaries, titles — kept in the database, so it survives restarts and is retried when it fails."
      />
      {queues.data ? (
        queues.data.length === 0 ? (
          <p className="card p-6 text-ink-muted">No background jobs have been set up on this server yet.</p>
        ) : (
          <div className="flex flex-col gap-6">
            {queues.data.map((queue) => (
              <QueueCard key={queue.name} queue={queue} />
            ))}
          </div>
        )
      ) : queues.isError ? (
        <ErrorPanel error={queues.error} onRetry={() => queues.refetch()} retryLabel="Retry" />
      ) : (
        <div
          className="flex flex-col gap-6"
          role="status"
          aria-busy="true"
          aria-label="Loading background jobs"
        >
          <Skeleton className="h-32 w-full" />
          <Skeleton className="h-32 w-full" />
        </div>
      )}
    </>
  );
}

function QueueCard({ queue }: { queue: QueueStats }) {
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="card flex flex-col gap-4 p-5 sm:p-6">
      <div className="flex flex-wrap items-center gap-3">
        <h2 id={headingId} className="font-mono text-base font-semibold break-all text-ink">
          {queue.name}
        </h2>
        {queue.failed > 0 ? (
          <StatusBadge tone="bad">{queue.failed} failed</StatusBadge>
        ) : (
          <StatusBadge tone="ok">No failures</StatusBadge>
        )}
      </div>
      {QUEUE_DESCRIPTIONS[queue.name] ? (
        <p className="-mt-2 text-sm text-ink-muted">{QUEUE_DESCRIPTIONS[queue.name]}</p>
      ) : null}
      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-5">
        {COUNTS.map(({ key, label }) => (
          <div key={key} className="rounded-lg bg-surface-sunken/60 px-3 py-2">
            <dt className="text-xs text-ink-muted">{label}</dt>
            <dd className="text-lg font-semibold tabular-nums text-ink">{queue[key]}</dd>
          </div>
        ))}
      </dl>
      {queue.failed > 0 ? <FailureList queue={queue.name} /> : null}
    </section>
  );
}

function FailureList({ queue }: { queue: string }) {
  const lumina = useLuminaClient();
  const failures = useQuery({
    queryKey: [...ADMIN_JOBS_QUERY_KEY, queue, 'failures'],
    queryFn: async ({ signal }): Promise<JobFailure[]> =>
      (
        await lumina.GET('/api/admin/jobs/{queue}/failures', {
          params: { path: { queue }, query: { limit: 50 } },
          signal,
        })
      ).data?.failures ?? [],
  });
  if (failures.isError) return <FormAlert>{friendlyMessage(failures.error)}</FormAlert>;
  if (!failures.data) return <Skeleton className="h-16 w-full" />;
  return (
    <ul
      className="flex flex-col divide-y divide-line rounded-lg border border-line"
      aria-label={`Failed ${queue} jobs`}
    >
      {failures.data.map((failure) => (
        <FailureRow key={failure.id} failure={failure} />
      ))}
    </ul>
  );
}

function FailureRow({ failure }: { failure: JobFailure }) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const [done, setDone] = useState<string | null>(null);
  const act = useMutation({
    mutationFn: async (action: 'retry' | 'discard') => {
      const path = action === 'retry' ? '/api/admin/jobs/{id}/retry' : '/api/admin/jobs/{id}/discard';
      await lumina.POST(path, { params: { path: { id: failure.id } } });
      return action;
    },
    onSuccess: (action) => {
      setDone(action === 'retry' ? 'Queued again' : 'Discarded');
      void queryClient.invalidateQueries({ queryKey: ADMIN_JOBS_QUERY_KEY });
    },
  });
  return (
    <li className="flex flex-col gap-2 p-4 sm:flex-row sm:items-start sm:gap-4">
      <div className="min-w-0 flex-1">
        <p className="font-medium break-words text-bad">{failure.error}</p>
        <p className="mt-1 text-xs text-ink-muted">
          {failure.attempts} {failure.attempts === 1 ? 'attempt' : 'attempts'}
          {failure.failedAt ? ` · failed ${formatDateTime(failure.failedAt)}` : ''} ·{' '}
          <span className="font-mono break-all">{failure.id}</span>
        </p>
        {act.isError ? <FormAlert>{friendlyMessage(act.error)}</FormAlert> : null}
      </div>
      {done ? (
        <p role="status" className="text-sm text-ink-muted">
          {done}
        </p>
      ) : (
        <div className="flex shrink-0 gap-2">
          <button
            type="button"
            className="btn-secondary"
            disabled={act.isPending}
            onClick={() => act.mutate('retry')}
            aria-label={`Retry job ${failure.id}`}
          >
            <RotateCcw className="size-4" aria-hidden="true" />
            Retry
          </button>
          <button
            type="button"
            className="btn-secondary"
            disabled={act.isPending}
            onClick={() => act.mutate('discard')}
            aria-label={`Discard job ${failure.id}`}
          >
            <Trash2 className="size-4" aria-hidden="true" />
            Discard
          </button>
        </div>
      )}
    </li>
  );
}
