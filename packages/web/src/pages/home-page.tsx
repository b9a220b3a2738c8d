import { Activity, ArrowRight, BookOpen, Database, Layers, LogIn, RotateCcw, Sparkles } from 'lucide-react';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { ActiveAvatarCard } from '../components/avatars/active-avatar-card';
import { HomeChatCard } from '../components/chat/home-chat-card';
import { describeError } from '../components/error-panel';
import { ModelSetupCard } from '../components/models/model-setup-card';
import { PageHeader } from '../components/page-header';
import { Skeleton } from '../components/skeleton';
import { StatusBadge } from '../components/status-badge';
import { useDocumentTitle } from '../lib/document-title';
import { formatDuration } from '../lib/format';
import { STORAGE_LABELS, useHealth } from '../lib/health';
import { callName, useAuthConfig, useSession } from '../lib/session';

/** The welcome page: what Lumina is, whether this server is healthy, and where to go next. */
export function HomePage() {
  useDocumentTitle('Home');
  const user = useSession().data;
  return (
    <>
      <PageHeader
        title={user ? `Welcome, ${callName(user)}` : 'Welcome to Lumina'}
        description={
          <>
            Lumina is a local-first platform for AI avatars: create personalities, talk with them by text and
            by voice, and let them remember what matters. It runs on this computer with nothing else to
            install, and grows to PostgreSQL and Redis when a team needs it.
          </>
        }
      />
      <div className="flex flex-col gap-8">
        {user === null ? <SignInPrompt /> : null}
        {user ? <HomeChatCard user={user} /> : null}
        {user ? <ActiveAvatarCard user={user} /> : null}
        {user ? <ModelSetupCard isAdmin={user.role === 'admin'} /> : null}
        <ServerSummary />
        <NextSteps />
      </div>
      <p className="mt-8 text-sm text-ink-muted">
        This early build ships the server, its API, models, avatars and chat. Voice and memory come next; each
        appears in the navigation when it is ready.
      </p>
    </>
  );
}

/** For visitors: sign in, or, on a fresh server, create the administrator account. */
function SignInPrompt() {
  const config = useAuthConfig().data;
  if (!config) return null;
  const firstRun = config.needsFirstAdmin;
  return (
    <section
      aria-labelledby="sign-in-heading"
      className="card flex flex-col gap-4 p-5 sm:flex-row sm:items-center sm:p-6"
    >
      <span className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-accent-soft text-accent-soft-ink">
        {firstRun ? (
          <Sparkles className="size-5" aria-hidden="true" />
        ) : (
          <LogIn className="size-5" aria-hidden="true" />
        )}
      </span>
      <div className="min-w-0 flex-1">
        <h2 id="sign-in-heading" className="font-semibold text-ink">
          {firstRun ? 'Set up this server' : 'Sign in to meet your avatars'}
        </h2>
        <p className="text-sm text-ink-muted">
          {firstRun
            ? 'No one has an account yet. The first account you create becomes the administrator.'
            : 'Your avatars, conversations and settings are waiting behind your account.'}
        </p>
      </div>
      <div className="flex shrink-0 flex-wrap gap-2">
        <Link to="/login" className="btn-primary">
          {firstRun ? 'Create the first account' : 'Sign in'}
        </Link>
        {!firstRun && config.signupOpen ? (
          <Link to="/signup" className="btn-secondary">
            Create account
          </Link>
        ) : null}
      </div>
    </section>
  );
}

