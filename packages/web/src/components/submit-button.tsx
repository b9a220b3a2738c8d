import clsx from 'clsx';
import { LoaderCircle } from 'lucide-react';
import type { ButtonHTMLAttributes, ReactNode } from 'react';

/** A small spinning ring; hidden from assistive technology (the button says what is going on). */
export function Spinner({ className }: { className?: string }) {
  return <LoaderCircle className={clsx('size-4 animate-spin', className)} aria-hidden="true" />;
}

interface SubmitButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  pending: boolean;
  /** What the button says while the request runs, e.g. "Signing in…". */
  pendingLabel?: string;
  variant?: 'primary' | 'danger' | 'secondary';
  children: ReactNode;
}

/** A submit button that is disabled and shows a spinner while its request is in flight. */
export function SubmitButton({
  pending,
  pendingLabel,
  variant = 'primary',
  children,
  className,
  disabled,
  type = 'submit',
  ...props
}: SubmitButtonProps) {
  return (
    <button
      type={type}
      disabled={pending || disabled}
      aria-busy={pending || undefined}
      className={clsx(
        variant === 'primary' && 'btn-primary',
        variant === 'danger' && 'btn-danger',
        variant === 'secondary' && 'btn-secondary',
        className,
      )}
      {...props}
    >
      {pending ? <Spinner /> : null}
      {pending && pendingLabel ? pendingLabel : children}
    </button>
  );
}
