import { formatLatency, formatRelativeTime } from '../../lib/format';
import type { Provider } from '../../lib/models';
import { healthWording } from '../../lib/provider-health';
import { StatusBadge } from '../status-badge';

/** The badge that says whether a provider works ("Working", "Key refused", …). */
export function ProviderHealthBadge({
  provider,
}: {
  provider: Pick<Provider, 'health' | 'enabled' | 'kind'>;
}) {
  const wording = healthWording(provider);
  return <StatusBadge tone={wording.tone}>{wording.badge}</StatusBadge>;
}

/**
 * The line under a provider: for a failing one the problem in plain words, what to do, and the
 * provider's own message and code (for a search or a bug report); else latency and check time.
 */
export function ProviderHealthDetails({ provider }: { provider: Provider }) {
  const wording = healthWording(provider);
  const { health } = provider;
  if (wording.summary) {
    const raw = health.message?.trim();
    return (
      <div className="mt-2 rounded-lg border border-bad/25 bg-bad-soft px-3 py-2 text-[13px] leading-5">
        <p className="font-medium text-ink">{wording.summary}.</p>
        {wording.advice ? <p className="text-ink-muted">{wording.advice}</p> : null}
        {raw && raw !== wording.summary ? (
          <p className="mt-1 break-words text-ink-muted">
            The provider said: <q className="text-ink">{raw}</q>
            {health.code ? (
              <>
                {' '}
                <code className="rounded bg-surface/70 px-1 font-mono text-xs text-ink">{health.code}</code>
              </>
            ) : null}
          </p>
        ) : health.code ? (
          <p className="mt-1 text-ink-muted">
            Code <code className="rounded bg-surface/70 px-1 font-mono text-xs text-ink">{health.code}</code>
          </p>
        ) : null}
      </div>
    );
  }
  const facts = [
    health.status === 'ok' && health.latencyMs !== null
      ? `${formatLatency(health.latencyMs)} to answer`
      : null,
    health.checkedAt ? `checked ${formatRelativeTime(health.checkedAt)}` : null,
  ].filter(Boolean);
  if (facts.length === 0) return null;
  return <p className="mt-1 text-xs text-ink-subtle">{facts.join(' · ')}</p>;
}
