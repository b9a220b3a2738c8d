import clsx from 'clsx';
import { Columns3, X } from 'lucide-react';
import { useState } from 'react';
import { COMPARE_MAX_MODELS, COMPARE_MIN_MODELS, shortModelName } from '../../lib/compare';
import { modelCostLabel, totalCostLabel, useCompareEstimate } from '../../lib/compare-estimate';
import type { Model } from '../../lib/models';
import { Dialog } from '../dialog';

/**
 * The composer's "Compare" control: a button that opens the model picker, and once 2–6 models
 * are chosen, a chip saying so (the next message goes to all of them) with a way to turn it off.
 * With `conversationId`, the picker shows what the compare of `content` would cost (estimate).
 */
export function CompareControl({
  models,
  chosen,
  onChange,
  disabled,
  conversationId,
  content = '',
  attachments = [],
}: {
  models: readonly Model[];
  chosen: readonly string[];
  onChange: (models: string[]) => void;
  disabled: boolean;
  /** The conversation the compare goes to: its estimate is shown while choosing. */
  conversationId?: string;
  /** The message as drafted: what the estimate counts. */
  content?: string;
  /** The uploaded attachments of the draft (counted too). */
  attachments?: readonly string[];
}) {
  const [open, setOpen] = useState(false);
  const on = chosen.length >= COMPARE_MIN_MODELS;
  return (
    <>
      {on ? (
        <span className="inline-flex h-8 min-w-0 items-center rounded-lg bg-accent-soft text-xs font-medium text-accent-soft-ink">
          <button
            type="button"
            className="inline-flex h-8 min-w-0 items-center gap-1.5 rounded-l-lg pr-1 pl-2.5 hover:underline"
            onClick={() => setOpen(true)}
            disabled={disabled}
            title={chosen.join('\n')}
          >
            <Columns3 className="size-3.5 shrink-0" aria-hidden="true" />
            <span className="truncate">Comparing {chosen.length} models</span>
          </button>
          <button
            type="button"
            className="inline-flex size-8 items-center justify-center rounded-r-lg hover:bg-accent/10"
            aria-label="Stop comparing"
            onClick={() => onChange([])}
          >
            <X className="size-3.5" aria-hidden="true" />
          </button>
        </span>
      ) : (
        <button
          type="button"
          className="btn-ghost h-8 px-2 text-xs"
          onClick={() => setOpen(true)}
          disabled={disabled || models.length < COMPARE_MIN_MODELS}
          title={
            models.length < COMPARE_MIN_MODELS
              ? 'Set up at least two models to compare them'
              : 'Send the next message to several models at once'
          }
        >
          <Columns3 className="size-4" aria-hidden="true" />
          Compare
        </button>
      )}
      {open ? (
        <CompareModelsDialog
          models={models}
          initial={chosen}
          conversationId={conversationId}
          content={content}
          attachments={attachments}
          onClose={() => setOpen(false)}
          onDone={(picked) => {
            onChange(picked);
            setOpen(false);
          }}
        />
      ) : null}
    </>
  );
}

function CompareModelsDialog({
  models,
  initial,
  onClose,
  onDone,
  conversationId,
  content,
  attachments,
}: {
  models: readonly Model[];
  initial: readonly string[];
  conversationId: string | undefined;
  content: string;
  attachments: readonly string[];
  onClose: () => void;
  onDone: (models: string[]) => void;
}) {
  const [picked, setPicked] = useState<string[]>(() =>
    initial.filter((id) => models.some((m) => m.id === id)),
  );
  const full = picked.length >= COMPARE_MAX_MODELS;
  // An all-local choice costs nothing: no estimate is asked or shown.
  const anyCloud = picked.some((id) => models.find((m) => m.id === id)?.local !== true);
  const { estimate, loading, failed } = useCompareEstimate(
    anyCloud ? conversationId : undefined,
    picked,
    content,
    attachments,
  );
  const costOf = (id: string) => {
    const found = estimate?.models.find((m) => m.model === id);
    return found ? modelCostLabel(found) : null;
  };
  const total = estimate ? totalCostLabel(estimate) : null;
  const toggle = (id: string) =>
    setPicked((current) => (current.includes(id) ? current.filter((x) => x !== id) : [...current, id]));
  return (
    <Dialog
      open
      onOpenChange={(open) => (open ? undefined : onClose())}
      title="Compare models"
      description={`Your next message goes to each model you choose (${COMPARE_MIN_MODELS} to ${COMPARE_MAX_MODELS}); their answers appear side by side, and you continue with the one you like.`}
      size="md"
    >
      <fieldset className="mt-4">
        <legend className="sr-only">Models</legend>
        <ul className="flex max-h-[50vh] flex-col gap-1 overflow-y-auto">
          {models.map((model) => {
            const checked = picked.includes(model.id);
            const order = picked.indexOf(model.id);
            return (
              <li key={model.id}>
                <label
                  className={clsx(
                    'flex cursor-pointer items-center gap-3 rounded-lg border px-3 py-2',
                    checked ? 'border-accent/50 bg-accent-soft/60' : 'border-line hover:bg-surface-sunken',
                    !checked && full && 'cursor-not-allowed opacity-50',
                  )}
                >
                  <input
                    type="checkbox"
                    className="size-4 accent-[var(--accent)]"
                    checked={checked}
                    disabled={!checked && full}
                    onChange={() => toggle(model.id)}
                  />
                  <span className="min-w-0 flex-1">
                    <span className="block truncate text-sm font-medium text-ink">{model.name}</span>
                    {shortModelName(model.id) === model.name ? null : (
                      <span className="block truncate font-mono text-[11px] text-ink-muted">
                        {shortModelName(model.id)}
                      </span>
                    )}
                  </span>
                  {checked && !model.local && costOf(model.id) ? (
                    <span className="text-xs whitespace-nowrap text-ink-muted" data-testid="model-cost">
                      {costOf(model.id)}
                    </span>
                  ) : null}
                  <span className="text-xs text-ink-muted">{model.local ? 'Local' : 'Cloud'}</span>
                  {checked ? (
                    <span className="inline-flex size-5 items-center justify-center rounded-full bg-accent text-[11px] font-semibold text-accent-ink">
                      {order + 1}
                    </span>
                  ) : null}
                </label>
              </li>
            );
          })}
        </ul>
      </fieldset>
      {anyCloud && conversationId && picked.length >= COMPARE_MIN_MODELS ? (
        <p className="mt-3 text-xs text-ink-muted" aria-live="polite" aria-busy={loading}>
          {total ? (
            <>
              Estimated cost: <span className="font-medium text-ink">{total}</span>
              {loading ? ' (updating…)' : null}
              <span className="block">
                From the prompt alone up to a reply of the full length; local models are free.
              </span>
            </>
          ) : loading ? (
            'Estimating cost…'
          ) : failed ? (
            'The cost could not be estimated.'
          ) : null}
        </p>
      ) : null}
      <div className="mt-5 flex flex-wrap items-center justify-end gap-2">
        <p className="mr-auto text-xs text-ink-muted" aria-live="polite">
          {picked.length} of {COMPARE_MAX_MODELS} chosen
        </p>
        <button type="button" className="btn-secondary" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="btn-primary"
          disabled={picked.length < COMPARE_MIN_MODELS}
          onClick={() => onDone(picked)}
        >
          Compare {picked.length >= COMPARE_MIN_MODELS ? `${picked.length} models` : ''}
        </button>
      </div>
    </Dialog>
  );
}
