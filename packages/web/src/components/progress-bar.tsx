import clsx from 'clsx';

/**
 * A determinate progress bar (role=progressbar with its value), or an indeterminate shimmer
 * when `percent` is null (size not known yet). `label` names it for assistive technology.
 */
export function ProgressBar({
  percent,
  label,
  tone = 'accent',
  className,
}: {
  percent: number | null;
  label: string;
  tone?: 'accent' | 'ok' | 'bad';
  className?: string;
}) {
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent ?? undefined}
      aria-valuetext={percent === null ? 'Starting…' : `${percent}%`}
      className={clsx('relative h-2 w-full overflow-hidden rounded-full bg-surface-sunken', className)}
    >
      <div
        className={clsx(
          'absolute inset-y-0 left-0 rounded-full transition-[width] duration-300 ease-out',
          tone === 'accent' && 'bg-accent',
          tone === 'ok' && 'bg-ok',
          tone === 'bad' && 'bg-bad',
          percent === null && 'w-1/3 animate-indeterminate',
        )}
        style={percent === null ? undefined : { width: `${percent}%` }}
      />
    </div>
  );
}