function ServerSummary() {
  const health = useHealth();
  const report = health.data;

  return (
    <section aria-labelledby="server-heading" className="card">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-2 border-b border-line px-5 py-4 sm:px-6">
        <h2 id="server-heading" className="font-semibold text-ink">
          Your server
        </h2>
        {health.isError ? (
          <StatusBadge tone="bad">Unreachable</StatusBadge>
        ) : report ? (
          <StatusBadge tone={report.status === 'ok' ? 'ok' : 'warn'}>
            {report.status === 'ok' ? 'Healthy' : 'Degraded'}
          </StatusBadge>
        ) : (
          <Skeleton className="h-5 w-16 rounded-full" />
        )}
        <Link
          to="/status"
          className="ml-auto hidden sm:inline-flex items-center gap-1 rounded text-sm font-medium text-accent-soft-ink hover:underline"
        >
          View full status
          <ArrowRight className="size-4" aria-hidden="true" />
        </Link>
      </div>

      {health.isError && !report ? (
        <div className="flex flex-col items-start gap-3 px-5 py-5 sm:flex-row sm:items-center sm:px-6">
          <p className="flex-1 text-sm text-ink-muted">{describeError(health.error).message}</p>
          <button type="button" className="btn-secondary" onClick={() => health.refetch()}>
            <RotateCcw className="size-4" aria-hidden="true" />
            Retry
          </button>
        </div>
      ) : (
        <dl className="grid grid-cols-2 gap-px bg-line lg:grid-cols-4 [&>div]:bg-surface sm:rounded-b-xl sm:overflow-hidden">
          <SummaryStat label="Version">
            {report ? <span className="font-mono">{report.version}</span> : null}
          </SummaryStat>
          <SummaryStat label="Storage">
            {report ? STORAGE_LABELS[report.checks.database.kind] : null}
          </SummaryStat>
          <SummaryStat label="Vector search">
            {report ? (report.checks.database.vector ? 'pgvector ready' : 'Not available') : null}
          </SummaryStat>
          <SummaryStat label="Up for">{report ? formatDuration(report.uptimeSeconds) : null}</SummaryStat>
        </dl>
      )}
      <Link
        to="/status"
        className="flex items-center justify-center gap-1 rounded-b-xl border-t border-line py-3 text-sm font-medium text-accent-soft-ink sm:hidden"
      >
        View full status
        <ArrowRight className="size-4" aria-hidden="true" />
      </Link>
    </section>
  );
}

function SummaryStat({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0 px-5 py-4 sm:px-6">
      <dt className="text-xs font-medium text-ink-muted">{label}</dt>
      <dd className="mt-1 font-semibold break-words text-ink">
        {children ?? <Skeleton className="mt-1 h-5 w-24" />}
      </dd>
    </div>
  );
}

function NextSteps() {
  return (
    <section aria-labelledby="next-steps-heading" className="lg:col-span-3">
      <h2 id="next-steps-heading" className="mb-3 font-semibold text-ink">
        Next steps
      </h2>
      <ol className="grid gap-3 sm:grid-cols-2">
        <StepCard
          icon={<Activity className="size-5" aria-hidden="true" />}
          title={
            <Link to="/status" className="after:absolute after:inset-0 hover:underline">
              Check your system
            </Link>
          }
        >
          See every health check — database, vector search, Redis — refreshed every 10 seconds.
        </StepCard>
        <StepCard
          icon={<BookOpen className="size-5" aria-hidden="true" />}
          title={
            <a href="/api/docs" className="after:absolute after:inset-0 hover:underline">
              Explore the API
            </a>
          }
        >
          Browse and try every endpoint in the interactive reference. The spec is at{' '}
          <code className="font-mono text-[13px]">/api/openapi.json</code>.
        </StepCard>
        <StepCard icon={<Layers className="size-5" aria-hidden="true" />} title="Scale out when you need to">
          Set <code className="font-mono text-[13px]">DATABASE_URL</code> to use PostgreSQL and{' '}
          <code className="font-mono text-[13px]">REDIS_URL</code> to run several instances side by side.
        </StepCard>
        <StepCard icon={<Database className="size-5" aria-hidden="true" />} title="Your data stays here">
          Everything is stored in the data folder (
          <code className="font-mono text-[13px]">LUMINA_DATA_DIR</code>
          ). Back it up with <code className="font-mono text-[13px]">lumina backup &lt;file&gt;</code>; a
          backup restores into the embedded database or into PostgreSQL.
        </StepCard>
      </ol>
    </section>
  );
}

function StepCard({ icon, title, children }: { icon: ReactNode; title: ReactNode; children: ReactNode }) {
  return (
    <li className="card relative flex gap-4 p-4 transition-colors has-[a:hover]:border-line-strong">
      <span className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-accent-soft text-accent-soft-ink">
        {icon}
      </span>
      <div className="min-w-0">
        <h3 className="font-medium text-ink">{title}</h3>
        <p className="mt-0.5 text-sm text-ink-muted">{children}</p>
      </div>
    </li>
  );
}
