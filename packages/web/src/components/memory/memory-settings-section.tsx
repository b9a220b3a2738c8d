import clsx from 'clsx';
import { Download, Eraser, RefreshCw } from 'lucide-react';
import { useState } from 'react';
import { Link } from 'react-router';
import {
  type EmbeddingStatus,
  embeddingPercent,
  MEMORY_EXPORT_URL,
  type MemorySettings,
  memoryErrorMessage,
  useEmbeddingStatus,
  useForgetAll,
  useMemorySettings,
  useRebuildEmbeddings,
  useUpdateMemorySettings,
} from '../../lib/memory';
import { chatModels, type Model, modelDisplayName, useModels, useProviders } from '../../lib/models';
import { SelectField } from '../avatars/fields';
import { ConfirmDialog } from '../confirm-dialog';
import { ErrorPanel } from '../error-panel';
import { FormAlert } from '../form-alert';
import { ProgressBar } from '../progress-bar';
import { SettingsSection } from '../settings-section';
import { Skeleton } from '../skeleton';
import { Spinner } from '../submit-button';
import { SwitchRow } from '../switch';
import { DefaultEmbeddingDownload } from './memory-settings-embedding-download';

/**
 * Settings › Memory: memory on or off for the account, the model that picks out what to
 * remember, the embedding model recall searches by meaning with (none: words only), whether past
 * messages are recalled too, and how far the vectors are.
 */
export function MemorySettingsSections() {
  const settings = useMemorySettings();
  const models = useModels();
  const providers = useProviders();
  const update = useUpdateMemorySettings();
  if (settings.isError)
    return <ErrorPanel error={settings.error} onRetry={() => settings.refetch()} retryLabel="Retry" />;
  const value = settings.data;
  const all = models.data ?? [];
  const name = (id: string) => modelDisplayName(id, providers.data ?? []);
  const save = (patch: Partial<MemorySettings>) => update.mutate(patch);

  return (
    <>
      <SettingsSection
        title="Remembering and recall"
        description="Avatars with memory on keep short notes of what you tell them and recall them in later chats. Each avatar also has its own switch, in its editor."
      >
        {!value ? (
          <SettingsSkeleton />
        ) : (
          <div className="flex flex-col gap-5">
            <SwitchRow
              label="Memory"
              checked={value.enabled}
              pending={update.isPending && update.variables?.enabled !== undefined}
              onCheckedChange={(enabled) => save({ enabled })}
              description={
                value.enabled
                  ? 'On: avatars with memory on learn from your chats and recall what they know.'
                  : 'Off: no avatar learns or recalls anything. What is already kept stays until you delete it.'
              }
            />
            <SwitchRow
              label="Recall past conversations"
              checked={value.recallMessages}
              disabled={!value.enabled}
              pending={update.isPending && update.variables?.recallMessages !== undefined}
              onCheckedChange={(recallMessages) => save({ recallMessages })}
              description="Avatars may also bring up what you wrote in your earlier chats with them, with the date."
            />
            <SelectField
              label="Model that picks what to remember"
              value={value.extractionModel ?? ''}
              disabled={!value.enabled || update.isPending}
              onChange={(event) => save({ extractionModel: event.target.value || null })}
              hint="Reads each finished exchange in the background, so it never slows a reply. A small, cheap model is enough."
            >
              <option value="">The conversation’s own model</option>
              <ModelOptions models={chatModels(all)} current={value.extractionModel} name={name} />
            </SelectField>
            <EmbeddingModelField
              value={value}
              models={all.filter((m) => m.capabilities.embeddings)}
              name={name}
              disabled={!value.enabled || update.isPending}
              onChange={(embeddingModel) => save({ embeddingModel })}
            />
            {value.embeddingModel ? null : (
              <DefaultEmbeddingDownload
                disabled={!value.enabled || update.isPending}
                onUse={(embeddingModel) => save({ embeddingModel })}
              />
            )}
            {update.isError ? <FormAlert>{memoryErrorMessage(update.error)}</FormAlert> : null}
          </div>
        )}
      </SettingsSection>
      {value?.embeddingModel ? <EmbeddingProgressSection name={name} /> : null}
      <YourMemoriesSection />
    </>
  );
}

/** Export every memory, or forget them all (every avatar's, shared ones too). */
function YourMemoriesSection() {
  const forget = useForgetAll();
  const [confirming, setConfirming] = useState(false);
  const [forgotten, setForgotten] = useState<number | null>(null);
  return (
    <SettingsSection
      title="Your memories"
      description="Each avatar’s page shows what it remembers, to correct or delete one by one. Here: all of them at once."
    >
      <div className="flex flex-col gap-4">
        <div className="flex flex-wrap gap-2">
          <a href={MEMORY_EXPORT_URL} download className="btn-secondary">
            <Download className="size-4" aria-hidden="true" />
            Export as JSON
          </a>
          <button
            type="button"
            className="btn-secondary text-bad"
            onClick={() => {
              forget.reset();
              setConfirming(true);
            }}
          >
            <Eraser className="size-4" aria-hidden="true" />
            Forget all memories…
          </button>
        </div>
        {forgotten !== null ? (
          <FormAlert tone="success">
            {forgotten === 0
              ? 'There was nothing to forget.'
              : `Forgotten: ${forgotten.toLocaleString('en')} ${forgotten === 1 ? 'memory' : 'memories'}. No avatar will recall them again.`}
          </FormAlert>
        ) : null}
      </div>
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title="Forget all your memories?"
        description="Every memory of every avatar, shared ones and their history too, is deleted for good. Conversations and documents stay. Export first if you may want them back."
        confirmLabel="Forget everything"
        pendingLabel="Forgetting…"
        pending={forget.isPending}
        error={forget.error ? memoryErrorMessage(forget.error) : null}
        onConfirm={() =>
          forget.mutate(null, {
            onSuccess: (deleted) => {
              setConfirming(false);
              setForgotten(deleted);
            },
          })
        }
      />
    </SettingsSection>
  );
}

