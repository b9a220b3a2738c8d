import clsx from 'clsx';

export type Tone = 'ok' | 'bad' | 'warn' | 'neutral';

const TONES: Record<Tone, { badge: string; dot: string }> = {
  ok: { badge: 'bg-ok-soft text-ok', dot: 'bg-ok' },
  bad: { badge: 'bg-bad-soft text-bad', dot: 'bg-bad' },
  warn: { badge: 'bg-warn-soft text-warn', dot: 'bg-warn' },
  neutral: { badge: 'bg-surface-sunken text-ink-muted', dot: 'bg-ink-subtle' },
};

/** A coloured pill with a dot; the text, not the colour, carries the meaning. */
export function StatusBadge({ tone, children }: { tone: Tone; children: React.ReactNode }) {
  return (
    <span
      className={clsx(
        'inline-flex items-center gap-1.5 rounded-full px-2.5 py-0.5 text-xs font-medium whitespace-nowrap',
        TONES[tone].badge,
      )}
    >
      <span aria-hidden="true" className={clsx('size-1.5 rounded-full', TONES[tone].dot)} />
      {children}
    </span>
  );
}

export function StatusDot({ tone, className }: { tone: Tone; className?: string }) {
  return (
    <span
      aria-hidden="true"
      className={clsx('inline-block size-2 rounded-full', TONES[tone].dot, className)}
    />
  );
}
