import { ArrowDown, ArrowUp, Boxes, X } from 'lucide-react';
import { useId, useState } from 'react';
import { FormAlert } from '../../../components/form-alert';
import { DEFAULT_CHAIN, LocalIcon, ModelPicker } from '../../../components/models/model-picker';
import { SettingsSection } from '../../../components/settings-section';
import { Skeleton } from '../../../components/skeleton';
import { friendlyMessage } from '../../../lib/api-errors';
import {
  chatModels,
  describeDefaultModel,
  type Model,
  modelDisplayName,
  type Provider,
  type UserSettings,
  useDefaultModel,
  useUpdateSettings,
} from '../../../lib/models';

/** The default model and the ordered fallbacks tried when it fails. Changes save at once. */
export function DefaultModelSection({
  settings,
  models,
  providers,
  onAddProvider,
}: {
  settings: UserSettings | undefined;
  models: Model[] | undefined;
  providers: Provider[];
  onAddProvider: () => void;
}) {
  const update = useUpdateSettings();
  const chosen = useDefaultModel();
  const [saved, setSaved] = useState<{ where: 'default' | 'fallbacks'; text: string } | null>(null);
  const labelId = useId();
  const hintId = useId();
  const fallbackLabelId = useId();

  const usable = models ? chatModels(models) : undefined;
  const defaultModel = settings?.defaultModel ?? null;
  const fallbacks = settings?.fallbackModels ?? [];
  const defaultMissing = Boolean(defaultModel && usable && !usable.some((m) => m.id === defaultModel));

  function save(changes: Partial<UserSettings>, text: string) {
    setSaved(null);
    const where = changes.defaultModel !== undefined ? 'default' : 'fallbacks';
    update.mutate(changes, { onSuccess: () => setSaved({ where, text }) });
  }
  const savedNote = (where: 'default' | 'fallbacks') => (
    <p role="status" className="text-[13px] font-medium text-ok">
      {saved?.where === where && !update.isPending ? saved.text : ''}
    </p>
  );

  function moveFallback(index: number, step: -1 | 1) {
    const next = [...fallbacks];
    const [item] = next.splice(index, 1);
    next.splice(index + step, 0, item!);
    save({ fallbackModels: next }, 'Fallback order saved.');
  }

  return (
    <SettingsSection
      title="Default model"
      description="New conversations use this model. When it fails before answering, Lumina tries the fallbacks in order."
    >
      {!settings || !usable ? (
        <div className="flex flex-col gap-3" aria-busy="true">
          <Skeleton className="h-4 w-32" />
          <Skeleton className="h-10 w-full" />
        </div>
      ) : usable.length === 0 && !defaultModel ? (
        <div className="flex flex-col items-center rounded-lg border border-dashed border-line-strong px-5 py-8 text-center">
          <span className="flex size-10 items-center justify-center rounded-full bg-accent-soft text-accent-soft-ink">
            <Boxes className="size-5" aria-hidden="true" />
          </span>
          <h3 className="mt-3 font-medium text-ink">No models to choose from yet</h3>
          <p className="mt-1 max-w-md text-sm text-ink-muted">
            Add a provider — Ollama on this computer, or a cloud service with your API key — and its models
            appear here.
          </p>
          <button type="button" className="btn-primary mt-4" onClick={onAddProvider}>
            Add provider
          </button>
        </div>
      ) : (
        <div className="flex flex-col gap-6">
          <div className="flex flex-col gap-1.5">
            <div className="flex items-baseline justify-between gap-3">
              <p id={labelId} className="text-sm font-medium text-ink">
                Default model
              </p>
              {savedNote('default')}
            </div>
            <ModelPicker
              label="Default model"
              labelledBy={labelId}
              describedBy={hintId}
              value={defaultModel ?? DEFAULT_CHAIN}
              models={usable}
              providers={providers}
              invalid={defaultMissing}
              defaultOption={{
                label: 'Automatic',
                description: 'The server’s default model, or else the first model available',
              }}
              onChange={(id) =>
                id === DEFAULT_CHAIN
                  ? save({ defaultModel: null }, 'Default model saved.')
                  : save(
                      { defaultModel: id, fallbackModels: fallbacks.filter((f) => f !== id) },
                      'Default model saved.',
                    )
              }
            />
            <p id={hintId} className="text-[13px] leading-5 text-ink-muted">
              {defaultMissing
                ? 'This model isn’t available right now: its provider may be off or failing, or local-only mode hides it. Choose another, or fix its provider.'
                : defaultModel
                  ? 'Avatars can still use a different model each.'
                  : `Conversations use ${describeDefaultModel(chosen.data ?? null, usable, chosen.data !== undefined)}. Avatars can still use a different model each.`}
            </p>
          </div>

          <div className="flex flex-col gap-2">
            <div className="flex items-baseline justify-between gap-3">
              <p id={fallbackLabelId} className="text-sm font-medium text-ink">
                Fallbacks <span className="font-normal text-ink-subtle">(optional)</span>
              </p>
              {savedNote('fallbacks')}
            </div>
            {fallbacks.length > 0 ? (
              <ol aria-labelledby={fallbackLabelId} className="flex flex-col gap-1.5">
                {fallbacks.map((id, index) => {
                  const model = usable.find((m) => m.id === id);
                  return (
                    <li
                      key={id}
                      className="flex items-center gap-2 rounded-lg border border-line bg-surface py-1.5 pr-1.5 pl-3"
                    >
                      <span className="w-5 shrink-0 text-sm font-medium text-ink-subtle tabular-nums">
                        {index + 1}.
                      </span>
                      {model ? <LocalIcon local={model.local} /> : null}
                      <span className="min-w-0 flex-1 truncate text-sm">
                        {model ? (
                          <>
                            <span className="font-medium text-ink">{model.name}</span>
                            <span className="text-ink-muted">
                              {' '}
                              · {providers.find((p) => p.id === model.provider)?.name ?? model.provider}
                            </span>
                          </>
                        ) : (
                          <>
                            <span className="font-mono text-[13px] text-ink">
                              {modelDisplayName(id, providers)}
                            </span>
                            <span className="text-warn"> · not available</span>
                          </>
                        )}
                      </span>
                      <button
                        type="button"
                        className="icon-btn size-8"
                        aria-label={`Move ${modelDisplayName(id, providers)} up`}
                        disabled={index === 0 || update.isPending}
                        onClick={() => moveFallback(index, -1)}
                      >
                        <ArrowUp className="size-4" aria-hidden="true" />
                      </button>
                      <button
                        type="button"
                        className="icon-btn size-8"
                        aria-label={`Move ${modelDisplayName(id, providers)} down`}
                        disabled={index === fallbacks.length - 1 || update.isPending}
                        onClick={() => moveFallback(index, 1)}
                      >
                        <ArrowDown className="size-4" aria-hidden="true" />
                      </button>
                      <button
                        type="button"
                        className="icon-btn size-8"
                        aria-label={`Remove ${modelDisplayName(id, providers)} from the fallbacks`}
                        disabled={update.isPending}
                        onClick={() =>
                          save({ fallbackModels: fallbacks.filter((f) => f !== id) }, 'Fallback removed.')
                        }
                      >
                        <X className="size-4" aria-hidden="true" />
                      </button>
                    </li>
                  );
                })}
              </ol>
            ) : null}
            <ModelPicker
              label="Add a fallback model"
              value={null}
              models={usable}
              providers={providers}
              exclude={[...(defaultModel ? [defaultModel] : []), ...fallbacks]}
              placeholder={fallbacks.length > 0 ? 'Add another fallback…' : 'Add a fallback model…'}
              disabled={!defaultModel}
              onChange={(id) => save({ fallbackModels: [...fallbacks, id] }, 'Fallback added.')}
            />
            <p className="text-[13px] leading-5 text-ink-muted">
              {defaultModel
                ? 'A local model makes a good last fallback: it works when the internet or a cloud service doesn’t.'
                : 'Choose a default model first.'}
            </p>
          </div>

          {update.isError ? <FormAlert>{friendlyMessage(update.error)}</FormAlert> : null}
        </div>
      )}
    </SettingsSection>
  );
}
