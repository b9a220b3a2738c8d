import * as Slider from '@radix-ui/react-slider';
import clsx from 'clsx';
import { useId } from 'react';
import { poleText } from '../../lib/avatars';

const capitalize = (text: string) => (text ? text.charAt(0).toUpperCase() + text.slice(1) : text);

/**
 * A 0–100 style slider with its two poles written under the ends ("Casual ↔ Formal") and the
 * position in words for screen readers ("45, balanced"). Arrow keys move it by 1, Page Up/Down by 10.
 */
export function StyleSlider({
  label,
  low,
  high,
  value,
  onChange,
  disabled,
  min = 0,
  max = 100,
  step = 1,
  format,
  labelSlot,
}: {
  label: string;
  low: string;
  high: string;
  value: number;
  onChange: (value: number) => void;
  disabled?: boolean;
  min?: number;
  max?: number;
  step?: number;
  /** How the value is written (default: the number and what it means, e.g. "72 · warm"). */
  format?: (value: number) => string;
  /** Replaces the visible label (e.g. with inputs for a custom slider's name). */
  labelSlot?: React.ReactNode;
}) {
  const labelId = useId();
  const shown = format ? format(value) : `${value} · ${poleText(value, low, high)}`;
  const valueText = format ? format(value) : `${value}, ${poleText(value, low, high)}`;
  return (
    <div className="flex flex-col gap-1.5">
      <div className="flex items-center justify-between gap-3">
        {labelSlot ?? (
          <span id={labelId} className="text-sm font-medium text-ink">
            {label}
          </span>
        )}
        <span
          className="shrink-0 rounded-md bg-surface-sunken px-1.5 py-0.5 text-xs tabular-nums text-ink-muted"
          aria-hidden="true"
        >
          {shown}
        </span>
      </div>
      <Slider.Root
        value={[value]}
        onValueChange={([next]) => (next === undefined ? undefined : onChange(next))}
        min={min}
        max={max}
        step={step}
        disabled={disabled}
        className={clsx(
          'relative flex h-6 w-full touch-none items-center select-none',
          disabled ? 'cursor-not-allowed opacity-70' : 'cursor-pointer',
        )}
      >
        <Slider.Track className="relative h-1.5 grow overflow-hidden rounded-full bg-surface-sunken ring-1 ring-line ring-inset">
          <Slider.Range className="absolute h-full rounded-full bg-accent" />
        </Slider.Track>
        <Slider.Thumb
          {...(labelSlot ? { 'aria-label': label } : { 'aria-labelledby': labelId })}
          aria-valuetext={valueText}
          className="block size-5 rounded-full border-2 border-accent bg-surface shadow-card transition-transform hover:scale-110 focus-visible:scale-110 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring data-[disabled]:hover:scale-100"
        />
      </Slider.Root>
      <div className="flex justify-between gap-3 text-xs text-ink-muted" aria-hidden="true">
        <span data-testid="pole-low">{capitalize(low)}</span>
        <span data-testid="pole-high">{capitalize(high)}</span>
      </div>
    </div>
  );
}
