import { Link } from 'react-router';
import { useHealth } from '../lib/health';
import { StatusDot, type Tone } from './status-badge';

/** A one-line server summary at the foot of the navigation; links to the status page. */
export function ServerPill() {
  const health = useHealth();
  const { tone, text } = summarize(health.isError, health.data?.status);

  return (
    <Link
      to="/status"
      className="flex items-center gap-2.5 rounded-lg px-3 py-2 text-sm text-ink-muted transition-colors hover:bg-surface-sunken hover:text-ink"
    >
      <StatusDot tone={tone} />
      <span className="flex-1 truncate">{text}</span>
      {health.data ? <span className="font-mono text-xs text-ink-subtle">v{health.data.version}</span> : null}
    </Link>
  );
}

function summarize(
  isError: boolean,
  status: 'ok' | 'degraded' | 'error' | undefined,
): { tone: Tone; text: string } {
  if (isError) return { tone: 'bad', text: 'Server unreachable' };
  if (status === 'ok') return { tone: 'ok', text: 'Server online' };
  // Degraded: still serving everyone (e.g. Redis is away and local fallbacks are in use).
  if (status === 'degraded') return { tone: 'warn', text: 'Server degraded' };
  if (status === 'error') return { tone: 'bad', text: 'Server has a problem' };
  return { tone: 'neutral', text: 'Checking server…' };
}
