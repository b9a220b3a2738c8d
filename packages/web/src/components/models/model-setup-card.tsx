import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ArrowRight, Check, Cloud, HardDrive, KeyRound, Laptop, RefreshCw, Sparkles } from 'lucide-react';
import { type ReactNode, useId, useState } from 'react';
import { Link } from 'react-router';
import { friendlyMessage } from '../../lib/api-errors';
import { useLuminaClient } from '../../lib/lumina-client';
import {
  chatModels,
  MODELS_QUERY_KEY,
  type Model,
  PROVIDERS_QUERY_KEY,
  type Provider,
  useModels,
  useProviders,
  useUpdateSettings,
  useUserSettings,
} from '../../lib/models';
import { healthWording } from '../../lib/provider-health';
import { DEFAULT_OLLAMA_URL } from '../../lib/provider-presets';
import { FormAlert } from '../form-alert';
import { Spinner, SubmitButton } from '../submit-button';
import { LocalIcon, ModelPicker } from './model-picker';
import { ProviderDialog } from './provider-dialog';

/**
 * Home's first-run guide, never a dead end: with no usable model (or no default), it offers
 * the three ways to get one — Ollama, an API key, or a model downloaded to this server — and,
 * once a model exists, to make it the default. With a default set, a one-line summary.
 */
export function ModelSetupCard({ isAdmin }: { isAdmin: boolean }) {
  const models = useModels();
  const settings = useUserSettings();
  const providers = useProviders();
  const [justChosen, setJustChosen] = useState<string | null>(null);

  if (!models.data || !settings.data || !providers.data) return null;
  const usable = chatModels(models.data);
  const defaultModel = settings.data.settings.defaultModel;
  const defaultUsable = Boolean(defaultModel && usable.some((m) => m.id === defaultModel));

  if (defaultModel && defaultUsable) {
    return (
      <ModelReady modelId={defaultModel} count={usable.length} justChosen={justChosen === defaultModel} />
    );
  }
  return (
    <SetupGuide
      models={usable}
      providers={providers.data}
      brokenDefault={defaultModel}
      isAdmin={isAdmin}
      onChosen={setJustChosen}
    />
  );
}

function ModelReady({ modelId, count, justChosen }: { modelId: string; count: number; justChosen: boolean }) {
  return (
    <section
      aria-labelledby="model-ready-heading"
      className="card flex flex-col gap-3 p-5 sm:flex-row sm:items-center sm:p-6"
    >
      <span className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-ok-soft text-ok">
        <Check className="size-5" aria-hidden="true" />
      </span>
      <div className="min-w-0 flex-1">
        <h2 id="model-ready-heading" className="font-semibold text-ink">
          {justChosen ? 'Your default model is set' : 'Your model is ready'}
        </h2>
        <p className="text-sm break-words text-ink-muted" role={justChosen ? 'status' : undefined}>
          Avatars will answer with <span className="font-mono text-[13px] text-ink">{modelId}</span>
          {count > 1 ? `, one of ${count} models you can use.` : '.'}
        </p>
      </div>
      <Link to="/settings/models" className="btn-secondary shrink-0">
        {justChosen ? 'Try it' : 'Models'}
        <ArrowRight className="size-4" aria-hidden="true" />
      </Link>
    </section>
  );
}

