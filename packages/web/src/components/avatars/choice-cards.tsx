import clsx from 'clsx';
import type { ReactNode } from 'react';
import { useId } from 'react';

/** A radio group drawn as cards (native radios: arrow keys move between them). */
export function ChoiceCards<Value extends string>({
  legend,
  value,
  onChange,
  options,
  disabled,
  hideLegend,
}: {
  legend: string;
  value: Value;
  onChange: (value: Value) => void;
  options: { value: Value; label: string; description: ReactNode; icon?: ReactNode }[];
  disabled?: boolean;
  hideLegend?: boolean;
}) {
  const name = useId();
  return (
    <fieldset disabled={disabled} className="min-w-0">
      <legend className={clsx('mb-2 text-sm font-medium text-ink', hideLegend && 'sr-only')}>{legend}</legend>
      <div className="grid gap-2 sm:grid-cols-2">
        {options.map((option) => (
          <label
            key={option.value}
            className={clsx(
              'flex cursor-pointer gap-3 rounded-xl border p-3 transition-colors has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-2 has-[:focus-visible]:outline-ring has-[:disabled]:cursor-not-allowed',
              value === option.value
                ? 'border-accent bg-accent-soft/50'
                : 'border-line hover:border-line-strong has-[:disabled]:hover:border-line',
            )}
          >
            <input
              type="radio"
              name={name}
              value={option.value}
              checked={value === option.value}
              onChange={() => onChange(option.value)}
              className="mt-1 size-4 shrink-0 accent-[var(--accent)] focus-visible:outline-none"
            />
            <span className="min-w-0">
              <span className="flex items-center gap-1.5 text-sm font-medium text-ink">
                {option.icon}
                {option.label}
              </span>
              <span className="mt-0.5 block text-[13px] leading-5 text-ink-muted">{option.description}</span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
