import clsx from 'clsx';
import { type ComponentProps, type ReactNode, useId } from 'react';

export const inputClass =
  'block h-10 w-full min-w-0 rounded-lg border border-line-strong bg-surface px-3 text-[15px] text-ink shadow-xs transition-colors placeholder:text-ink-subtle hover:border-ink-subtle focus-visible:border-accent focus-visible:outline-2 focus-visible:outline-offset-0 focus-visible:outline-ring/40 disabled:cursor-not-allowed disabled:bg-surface-sunken disabled:text-ink-muted aria-invalid:border-bad aria-invalid:focus-visible:outline-bad/30 read-only:bg-surface-sunken read-only:text-ink-muted';

interface FieldProps extends Omit<ComponentProps<'input'>, 'children'> {
  label: string;
  /** Helper text under the field; linked with aria-describedby. */
  hint?: ReactNode;
  /** The error under the field; marks the input aria-invalid and describes it. */
  error?: string | undefined;
  /** Something inside the input's right edge (e.g. a show-password button). */
  trailing?: ReactNode;
  /** Extra content between the label row and the input (e.g. a "Forgot?" link). */
  labelAside?: ReactNode;
}

/**
 * A labelled text input with its hint and error wired for assistive technology: the error sets
 * aria-invalid and both texts are announced through aria-describedby.
 */
export function TextField({ label, hint, error, trailing, labelAside, className, id, ...input }: FieldProps) {
  const generated = useId();
  const inputId = id ?? generated;
  const hintId = hint ? `${inputId}-hint` : undefined;
  const errorId = error ? `${inputId}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;

  return (
    <div className={clsx('flex flex-col gap-1.5', className)}>
      <div className="flex items-baseline justify-between gap-2">
        <label htmlFor={inputId} className="text-sm font-medium text-ink">
          {label}
          {input.required ? null : input.readOnly ? null : (
            <span className="font-normal text-ink-subtle"> (optional)</span>
          )}
        </label>
        {labelAside}
      </div>
      <div className="relative">
        <input
          id={inputId}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          className={clsx(inputClass, trailing && 'pr-11')}
          {...input}
        />
        {trailing ? <div className="absolute inset-y-0 right-1 flex items-center">{trailing}</div> : null}
      </div>
      {error ? <FieldError id={errorId!}>{error}</FieldError> : null}
      {hint ? (
        <div id={hintId} className="text-[13px] leading-5 text-ink-muted">
          {hint}
        </div>
      ) : null}
    </div>
  );
}

export function FieldError({ id, children }: { id: string; children: ReactNode }) {
  return (
    <p id={id} className="flex items-start gap-1.5 text-[13px] leading-5 font-medium text-bad">
      <svg viewBox="0 0 16 16" className="mt-0.5 size-3.5 shrink-0" aria-hidden="true" fill="currentColor">
        <path d="M8 1a7 7 0 1 0 0 14A7 7 0 0 0 8 1Zm-.75 3.5h1.5v4.75h-1.5V4.5Zm.75 7.75a1 1 0 1 1 0-2 1 1 0 0 1 0 2Z" />
      </svg>
      <span>{children}</span>
    </p>
  );
}
