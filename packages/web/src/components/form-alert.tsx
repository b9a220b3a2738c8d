import clsx from 'clsx';
import { CircleAlert, CircleCheck, Info } from 'lucide-react';
import type { ReactNode } from 'react';
import { CopyButton } from './copy-button';

type Tone = 'error' | 'success' | 'info';

const TONES: Record<Tone, { box: string; icon: string; Icon: typeof Info }> = {
  error: { box: 'border-bad/30 bg-bad-soft', icon: 'text-bad', Icon: CircleAlert },
  success: { box: 'border-ok/30 bg-ok-soft', icon: 'text-ok', Icon: CircleCheck },
  info: { box: 'border-accent/25 bg-accent-soft', icon: 'text-accent-soft-ink', Icon: Info },
};

/**
 * A message at the top or bottom of a form: errors are announced at once (role=alert), success
 * and information politely (role=status). A server fault shows its request id to quote.
 */
export function FormAlert({
  tone = 'error',
  children,
  requestId,
  className,
}: {
  tone?: Tone;
  children: ReactNode;
  requestId?: string | undefined;
  className?: string;
}) {
  const { box, icon, Icon } = TONES[tone];
  return (
    <div
      role={tone === 'error' ? 'alert' : 'status'}
      className={clsx('flex gap-2.5 rounded-lg border px-3.5 py-3 text-sm text-ink', box, className)}
    >
      <Icon className={clsx('mt-0.5 size-4 shrink-0', icon)} aria-hidden="true" />
      <div className="min-w-0 flex-1">
        <div>{children}</div>
        {requestId ? (
          <p className="mt-1 flex items-center gap-1 text-xs text-ink-muted">
            <span className="truncate">
              Reference: <code className="font-mono text-ink">{requestId}</code>
            </span>
            <CopyButton text={requestId} label="Copy reference" />
          </p>
        ) : null}
      </div>
    </div>
  );
}
