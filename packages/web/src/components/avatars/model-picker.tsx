import clsx from 'clsx';
import { Plus, X } from 'lucide-react';
import { useId, useMemo } from 'react';
import { Link } from 'react-router';
import { chatModels, type Model, useModels } from '../../lib/models';
import { selectClass } from './fields';

function groupByProvider(models: readonly Model[]): [string, Model[]][] {
  const groups = new Map<string, Model[]>();
  for (const model of models) groups.set(model.provider, [...(groups.get(model.provider) ?? []), model]);
  return [...groups.entries()];
}

function ModelOptions({ models, exclude = [] }: { models: readonly Model[]; exclude?: readonly string[] }) {
  return (
    <>
      {groupByProvider(models.filter((m) => !exclude.includes(m.id))).map(([provider, list]) => (
        <optgroup key={provider} label={provider}>
          {list.map((model) => (
            <option key={model.id} value={model.id}>
              {model.name}
              {model.local ? ' (local)' : ''}
            </option>
          ))}
        </optgroup>
      ))}
    </>
  );
}

/**
 * The avatar's model: "use my default" or a chosen one, plus up to five fallbacks tried in order
 * when it fails. Models that are no longer available stay listed and say so.
 */
export function ModelPicker({
  defaultModel,
  fallbackModels,
  onChange,
  readOnly,
}: {
  defaultModel: string | null;
  fallbackModels: string[];
  onChange: (next: { defaultModel: string | null; fallbackModels: string[] }) => void;
  readOnly: boolean;
}) {
  const models = useModels();
  const available = useMemo(() => chatModels(models.data ?? []), [models.data]);
  const known = new Set(available.map((m) => m.id));
  const defaultId = useId();
  const fallbackId = useId();
  const unavailable = (id: string) => models.data !== undefined && !known.has(id);

  return (
    <div className="flex flex-col gap-5">
      <div className="flex flex-col gap-1.5">
        <label htmlFor={defaultId} className="text-sm font-medium text-ink">
          Model
        </label>
        <select
          id={defaultId}
          className={selectClass}
          value={defaultModel ?? ''}
          disabled={readOnly || models.isPending}
          onChange={(event) =>
            onChange({
              defaultModel: event.target.value || null,
              fallbackModels: fallbackModels.filter((id) => id !== event.target.value),
            })
          }
        >
          <option value="">Use my default model</option>
          {defaultModel && unavailable(defaultModel) ? (
            <option value={defaultModel}>{defaultModel} (not available)</option>
          ) : null}
          <ModelOptions models={available} />
        </select>
        <p className="text-[13px] leading-5 text-ink-muted">
          {models.isError ? (
            'The model list couldn’t be loaded; what is set here is kept.'
          ) : available.length === 0 && models.data ? (
            <>
              No models are set up yet.{' '}
              <Link to="/settings/models" className="link">
                Add one in Settings → Models
              </Link>
              .
            </>
          ) : (
            <>
              “Use my default” follows your choice in{' '}
              <Link to="/settings/models" className="link">
                Settings → Models
              </Link>
              .
            </>
          )}
        </p>
      </div>

      <div className="flex flex-col gap-1.5">
        <span className="text-sm font-medium text-ink" id={`${fallbackId}-label`}>
          Fallbacks
        </span>
        {fallbackModels.length > 0 ? (
          <ol className="flex flex-col gap-1.5" aria-labelledby={`${fallbackId}-label`}>
            {fallbackModels.map((id, index) => (
              <li
                key={id}
                className="flex h-10 items-center gap-2 rounded-lg border border-line bg-surface-sunken/40 pr-1 pl-3 text-sm"
              >
                <span className="text-ink-subtle tabular-nums">{index + 1}.</span>
                <span
                  className={clsx('min-w-0 flex-1 truncate', unavailable(id) ? 'text-ink-muted' : 'text-ink')}
                >
                  {available.find((m) => m.id === id)?.name ?? id}
                  {unavailable(id) ? ' (not available)' : ''}
                </span>
                {readOnly ? null : (
                  <button
                    type="button"
                    className="icon-btn size-8"
                    aria-label={`Remove fallback ${id}`}
                    onClick={() =>
                      onChange({ defaultModel, fallbackModels: fallbackModels.filter((f) => f !== id) })
                    }
                  >
                    <X className="size-4" aria-hidden="true" />
                  </button>
                )}
              </li>
            ))}
          </ol>
        ) : (
          <p className="text-sm text-ink-muted">No fallbacks: if the model fails, the reply fails.</p>
        )}
        {readOnly || fallbackModels.length >= 5 ? null : (
          <div className="relative">
            <Plus
              className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-ink-subtle"
              aria-hidden="true"
            />
            <label htmlFor={fallbackId} className="sr-only">
              Add a fallback model
            </label>
            <select
              id={fallbackId}
              className={clsx(selectClass, 'pl-9')}
              value=""
              disabled={available.length === 0}
              onChange={(event) => {
                if (event.target.value)
                  onChange({ defaultModel, fallbackModels: [...fallbackModels, event.target.value] });
              }}
            >
              <option value="">Add a fallback model…</option>
              <ModelOptions
                models={available}
                exclude={[...fallbackModels, ...(defaultModel ? [defaultModel] : [])]}
              />
            </select>
          </div>
        )}
      </div>
    </div>
  );
}
