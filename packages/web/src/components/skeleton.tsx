import clsx from 'clsx';

/** A shimmering placeholder block with the size of the content it stands for. */
export function Skeleton({ className }: { className?: string }) {
  return (
    <span
      aria-hidden="true"
      className={clsx('block animate-pulse rounded-md bg-surface-sunken', className)}
    />
  );
}
