import type { components } from '@lumina/sdk';
import { LuminaApiError } from '@lumina/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Monitor, Smartphone, Tablet, Terminal } from 'lucide-react';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorPanel } from '../../components/error-panel';
import { PageHeader } from '../../components/page-header';
import { Skeleton } from '../../components/skeleton';
import { StatusBadge } from '../../components/status-badge';
import { friendlyMessage, serverErrorRequestId } from '../../lib/api-errors';
import { useDocumentTitle } from '../../lib/document-title';
import { formatDateTime, formatRelativeTime } from '../../lib/format';
import { useLuminaClient } from '../../lib/lumina-client';
import { type DeviceDescription, describeUserAgent } from '../../lib/user-agent';

type Session = components['schemas']['Session'];

export const SESSIONS_QUERY_KEY = ['sessions'] as const;

const DEVICE_ICONS: Record<DeviceDescription['kind'], typeof Monitor> = {
  desktop: Monitor,
  phone: Smartphone,
  tablet: Tablet,
  other: Terminal,
};

/** /settings/sessions: every browser signed in to this account, with a way to sign one out. */
export function SessionsPage() {
  useDocumentTitle('Sessions');
  const lumina = useLuminaClient();
  const sessions = useQuery({
    queryKey: SESSIONS_QUERY_KEY,
    queryFn: async ({ signal }) => {
      const { data } = await lumina.GET('/api/auth/sessions', { signal });
      // This device first, then the most recently active.
      return [...(data?.sessions ?? [])].sort(
        (a, b) =>
          Number(b.current) - Number(a.current) || Date.parse(b.lastSeenAt) - Date.parse(a.lastSeenAt),
      );
    },
  });
  const [revoking, setRevoking] = useState<Session | null>(null);

  return (
    <>
      <PageHeader
        title="Sessions"
        description="The browsers and devices signed in to your account. If you don’t recognise one, revoke it and change your password."
      />
      {sessions.data ? (
        <section aria-label="Active sessions" className="card">
          <ul className="divide-y divide-line">
            {sessions.data.map((session) => (
              <SessionRow key={session.id} session={session} onRevoke={() => setRevoking(session)} />
            ))}
          </ul>
        </section>
      ) : sessions.isError ? (
        <ErrorPanel error={sessions.error} onRetry={() => sessions.refetch()} retryLabel="Retry" />
      ) : (
        <SessionsSkeleton />
      )}
      <RevokeSessionDialog session={revoking} onClose={() => setRevoking(null)} />
    </>
  );
}

function SessionRow({ session, onRevoke }: { session: Session; onRevoke: () => void }) {
  const device = describeUserAgent(session.userAgent);
  const Icon = DEVICE_ICONS[device.kind];
  return (
    <li className="flex flex-wrap items-center gap-x-4 gap-y-3 px-5 py-4 sm:flex-nowrap sm:px-6">
      <span className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-surface-sunken text-ink-muted">
        <Icon className="size-5" aria-hidden="true" />
      </span>
      <div className="min-w-0 flex-1">
        <div className="flex flex-wrap items-center gap-2">
          <h2 className="font-medium text-ink">{device.label}</h2>
          {session.current ? <StatusBadge tone="ok">This device</StatusBadge> : null}
        </div>
        <p className="mt-0.5 text-sm text-ink-muted">
          {session.ip ? <span className="font-mono text-[13px]">{session.ip}</span> : 'Unknown address'}
          <span aria-hidden="true"> · </span>
          {session.current ? (
            'Active now'
          ) : (
            <time dateTime={session.lastSeenAt} title={formatDateTime(session.lastSeenAt)}>
              Last active {formatRelativeTime(session.lastSeenAt)}
            </time>
          )}
        </p>
        <p className="text-xs text-ink-subtle">
          Signed in <time dateTime={session.createdAt}>{formatDateTime(session.createdAt)}</time>
        </p>
      </div>
      {session.current ? null : (
        <button
          type="button"
          className="btn-secondary max-sm:ml-14"
          onClick={onRevoke}
          aria-label={`Revoke ${device.label} session`}
        >
          Revoke
        </button>
      )}
    </li>
  );
}

function RevokeSessionDialog({ session, onClose }: { session: Session | null; onClose: () => void }) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: async (id: string) => {
      await lumina.DELETE('/api/auth/sessions/{id}', { params: { path: { id } } });
    },
    onSuccess: () => close(),
    onError: (error) => {
      // Already gone: the list was out of date, which is what the person wanted anyway.
      if (error instanceof LuminaApiError && error.status === 404) close();
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: SESSIONS_QUERY_KEY }),
  });
  function close() {
    revoke.reset();
    onClose();
  }
  const device = session ? describeUserAgent(session.userAgent).label : '';
  return (
    <ConfirmDialog
      open={session !== null}
      onOpenChange={(open) => (open ? undefined : close())}
      title="Revoke this session?"
      description={
        <>
          <strong className="font-medium text-ink">{device}</strong>
          {session?.ip ? ` (${session.ip})` : ''} will be signed out at its next action. Anyone using it will
          need your password to sign in again.
        </>
      }
      confirmLabel="Revoke session"
      pendingLabel="Revoking…"
      pending={revoke.isPending}
      error={revoke.isError ? friendlyMessage(revoke.error) : null}
      requestId={serverErrorRequestId(revoke.error)}
      onConfirm={() => session && revoke.mutate(session.id)}
    />
  );
}

function SessionsSkeleton() {
  return (
    <div className="card divide-y divide-line" aria-busy="true">
      <p className="sr-only" role="status">
        Loading sessions…
      </p>
      {[0, 1].map((key) => (
        <div key={key} className="flex items-center gap-4 px-5 py-4 sm:px-6">
          <Skeleton className="size-10 rounded-lg" />
          <div className="flex flex-1 flex-col gap-2">
            <Skeleton className="h-4 w-40" />
            <Skeleton className="h-3.5 w-56" />
          </div>
        </div>
      ))}
    </div>
  );
}
