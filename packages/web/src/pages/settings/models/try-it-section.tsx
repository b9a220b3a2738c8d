import clsx from 'clsx';
import { CircleAlert, CircleCheck, CornerDownRight, Send, Square } from 'lucide-react';
import { type FormEvent, type ReactNode, useEffect, useId, useState } from 'react';
import { FormAlert } from '../../../components/form-alert';
import { DEFAULT_CHAIN, ModelPicker } from '../../../components/models/model-picker';
import { SettingsSection } from '../../../components/settings-section';
import { Spinner } from '../../../components/submit-button';
import { formatLatency } from '../../../lib/format';
import {
  chatModels,
  type Model,
  modelDisplayName,
  type Provider,
  type UserSettings,
} from '../../../lib/models';
import { problemAdvice, problemSummary } from '../../../lib/provider-health';
import { describeEntry, describeFailure, formatCost, type TryItState } from '../../../lib/try-it';
import { useTryIt } from '../../../lib/use-try-it';

const DEFAULT_PROMPT = 'In one sentence: what can you help me with?';

/** Sends a prompt to a model and streams the reply, with the fallback timeline and the cost. */
export function TryItSection({
  settings,
  models,
  providers,
}: {
  settings: UserSettings | undefined;
  models: Model[] | undefined;
  providers: Provider[];
}) {
  const [model, setModel] = useState<string>(DEFAULT_CHAIN);
  const [prompt, setPrompt] = useState(DEFAULT_PROMPT);
  const { state, running, send, stop } = useTryIt();
  const promptId = useId();
  const modelLabelId = useId();
  const usable = models ? chatModels(models) : [];
  const defaultModel = settings?.defaultModel ?? null;
  const fallbackCount = settings?.fallbackModels.length ?? 0;

  // Escape stops a reply in flight, wherever the focus is.
  useEffect(() => {
    if (!running) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !event.defaultPrevented) stop();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [running, stop]);

  function submit(event?: FormEvent) {
    event?.preventDefault();
    if (running || !prompt.trim()) return;
    void send(prompt.trim(), model || null);
  }

  return (
    <SettingsSection
      title="Try it"
      description="Send a message and watch the reply arrive, with which model answered, the tokens and what it cost."
    >
      <form onSubmit={submit} className="flex flex-col gap-4" aria-label="Try a model">
        <div className="flex flex-col gap-1.5">
          <p id={modelLabelId} className="text-sm font-medium text-ink">
            Model
          </p>
          <ModelPicker
            label="Model to try"
            labelledBy={modelLabelId}
            value={model}
            onChange={setModel}
            models={usable}
            providers={providers}
            disabled={running}
            defaultOption={{
              label: 'Your default model',
              description: defaultModel
                ? `${modelDisplayName(defaultModel, providers)}${fallbackCount > 0 ? `, then ${fallbackCount} fallback${fallbackCount === 1 ? '' : 's'}` : ''}`
                : 'Not chosen yet',
            }}
          />
        </div>
        <div className="flex flex-col gap-1.5">
          <label htmlFor={promptId} className="text-sm font-medium text-ink">
            Message
          </label>
          <textarea
            id={promptId}
            name="prompt"
            rows={2}
            maxLength={4000}
            value={prompt}
            onChange={(event) => setPrompt(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && (event.metaKey || event.ctrlKey)) submit();
            }}
            aria-describedby={`${promptId}-hint`}
            className="block min-h-[4.5rem] w-full resize-y rounded-lg border border-line-strong bg-surface px-3 py-2 text-[15px] text-ink shadow-xs transition-colors placeholder:text-ink-subtle hover:border-ink-subtle focus-visible:border-accent focus-visible:outline-2 focus-visible:outline-offset-0 focus-visible:outline-ring/40"
          />
          <p id={`${promptId}-hint`} className="text-[13px] text-ink-muted">
            Ctrl+Enter sends · Esc stops
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          {running ? (
            <button type="button" className="btn-secondary" onClick={stop}>
              <Square className="size-3.5 fill-current" aria-hidden="true" />
              Stop
            </button>
          ) : (
            <button type="submit" className="btn-primary" disabled={!prompt.trim()}>
              <Send className="size-4" aria-hidden="true" />
              Send
            </button>
          )}
        </div>
      </form>
      {state.status !== 'idle' ? <TryItResult state={state} providers={providers} /> : null}
    </SettingsSection>
  );
}

