import { useQueryClient } from '@tanstack/react-query';
import clsx from 'clsx';
import { ChevronDown, Download } from 'lucide-react';
import { type FormEvent, useId, useRef, useState } from 'react';
import { FormAlert } from '../../../components/form-alert';
import { inputClass, TextField } from '../../../components/form-field';
import { ProgressBar } from '../../../components/progress-bar';
import { SettingsSection } from '../../../components/settings-section';
import { SubmitButton } from '../../../components/submit-button';
import { useLuminaClient } from '../../../lib/lumina-client';
import {
  invalidateModelData,
  MODELS_QUERY_KEY,
  type Model,
  type Provider,
  useUpdateSettings,
} from '../../../lib/models';
import {
  createRateMeter,
  formatAmount,
  formatEta,
  formatSpeed,
  progressPercent,
} from '../../../lib/progress';
import { useStreamTask } from '../../../lib/use-stream-task';

/** Small models that run well on an ordinary laptop. */
const SUGGESTIONS = [
  { name: 'llama3.2:1b', size: '1.3 GB' },
  { name: 'qwen2.5:0.5b', size: '398 MB' },
  { name: 'gemma3:1b', size: '815 MB' },
  { name: 'llama3.2:3b', size: '2.0 GB' },
];

export interface PullProgress {
  status: string;
  completed: number | null;
  total: number | null;
  bytesPerSecond: number | null;
}

const INITIAL: PullProgress = { status: 'Starting…', completed: null, total: null, bytesPerSecond: null };

/** Folds Ollama's pull progress (`{status, completed?, total?}` per layer) into the bar. */
export function foldPull(meter: ReturnType<typeof createRateMeter>) {
  return (
    progress: PullProgress,
    event: { type: string; [key: string]: unknown },
    now: number,
  ): PullProgress => {
    if (event.type !== 'progress') return progress;
    const status = typeof event.status === 'string' ? event.status : progress.status;
    const total = typeof event.total === 'number' ? event.total : null;
    const completed = typeof event.completed === 'number' ? event.completed : total === null ? null : 0;
    if (total === null) return { ...progress, status };
    return { status, completed, total, bytesPerSecond: meter.sample(completed ?? 0, now) };
  };
}

/** "llama3.2" is stored by Ollama as "llama3.2:latest". */
export function pulledModelId(providerId: string, name: string): string {
  return `${providerId}/${name.includes(':') ? name : `${name}:latest`}`;
}