function ModelOptions({
  models,
  current,
  name,
}: {
  models: Model[];
  current: string | null;
  name: (id: string) => string;
}) {
  return (
    <>
      {models.map((m) => (
        <option key={m.id} value={m.id}>
          {name(m.id)}
          {m.local ? '' : ' (cloud)'}
        </option>
      ))}
      {current && !models.some((m) => m.id === current) ? (
        <option value={current}>{name(current)} (not available now)</option>
      ) : null}
    </>
  );
}

function EmbeddingModelField({
  value,
  models,
  name,
  disabled,
  onChange,
}: {
  value: MemorySettings;
  models: Model[];
  name: (id: string) => string;
  disabled: boolean;
  onChange: (id: string | null) => void;
}) {
  return (
    <SelectField
      label="Embedding model"
      value={value.embeddingModel ?? ''}
      disabled={disabled}
      onChange={(event) => onChange(event.target.value || null)}
      hint={
        models.length === 0 ? (
          <>
            None of your models makes embeddings yet. Add one in{' '}
            <Link to="/settings/models" className="font-medium text-accent-soft-ink hover:underline">
              Models
            </Link>{' '}
            — e.g. <code className="font-mono text-xs text-ink">nomic-embed-text</code> on Ollama. Until then
            recall finds memories by their words only.
          </>
        ) : value.embeddingModel ? (
          'Recall finds memories by meaning, not only by their words. Changing it re-embeds everything in the background.'
        ) : (
          'None: recall uses full-text search only and finds memories that share words with the chat. Choose one to recall by meaning.'
        )
      }
    >
      <option value="">None — full-text search only</option>
      <ModelOptions models={models} current={value.embeddingModel} name={name} />
    </SelectField>
  );
}

const ROWS: { key: keyof Pick<EmbeddingStatus, 'memories' | 'messages' | 'documents'>; label: string }[] = [
  { key: 'memories', label: 'Memories' },
  { key: 'messages', label: 'Past messages' },
  { key: 'documents', label: 'Document passages' },
];

/** How many memories, messages and passages carry a vector of the chosen model, and Rebuild. */
function EmbeddingProgressSection({ name }: { name: (id: string) => string }) {
  const status = useEmbeddingStatus();
  const rebuild = useRebuildEmbeddings();
  const data = status.data;
  const percent = data ? embeddingPercent(data) : null;
  const busy = Boolean(data?.running) || rebuild.isPending;
  return (
    <SettingsSection
      title="Embeddings"
      description="Vectors of your memories, messages and documents, made with the embedding model. Those of another model are never mixed in."
      footer={
        <button
          type="button"
          className="btn-secondary"
          disabled={busy || !data}
          title="Makes every vector again; until it is done, recall finds what is not embedded yet by its words"
          onClick={() => rebuild.mutate()}
        >
          {busy ? <Spinner /> : <RefreshCw className="size-4" aria-hidden="true" />}
          {data?.running ? 'Rebuilding…' : 'Rebuild all'}
        </button>
      }
    >
      {status.isError ? (
        <FormAlert>{memoryErrorMessage(status.error)}</FormAlert>
      ) : !data ? (
        <SettingsSkeleton />
      ) : (
        <div className="flex flex-col gap-4">
          <p className="text-sm text-ink-muted">
            <span className="font-medium text-ink">{data.model ? name(data.model) : 'No model'}</span>
            {data.dimensions ? ` · ${data.dimensions} dimensions` : ''}
            {data.running ? ' · embedding in the background' : ''}
          </p>
          {percent === null ? (
            <p className="text-sm text-ink-muted">Nothing to embed yet.</p>
          ) : (
            <div className="flex items-center gap-3">
              <ProgressBar
                percent={percent}
                label="Embedded"
                tone={percent === 100 ? 'ok' : 'accent'}
                className="flex-1"
              />
              <span className="w-12 shrink-0 text-right text-sm font-medium text-ink tabular-nums">
                {percent}%
              </span>
            </div>
          )}
          <dl className="grid grid-cols-3 gap-3">
            {ROWS.map(({ key, label }) => (
              <div key={key} className="rounded-lg bg-surface-sunken px-3 py-2">
                <dt className="text-xs text-ink-muted">{label}</dt>
                <dd
                  className={clsx(
                    'mt-0.5 text-sm font-medium tabular-nums',
                    data[key].total > 0 && data[key].embedded === data[key].total ? 'text-ok' : 'text-ink',
                  )}
                >
                  {data[key].embedded.toLocaleString('en')} / {data[key].total.toLocaleString('en')}
                </dd>
              </div>
            ))}
          </dl>
          {rebuild.isError ? <FormAlert>{memoryErrorMessage(rebuild.error)}</FormAlert> : null}
        </div>
      )}
    </SettingsSection>
  );
}

function SettingsSkeleton() {
  return (
    <div aria-busy="true" className="flex flex-col gap-4">
      <Skeleton className="h-5 w-2/3" />
      <Skeleton className="h-10 w-full" />
      <Skeleton className="h-10 w-full" />
      <span className="sr-only">Loading…</span>
    </div>
  );
}