/** The reply: timeline, text, and the summary line. Exported for tests. */
export function TryItResult({ state, providers = [] }: { state: TryItState; providers?: Provider[] }) {
  const name = (id: string) => modelDisplayName(id, providers);
  const running = state.status === 'connecting' || state.status === 'streaming';
  return (
    <div className="mt-5 flex flex-col gap-3 border-t border-line pt-5">
      {state.timeline.length > 0 || state.trying ? (
        <ol aria-label="Which model answered" className="flex flex-col gap-1 text-[13px] leading-5">
          {state.timeline.map((entry, index) => (
            <li
              // biome-ignore lint/suspicious/noArrayIndexKey: the timeline only grows
              key={index}
              className={clsx(
                'flex items-start gap-1.5',
                entry.kind === 'answered' ? 'text-ink' : 'text-ink-muted',
              )}
            >
              {entry.kind === 'answered' ? (
                entry.fallback ? (
                  <CornerDownRight className="mt-0.5 size-3.5 shrink-0 text-ok" aria-hidden="true" />
                ) : (
                  <CircleCheck className="mt-0.5 size-3.5 shrink-0 text-ok" aria-hidden="true" />
                )
              ) : (
                <CircleAlert className="mt-0.5 size-3.5 shrink-0 text-warn" aria-hidden="true" />
              )}
              <span className="min-w-0 break-words">
                {describeEntry(entry, state.timeline[index + 1], name)}
                {entry.kind === 'failed' ? (
                  <span className="text-ink-subtle"> ({describeFailure(entry)})</span>
                ) : null}
              </span>
            </li>
          ))}
          {state.trying && running ? (
            <li className="flex items-center gap-1.5 text-ink-muted">
              <Spinner className="size-3.5" />
              Asking {name(state.trying.modelId)}
              {state.trying.attempt > 1 ? ` (attempt ${state.trying.attempt})` : ''}…
            </li>
          ) : null}
        </ol>
      ) : null}

      {state.text || running ? (
        <section
          aria-busy={running}
          aria-label="Reply"
          className="rounded-xl bg-surface-sunken px-4 py-3 text-[15px] leading-7 whitespace-pre-wrap break-words text-ink"
        >
          {state.text}
          {running ? (
            <span
              aria-hidden="true"
              className="ml-0.5 inline-block h-4 w-2 translate-y-0.5 animate-caret rounded-sm bg-accent"
            />
          ) : null}
          {!state.text && running ? <span className="sr-only">Waiting for the reply…</span> : null}
        </section>
      ) : null}

      {state.status === 'stopped' ? (
        <p role="status" className="text-sm text-ink-muted">
          Stopped. {state.text ? 'The text so far is kept above.' : ''}
        </p>
      ) : null}

      {state.error && state.status === 'failed' ? <TryItError error={state.error} /> : null}

      {state.finish ? (
        <dl
          aria-label="Call summary"
          className="grid grid-cols-2 gap-px overflow-hidden rounded-xl border border-line bg-line text-sm sm:grid-cols-4 [&>div]:bg-surface"
        >
          <SummaryItem label="Model" className="col-span-2 sm:col-span-4">
            <span className="font-mono text-[13px] break-all">
              {state.modelId ? name(state.modelId) : '—'}
            </span>
          </SummaryItem>
          <SummaryItem label="Tokens">
            {state.usage ? (
              <>
                {state.usage.inputTokens} in · {state.usage.outputTokens} out
                {state.tokensReported === false ? (
                  <span className="block text-xs font-normal text-ink-subtle">estimated</span>
                ) : null}
              </>
            ) : (
              '—'
            )}
          </SummaryItem>
          <SummaryItem label="Cost">{formatCost(state.usage?.costUsd)}</SummaryItem>
          <SummaryItem label="First token">
            {state.finish.timings?.timeToFirstTokenMs == null
              ? '—'
              : formatLatency(state.finish.timings.timeToFirstTokenMs)}
          </SummaryItem>
          <SummaryItem label="Duration">
            {state.finish.timings?.durationMs == null ? '—' : formatLatency(state.finish.timings.durationMs)}
          </SummaryItem>
        </dl>
      ) : null}
      <p role="status" className="sr-only">
        {state.status === 'done' && state.modelId ? `Reply finished, from ${name(state.modelId)}.` : ''}
      </p>
    </div>
  );
}

function SummaryItem({
  label,
  children,
  className,
}: {
  label: string;
  children: ReactNode;
  className?: string;
}) {
  return (
    <div className={clsx('min-w-0 px-3.5 py-2.5', className)}>
      <dt className="text-xs font-medium text-ink-muted">{label}</dt>
      <dd className="mt-0.5 font-medium text-ink tabular-nums">{children}</dd>
    </div>
  );
}

function TryItError({ error }: { error: { code: string; message: string } }): ReactNode {
  if (error.code === 'local_only') {
    return (
      <FormAlert>
        <span className="font-medium">Local-only mode is on, so this cloud model can’t be used.</span> Nothing
        you write may leave this computer or network. Choose a local model, or turn local-only mode off under
        Privacy.
      </FormAlert>
    );
  }
  if (error.code === 'no_model_configured') {
    return (
      <FormAlert>
        <span className="font-medium">No default model yet.</span> Choose one under Default model, or pick a
        model to try above.
      </FormAlert>
    );
  }
  const summary = problemSummary(error.code, error.message);
  const advice = problemAdvice(error.code);
  return (
    <FormAlert>
      <span className="font-medium">{summary}.</span> {advice}
      {error.message && error.message !== summary ? (
        <span className="mt-1 block text-[13px] break-words text-ink-muted">
          {error.message} <code className="font-mono text-xs">{error.code}</code>
        </span>
      ) : null}
    </FormAlert>
  );
}