/** Download a model into Ollama, with a real progress bar and a cancel button. */
export function OllamaPullSection({
  providers,
  models,
  defaultModel,
}: {
  providers: Provider[];
  models: Model[];
  defaultModel: string | null;
}) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const ollamas = providers.filter((p) => p.kind === 'ollama' && p.enabled);
  const [providerId, setProviderId] = useState(ollamas[0]?.id ?? '');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | undefined>();
  const meter = useRef(createRateMeter());
  const pull = useStreamTask<PullProgress, { model: string }>(
    (progress, event, now) => foldPull(meter.current)(progress, event, now),
    INITIAL,
  );
  const update = useUpdateSettings();
  const selectId = useId();
  const target = ollamas.find((p) => p.id === providerId) ?? ollamas[0];

  if (!target) return null;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (pull.phase === 'running' || !target) return;
    const model = name.trim();
    if (!model) return setError('Enter a model name, e.g. llama3.2:1b.');
    if (!/^[\w.:/-]+$/.test(model))
      return setError('Use a name like llama3.2:1b (letters, digits, . : / - _).');
    setError(undefined);
    meter.current = createRateMeter();
    void pull
      .start(async (signal) => {
        const { response } = await lumina.POST('/api/providers/{id}/pull', {
          params: { path: { id: target.id } },
          body: { model },
          parseAs: 'stream',
          signal,
        });
        return response.body;
      })
      .then(() => invalidateModelData(queryClient));
  }

  const { progress } = pull;
  const percent = pull.phase === 'done' ? 100 : progressPercent(progress.completed, progress.total);
  const pulledId = pull.result ? pulledModelId(target.id, pull.result.model) : null;
  const pulled = pulledId ? models.find((m) => m.id === pulledId) : undefined;

  return (
    <SettingsSection
      title="Download a model with Ollama"
      description={
        <>
          Ollama runs models on your computer. Pick one of these small ones, or any name from{' '}
          <a href="https://ollama.com/library" target="_blank" rel="noreferrer" className="link">
            ollama.com/library
          </a>
          .
        </>
      }
    >
      <form
        onSubmit={submit}
        noValidate
        className="flex flex-col gap-4"
        aria-label="Download a model with Ollama"
      >
        {ollamas.length > 1 ? (
          <div className="flex flex-col gap-1.5">
            <label htmlFor={selectId} className="text-sm font-medium text-ink">
              Into
            </label>
            <div className="relative">
              <select
                id={selectId}
                value={target.id}
                onChange={(event) => setProviderId(event.target.value)}
                className={clsx(inputClass, 'appearance-none pr-10')}
              >
                {ollamas.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name} ({p.baseUrl})
                  </option>
                ))}
              </select>
              <ChevronDown
                className="pointer-events-none absolute top-1/2 right-3 size-4 -translate-y-1/2 text-ink-subtle"
                aria-hidden="true"
              />
            </div>
          </div>
        ) : null}
        <div className="flex flex-col gap-2 sm:flex-row sm:items-start">
          <TextField
            label="Model name"
            name="model"
            required
            autoComplete="off"
            spellCheck={false}
            placeholder="llama3.2:1b"
            value={name}
            onChange={(event) => setName(event.target.value)}
            error={error}
            className="flex-1"
            disabled={pull.phase === 'running'}
          />
          <div className="sm:pt-7">
            <SubmitButton
              pending={pull.phase === 'running'}
              pendingLabel="Downloading…"
              className="max-sm:w-full"
            >
              <Download className="size-4" aria-hidden="true" />
              Download
            </SubmitButton>
          </div>
        </div>
        <div className="flex flex-wrap items-center gap-1.5">
          <span className="mr-1 text-[13px] text-ink-muted">Small and good:</span>
          {SUGGESTIONS.map((s) => (
            <button
              key={s.name}
              type="button"
              disabled={pull.phase === 'running'}
              onClick={() => {
                setName(s.name);
                setError(undefined);
              }}
              className={clsx(
                'rounded-full border px-2.5 py-1 text-xs font-medium transition-colors disabled:opacity-60',
                name === s.name
                  ? 'border-accent/60 bg-accent-soft text-accent-soft-ink'
                  : 'border-line text-ink-muted hover:bg-surface-sunken hover:text-ink',
              )}
            >
              {s.name} <span className="font-normal text-ink-subtle">· {s.size}</span>
            </button>
          ))}
        </div>

        {pull.phase === 'running' || pull.phase === 'done' ? (
          <div className="rounded-lg border border-line bg-surface-sunken/50 p-3.5">
            <div className="mb-2 flex items-baseline justify-between gap-3 text-sm">
              <span className="min-w-0 truncate font-medium text-ink">
                {pull.phase === 'done' ? 'Download complete' : progress.status}
              </span>
              <span className="shrink-0 font-semibold text-ink tabular-nums">
                {percent === null ? '' : `${percent}%`}
              </span>
            </div>
            <ProgressBar
              percent={percent}
              label={`Downloading ${name.trim()}`}
              tone={pull.phase === 'done' ? 'ok' : 'accent'}
            />
            <div className="mt-2 flex flex-wrap items-center justify-between gap-x-3 gap-y-1 text-[13px] text-ink-muted tabular-nums">
              <span>
                {[
                  progress.completed !== null ? formatAmount(progress.completed, progress.total) : null,
                  pull.phase === 'running' ? formatSpeed(progress.bytesPerSecond) : null,
                  pull.phase === 'running' && progress.completed !== null
                    ? formatEta(progress.completed, progress.total, progress.bytesPerSecond)
                    : null,
                ]
                  .filter(Boolean)
                  .join(' · ') || 'Waiting for Ollama…'}
              </span>
              {pull.phase === 'running' ? (
                <button type="button" className="btn-ghost h-8 px-2.5" onClick={pull.cancel}>
                  Cancel
                </button>
              ) : null}
            </div>
          </div>
        ) : null}

        <div aria-live="polite">
          {pull.phase === 'done' && pull.result ? (
            <FormAlert tone="success">
              <span className="font-medium">{pull.result.model}</span> is ready to use.
              {pulled && !defaultModel ? (
                <button
                  type="button"
                  className="link ml-2"
                  disabled={update.isPending}
                  onClick={() =>
                    update.mutate(
                      { defaultModel: pulled.id },
                      { onSuccess: () => void queryClient.invalidateQueries({ queryKey: MODELS_QUERY_KEY }) },
                    )
                  }
                >
                  Use it as my default model
                </button>
              ) : null}
            </FormAlert>
          ) : pull.phase === 'cancelled' ? (
            <FormAlert tone="info">
              Download cancelled. Ollama keeps what it fetched, so trying again resumes.
            </FormAlert>
          ) : pull.phase === 'failed' && pull.error ? (
            <FormAlert requestId={pull.error.requestId}>
              {pull.error.code === 'model_not_found'
                ? `Ollama couldn’t find “${name.trim()}”. Check the name on ollama.com/library.`
                : pull.error.message}
            </FormAlert>
          ) : null}
        </div>
      </form>
    </SettingsSection>
  );
}
