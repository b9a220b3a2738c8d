import clsx from 'clsx';
import { X } from 'lucide-react';
import { type ComponentProps, type ReactNode, useId, useState } from 'react';
import { FieldError, inputClass } from '../form-field';

/**
 * A native select with the input look. Chrome matches selects as :read-only, so the input's
 * read-only greying is left out (an override class would lose to it by stylesheet order).
 */
export const selectClass = clsx(
  inputClass.replace('read-only:bg-surface-sunken read-only:text-ink-muted', ''),
  'disabled:bg-surface-sunken disabled:text-ink-muted',
);

export const textareaClass = clsx(inputClass.replace('h-10 ', ''), 'min-h-20 resize-y py-2 leading-6');

/** A labelled multi-line field with hint and error wired like TextField's. */
export function TextAreaField({
  label,
  hint,
  error,
  mono,
  className,
  id,
  labelAside,
  ...textarea
}: Omit<ComponentProps<'textarea'>, 'children'> & {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  mono?: boolean;
  labelAside?: ReactNode;
}) {
  const generated = useId();
  const fieldId = id ?? generated;
  const hintId = hint ? `${fieldId}-hint` : undefined;
  const errorId = error ? `${fieldId}-error` : undefined;
  return (
    <div className={clsx('flex flex-col gap-1.5', className)}>
      <div className="flex items-baseline justify-between gap-2">
        <label htmlFor={fieldId} className="text-sm font-medium text-ink">
          {label}
        </label>
        {labelAside}
      </div>
      <textarea
        id={fieldId}
        aria-invalid={error ? true : undefined}
        aria-describedby={[errorId, hintId].filter(Boolean).join(' ') || undefined}
        className={clsx(textareaClass, mono && 'font-mono text-[13px] leading-5')}
        {...textarea}
      />
      {error ? <FieldError id={errorId!}>{error}</FieldError> : null}
      {hint ? (
        <div id={hintId} className="text-[13px] leading-5 text-ink-muted">
          {hint}
        </div>
      ) : null}
    </div>
  );
}

/**
 * A list of short words as removable chips, with an input that adds one on Enter or comma.
 * Backspace in the empty input removes the last chip. Duplicates (any case) are ignored.
 */
export function ChipInput({
  label,
  values,
  onChange,
  placeholder,
  hint,
  max = 40,
  maxLength = 60,
  readOnly,
  prefix = '',
  error,
  splitsOnComma = () => true,
  mono,
}: {
  label: string;
  values: readonly string[];
  onChange: (values: string[]) => void;
  placeholder?: string;
  hint?: ReactNode;
  max?: number;
  maxLength?: number;
  readOnly?: boolean;
  prefix?: string;
  /** Shown under the field, which is then marked invalid. */
  error?: string | undefined;
  /** Whether a comma in this text separates words (false keeps `/a{1,3}/` whole). Default always. */
  splitsOnComma?: (text: string) => boolean;
  mono?: boolean;
}) {
  const [text, setText] = useState('');
  const inputId = useId();
  const hintId = useId();
  const errorId = useId();
  const full = values.length >= max;

  function add(raw: string) {
    const words = (splitsOnComma(raw) ? raw.split(',') : [raw])
      .map((w) => w.trim().slice(0, maxLength))
      .filter(Boolean);
    const next = [...values];
    for (const word of words) {
      if (next.length >= max) break;
      if (!next.some((v) => v.toLowerCase() === word.toLowerCase())) next.push(word);
    }
    if (next.length !== values.length) onChange(next);
    setText('');
  }

  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={inputId} className="text-sm font-medium text-ink">
        {label}
      </label>
      <div
        className={clsx(
          'flex min-h-10 flex-wrap items-center gap-1.5 rounded-lg border border-line-strong px-2 py-1.5 shadow-xs transition-colors',
          readOnly
            ? 'bg-surface-sunken'
            : 'bg-surface focus-within:border-accent focus-within:outline-2 focus-within:outline-ring/40',
          error && 'border-bad',
        )}
      >
        {values.length === 0 && readOnly ? <span className="px-1 text-sm text-ink-subtle">None</span> : null}
        <ul className="contents" aria-label={`Current ${label.toLowerCase()}`}>
          {values.map((value) => (
            <li
              key={value}
              className="inline-flex h-7 max-w-full items-center gap-1 rounded-md bg-accent-soft pr-1 pl-2 text-sm text-accent-soft-ink"
            >
              <span className={clsx('truncate', mono && 'font-mono text-[13px]')}>
                {prefix}
                {value}
              </span>
              {readOnly ? (
                <span className="w-1" />
              ) : (
                <button
                  type="button"
                  onClick={() => onChange(values.filter((v) => v !== value))}
                  className="inline-flex size-5 items-center justify-center rounded hover:bg-accent/15"
                  aria-label={`Remove ${value}`}
                >
                  <X className="size-3.5" aria-hidden="true" />
                </button>
              )}
            </li>
          ))}
        </ul>
        {readOnly ? null : (
          <input
            id={inputId}
            value={text}
            disabled={full}
            maxLength={maxLength * 4}
            onChange={(event) => {
              const value = event.target.value;
              if (value.includes(',') && splitsOnComma(value)) add(value);
              else setText(value);
            }}
            onKeyDown={(event) => {
              if (event.key === 'Enter') {
                event.preventDefault();
                add(text);
              } else if (event.key === 'Backspace' && !text && values.length) {
                onChange(values.slice(0, -1));
              }
            }}
            onBlur={() => (text.trim() ? add(text) : undefined)}
            placeholder={full ? `At most ${max}` : values.length ? 'Add another…' : placeholder}
            aria-describedby={error ? `${errorId} ${hintId}` : hintId}
            aria-invalid={error ? true : undefined}
            className={clsx(
              'h-7 min-w-32 flex-1 bg-transparent px-1 text-[15px] text-ink outline-none placeholder:text-ink-subtle',
              mono && 'font-mono text-[13px]',
            )}
          />
        )}
      </div>
      {error ? <FieldError id={errorId}>{error}</FieldError> : null}
      <p id={hintId} className="text-[13px] leading-5 text-ink-muted">
        {hint ?? 'Press Enter or type a comma to add. Backspace removes the last one.'}
      </p>
    </div>
  );
}

/** A labelled native select with the input look, hint wired like TextField's. */
export function SelectField({
  label,
  hint,
  className,
  id,
  children,
  ...select
}: ComponentProps<'select'> & { label: string; hint?: ReactNode }) {
  const generated = useId();
  const fieldId = id ?? generated;
  const hintId = hint ? `${fieldId}-hint` : undefined;
  return (
    <div className={clsx('flex flex-col gap-1.5', className)}>
      <label htmlFor={fieldId} className="text-sm font-medium text-ink">
        {label}
      </label>
      <select id={fieldId} aria-describedby={hintId} className={selectClass} {...select}>
        {children}
      </select>
      {hint ? (
        <div id={hintId} className="text-[13px] leading-5 text-ink-muted">
          {hint}
        </div>
      ) : null}
    </div>
  );
}