function SetupGuide({
  models,
  providers,
  brokenDefault,
  isAdmin,
  onChosen,
}: {
  models: Model[];
  providers: Provider[];
  brokenDefault: string | null;
  isAdmin: boolean;
  onChosen: (id: string) => void;
}) {
  const [dialog, setDialog] = useState<string | null>(null);
  const update = useUpdateSettings();
  const queryClient = useQueryClient();
  const ollama =
    providers.find((p) => p.kind === 'ollama' && p.enabled && p.scope === 'system') ??
    providers.find((p) => p.kind === 'ollama' && p.enabled);
  const ollamaModels = ollama ? models.filter((m) => m.provider === ollama.id) : [];
  const otherModels = models.filter((m) => m.provider !== ollama?.id || ollama.health.status !== 'ok');

  function choose(id: string) {
    update.mutate(
      { defaultModel: id },
      {
        onSuccess: () => {
          onChosen(id);
          void queryClient.invalidateQueries({ queryKey: MODELS_QUERY_KEY });
        },
      },
    );
  }

  return (
    <section aria-labelledby="setup-heading" className="card overflow-hidden">
      <div className="flex gap-4 border-b border-line bg-accent-soft/40 px-5 py-5 sm:px-6">
        <span className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-accent text-accent-ink">
          <Sparkles className="size-5" aria-hidden="true" />
        </span>
        <div className="min-w-0">
          <h2 id="setup-heading" className="font-semibold text-ink">
            {models.length > 0 ? 'Choose the model your avatars use' : 'Set up a model to get started'}
          </h2>
          <p className="mt-0.5 text-sm text-ink-muted">
            {brokenDefault
              ? `Your default model, ${brokenDefault}, isn’t available right now. Pick another, or connect one of these.`
              : models.length > 0
                ? 'Avatars need a language model to think with. Pick one below — you can change it any time in Settings → Models.'
                : 'Avatars need a language model to think with. Any one of these ways works; you can add more later.'}
          </p>
        </div>
      </div>

      {update.isError ? (
        <div className="px-5 pt-4 sm:px-6">
          <FormAlert>{friendlyMessage(update.error)}</FormAlert>
        </div>
      ) : null}

      {otherModels.length > 0 ? (
        <ChooseDefault models={models} providers={providers} pending={update.isPending} onChoose={choose} />
      ) : null}

      <ol className="divide-y divide-line">
        <Path
          icon={<Laptop className="size-5" aria-hidden="true" />}
          title={<OllamaTitle ollama={ollama} hasModels={ollamaModels.length > 0} />}
        >
          <OllamaPath
            ollama={ollama}
            models={ollamaModels}
            pending={update.isPending}
            onChoose={choose}
            onAdd={() => setDialog('ollama')}
          />
        </Path>
        <Path icon={<KeyRound className="size-5" aria-hidden="true" />} title="Add an API key">
          <p>
            Use OpenAI, Anthropic, Google Gemini, Groq, Mistral, OpenRouter or another cloud service. The key
            is stored encrypted on this server; what you write is sent to that service.
          </p>
          <div className="mt-3">
            <button type="button" className="btn-secondary" onClick={() => setDialog('openai')}>
              <Cloud className="size-4" aria-hidden="true" />
              Add an API key
            </button>
          </div>
        </Path>
        <Path
          icon={<HardDrive className="size-5" aria-hidden="true" />}
          title="Download a small model to run here"
        >
          {isAdmin ? (
            <>
              <p>
                Lumina can run models itself with its embedded engine: install it once (about 85 MB), then
                download a model of about 1 GB. Nothing else to install, and nothing leaves this server.
              </p>
              <div className="mt-3">
                <Link to="/admin/models#engine" className="btn-secondary">
                  Set up local models
                  <ArrowRight className="size-4" aria-hidden="true" />
                </Link>
              </div>
            </>
          ) : (
            <p>
              An administrator can install Lumina’s embedded engine and download a model to run on this
              server. Ask yours to open{' '}
              <span className="font-medium text-ink">Administration → Models &amp; pricing</span>; the model
              then shows up here for you.
            </p>
          )}
        </Path>
      </ol>
      <ProviderDialog
        open={dialog !== null}
        onOpenChange={(open) => (open ? undefined : setDialog(null))}
        initialPreset={dialog ?? 'ollama'}
      />
    </section>
  );
}

function ChooseDefault({
  models,
  providers,
  pending,
  onChoose,
}: {
  models: Model[];
  providers: Provider[];
  pending: boolean;
  onChoose: (id: string) => void;
}) {
  const [picked, setPicked] = useState<string | null>(models.length === 1 ? models[0]!.id : null);
  const labelId = useId();
  return (
    <div className="border-b border-line px-5 py-5 sm:px-6">
      <p id={labelId} className="text-sm font-medium text-ink">
        You have {models.length === 1 ? 'a model' : `${models.length} models`} ready. Choose your default:
      </p>
      <form
        className="mt-2 flex flex-col gap-2 sm:flex-row"
        onSubmit={(event) => {
          event.preventDefault();
          if (picked) onChoose(picked);
        }}
      >
        <ModelPicker
          label="Default model"
          labelledBy={labelId}
          value={picked}
          onChange={setPicked}
          models={models}
          providers={providers}
          className="min-w-0 flex-1"
        />
        <SubmitButton pending={pending} pendingLabel="Saving…" disabled={!picked}>
          Use as default
        </SubmitButton>
      </form>
    </div>
  );
}

