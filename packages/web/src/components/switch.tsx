import clsx from 'clsx';
import { type ReactNode, useId } from 'react';

/**
 * An on/off switch (role=switch) with its label and explanation beside it; the whole row is
 * the label. `disabled` keeps the state visible and says why in `description`.
 */
export function SwitchRow({
  checked,
  onCheckedChange,
  label,
  description,
  disabled,
  pending,
}: {
  checked: boolean;
  onCheckedChange: (checked: boolean) => void;
  label: string;
  description?: ReactNode;
  disabled?: boolean;
  pending?: boolean;
}) {
  const labelId = useId();
  const descriptionId = useId();
  return (
    <div className="flex items-start gap-4">
      <div className="min-w-0 flex-1">
        <p id={labelId} className="text-sm font-medium text-ink">
          {label}
        </p>
        {description ? (
          <div id={descriptionId} className="mt-0.5 text-[13px] leading-5 text-ink-muted">
            {description}
          </div>
        ) : null}
      </div>
      <button
        type="button"
        role="switch"
        aria-checked={checked}
        aria-labelledby={labelId}
        aria-describedby={description ? descriptionId : undefined}
        aria-busy={pending || undefined}
        disabled={disabled || pending}
        onClick={() => onCheckedChange(!checked)}
        className={clsx(
          'relative mt-0.5 inline-flex h-6 w-11 shrink-0 items-center rounded-full border transition-colors disabled:cursor-not-allowed disabled:opacity-60',
          checked ? 'border-accent bg-accent' : 'border-line-strong bg-surface-sunken',
        )}
      >
        <span
          aria-hidden="true"
          className={clsx(
            'inline-block size-[18px] rounded-full bg-white shadow-sm transition-transform',
            checked ? 'translate-x-[22px]' : 'translate-x-[2px]',
          )}
        />
      </button>
    </div>
  );
}