function Path({ icon, title, children }: { icon: ReactNode; title: ReactNode; children: ReactNode }) {
  return (
    <li className="flex gap-4 px-5 py-5 sm:px-6">
      <span className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-surface-sunken text-ink-muted">
        {icon}
      </span>
      <div className="min-w-0 flex-1 text-sm text-ink-muted">
        <h3 className="mb-1 text-[15px] font-medium break-words text-ink">{title}</h3>
        {children}
      </div>
    </li>
  );
}

function OllamaTitle({ ollama, hasModels }: { ollama: Provider | undefined; hasModels: boolean }) {
  if (ollama?.health.status === 'ok') {
    return (
      <>
        Ollama found at <span className="font-mono text-[13px] font-normal">{ollama.baseUrl}</span>
        {hasModels ? ' — pick a model' : ''}
      </>
    );
  }
  if (ollama) return <>Ollama isn’t answering</>;
  return <>Run models on this computer with Ollama</>;
}

function OllamaPath({
  ollama,
  models,
  pending,
  onChoose,
  onAdd,
}: {
  ollama: Provider | undefined;
  models: Model[];
  pending: boolean;
  onChoose: (id: string) => void;
  onAdd: () => void;
}) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const check = useMutation({
    mutationFn: async (id: string) => {
      await lumina.POST('/api/providers/{id}/check', { params: { path: { id } } });
    },
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: PROVIDERS_QUERY_KEY }),
        queryClient.invalidateQueries({ queryKey: MODELS_QUERY_KEY }),
      ]),
  });

  if (!ollama) {
    return (
      <>
        <p>
          Install Ollama from{' '}
          <a href="https://ollama.com/download" target="_blank" rel="noreferrer" className="link">
            ollama.com
          </a>{' '}
          and start it. Lumina looks for it at{' '}
          <code className="font-mono text-[13px] text-ink">{DEFAULT_OLLAMA_URL}</code>; if it runs elsewhere,
          add its address.
        </p>
        <div className="mt-3">
          <button type="button" className="btn-secondary" onClick={onAdd}>
            Add Ollama
          </button>
        </div>
      </>
    );
  }

  if (ollama.health.status !== 'ok') {
    const wording = healthWording(ollama);
    return (
      <>
        <p>
          Lumina is set up to use Ollama at{' '}
          <code className="font-mono text-[13px] break-all text-ink">{ollama.baseUrl}</code>, but{' '}
          {wording.summary
            ? `${wording.summary.charAt(0).toLowerCase()}${wording.summary.slice(1)}`
            : 'it hasn’t answered yet'}
          . Start it with <code className="font-mono text-[13px] text-ink">ollama serve</code> (or open the
          Ollama app), then check again.
        </p>
        <div className="mt-3 flex flex-wrap gap-2">
          <button
            type="button"
            className="btn-secondary"
            disabled={check.isPending}
            onClick={() => check.mutate(ollama.id)}
          >
            {check.isPending ? <Spinner /> : <RefreshCw className="size-4" aria-hidden="true" />}
            Check again
          </button>
          <button type="button" className="btn-ghost" onClick={onAdd}>
            Use another address
          </button>
        </div>
      </>
    );
  }

  if (models.length === 0) {
    return (
      <>
        <p>Ollama is running but has no models yet. Download a small one — about 1 GB — right from Lumina.</p>
        <div className="mt-3">
          <Link to="/settings/models#ollama-pull" className="btn-secondary">
            Download a model
            <ArrowRight className="size-4" aria-hidden="true" />
          </Link>
        </div>
      </>
    );
  }

  const shown = models.slice(0, 5);
  return (
    <>
      <p>These run on this computer, so nothing you write leaves it.</p>
      <ul aria-label="Ollama models" className="mt-3 divide-y divide-line rounded-lg border border-line">
        {shown.map((model) => (
          <li key={model.id} className="flex items-center gap-3 py-2 pr-2 pl-3">
            <LocalIcon local />
            <span className="min-w-0 flex-1 truncate font-medium text-ink">{model.name}</span>
            <button
              type="button"
              className="btn-primary h-8 px-3"
              disabled={pending}
              onClick={() => onChoose(model.id)}
              aria-label={`Use ${model.name} as default`}
            >
              Use
            </button>
          </li>
        ))}
      </ul>
      {models.length > shown.length ? (
        <p className="mt-2">
          And {models.length - shown.length} more in{' '}
          <Link to="/settings/models" className="link">
            Settings → Models
          </Link>
          .
        </p>
      ) : null}
    </>
  );
}
