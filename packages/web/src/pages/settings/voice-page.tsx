import { useQueryClient } from '@tanstack/react-query';
import { AudioLines, Cloud, Download, Ear, type Mic, Speech } from 'lucide-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { SelectField } from '../../components/avatars/fields';
import { ErrorPanel } from '../../components/error-panel';
import { FormAlert } from '../../components/form-alert';
import { TextField } from '../../components/form-field';
import { PageHeader } from '../../components/page-header';
import { ProgressBar } from '../../components/progress-bar';
import { SettingsSection } from '../../components/settings-section';
import { Skeleton } from '../../components/skeleton';
import { StatusBadge } from '../../components/status-badge';
import { NetworkEnginesSection } from '../../components/voice/network-engines-section';
import { VoicePreviewButton } from '../../components/voice/voice-preview-button';
import { useDocumentTitle } from '../../lib/document-title';
import { useLuminaClient } from '../../lib/lumina-client';
import { formatAmount, formatBytes, formatSpeed, progressPercent } from '../../lib/progress';
import { useSession } from '../../lib/session';
import { useStreamTask } from '../../lib/use-stream-task';
import {
  downloadVoiceModel,
  useVoiceEngines,
  useVoiceModels,
  useVoices,
  VOICE_ENGINES_KEY,
  VOICE_MODELS_KEY,
  type VoiceEngine,
  type VoiceModel,
} from '../../lib/voice/voice-api';

const KINDS: { kind: VoiceEngine['kind']; title: string; what: string; Icon: typeof Mic }[] = [
  { kind: 'stt', title: 'Speech to text', what: 'Understands what you say in a call.', Icon: Ear },
  { kind: 'tts', title: 'Text to speech', what: 'Gives avatars their voices.', Icon: Speech },
  { kind: 'vad', title: 'Voice activity', what: 'Hears when you start and stop talking.', Icon: AudioLines },
];

/** /settings/voice: the speech engines this server found, their models, and the voices to try. */
export function VoicePage() {
  useDocumentTitle('Voice');
  const admin = useSession().data?.role === 'admin';
  return (
    <>
      <PageHeader
        title="Voice"
        description="The speech engines behind calls and read-aloud. Each avatar’s own voice is chosen in its editor."
      />
      <div className="flex max-w-3xl flex-col gap-6">
        <EnginesSection />
        {admin ? <NetworkEnginesSection /> : null}
        <VoicesSection />
        <ModelsSection />
      </div>
    </>
  );
}

function EnginesSection() {
  const engines = useVoiceEngines();
  return (
    <SettingsSection
      title="Speech engines"
      description="Found on this server. An engine that is not ready says why; calls use the default of each kind."
    >
      {engines.isPending ? (
        <div className="flex flex-col gap-3" aria-busy="true">
          <Skeleton className="h-14 w-full" />
          <Skeleton className="h-14 w-full" />
          <Skeleton className="h-14 w-full" />
        </div>
      ) : engines.isError ? (
        <ErrorPanel error={engines.error} onRetry={() => engines.refetch()} />
      ) : (
        <div className="flex flex-col gap-6">
          {KINDS.map(({ kind, title, what, Icon }) => {
            const list = engines.data.engines.filter((engine) => engine.kind === kind);
            const defaultId = engines.data.defaults[kind];
            return (
              <div key={kind}>
                <h3 className="flex items-center gap-2 text-sm font-semibold text-ink">
                  <Icon className="size-4 text-ink-subtle" aria-hidden="true" />
                  {title}
                </h3>
                <p className="mt-0.5 text-[13px] text-ink-muted">{what}</p>
                {list.length === 0 ? (
                  <p className="mt-2 rounded-lg border border-dashed border-line-strong px-3.5 py-3 text-sm text-ink-muted">
                    None found. Install one (for example{' '}
                    <code className="font-mono text-[13px]">espeak-ng</code> or{' '}
                    <code className="font-mono text-[13px]">pocketsphinx</code>) or download a model below.
                  </p>
                ) : (
                  <ul aria-label={title} className="mt-2 divide-y divide-line rounded-lg border border-line">
                    {list.map((engine) => (
                      <EngineRow key={engine.id} engine={engine} isDefault={engine.id === defaultId} />
                    ))}
                  </ul>
                )}
              </div>
            );
          })}
        </div>
      )}
    </SettingsSection>
  );
}

function EngineRow({ engine, isDefault }: { engine: VoiceEngine; isDefault: boolean }) {
  return (
    <li className="flex flex-col gap-1 px-3.5 py-3">
      <div className="flex items-start gap-3">
        <p className="flex min-w-0 flex-1 flex-wrap items-center gap-x-2 gap-y-1 font-medium text-ink">
          {engine.label}
          {isDefault ? (
            <span className="rounded-md bg-accent-soft px-1.5 py-0.5 text-xs font-medium text-accent-soft-ink">
              Default
            </span>
          ) : null}
          {engine.remote ? (
            <span className="inline-flex items-center gap-1 text-xs font-normal text-ink-muted">
              <Cloud className="size-3.5" aria-hidden="true" />
              Network service
            </span>
          ) : null}
        </p>
        <StatusBadge tone={engine.ready ? 'ok' : 'warn'}>{engine.ready ? 'Ready' : 'Not ready'}</StatusBadge>
      </div>
      <p className="text-[13px] text-ink-muted">
        <span className="font-mono text-xs">{engine.id}</span> · {engine.family}
      </p>
      {/* The server's own words: why it is not ready and what to install (full width: it can be long). */}
      {engine.detail ? <p className="text-[13px] break-words text-ink-muted">{engine.detail}</p> : null}
    </li>
  );
}

function VoicesSection() {
  const engines = useVoiceEngines();
  const tts = (engines.data?.engines ?? []).filter((engine) => engine.kind === 'tts');
  const [picked, setPicked] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const engineId = picked ?? engines.data?.defaults.tts ?? tts[0]?.id ?? null;
  const engine = tts.find((e) => e.id === engineId);
  const voices = useVoices(engineId);
  // Some engines have a voice per language (eSpeak NG: over a hundred): a filter, and a list that scrolls.
  const words = query.trim().toLowerCase();
  const shown = (voices.data ?? []).filter(
    (voice) =>
      !words ||
      [voice.label, voice.id, voice.language ?? '', voice.gender ?? ''].some((field) =>
        field.toLowerCase().includes(words),
      ),
  );
  return (
    <SettingsSection
      title="Voices"
      description={
        <>
          Listen before you choose. Give an avatar a voice in its editor (
          <Link to="/avatars" className="link">
            Avatars
          </Link>
          ).
        </>
      }
    >
      {engines.isPending ? (
        <Skeleton className="h-24 w-full" />
      ) : tts.length === 0 ? (
        <p className="text-sm text-ink-muted">
          No text-to-speech engine is available, so there are no voices yet.
        </p>
      ) : (
        <div className="flex flex-col gap-4">
          <div className="grid gap-4 sm:grid-cols-2">
            <SelectField
              label="Engine"
              value={engineId ?? ''}
              onChange={(event) => {
                setPicked(event.target.value);
                setQuery('');
              }}
            >
              {tts.map((e) => (
                <option key={e.id} value={e.id}>
                  {e.label}
                  {e.ready ? '' : ' — not ready'}
                </option>
              ))}
            </SelectField>
            <TextField
              label="Find a voice"
              type="search"
              value={query}
              placeholder="Name or language, e.g. en-GB"
              onChange={(event) => setQuery(event.target.value)}
            />
          </div>
          {engine && !engine.ready ? (
            <FormAlert tone="info">
              This engine is not ready: {engine.detail ?? 'it cannot speak right now.'}
            </FormAlert>
          ) : null}
          {voices.isPending ? (
            <Skeleton className="h-32 w-full" />
          ) : voices.isError ? (
            <ErrorPanel error={voices.error} onRetry={() => voices.refetch()} />
          ) : voices.data.length === 0 ? (
            <p className="text-sm text-ink-muted">
              This engine lists no voices; it speaks with its own default.
            </p>
          ) : shown.length === 0 ? (
            <p className="text-sm text-ink-muted">No voice matches “{query.trim()}”.</p>
          ) : (
            <ul
              aria-label="Voices"
              className="-mx-1 grid max-h-[26rem] grid-cols-1 gap-2 overflow-y-auto px-1 py-0.5 sm:grid-cols-2"
            >
              {shown.map((voice) => (
                <li
                  key={voice.id}
                  className="flex items-center gap-3 rounded-lg border border-line px-3 py-2.5"
                >
                  <div className="min-w-0 flex-1">
                    <p className="truncate font-medium text-ink">{voice.label}</p>
                    <p className="truncate text-xs text-ink-muted">
                      {[voice.language, voice.gender].filter(Boolean).join(' · ') || voice.id}
                    </p>
                  </div>
                  <VoicePreviewButton
                    previewId={`voices:${engineId}:${voice.id}`}
                    label="Play"
                    disabled={!engine?.ready}
                    request={{
                      text: `Hello, I am ${voice.label}. This is how I sound.`,
                      ...(engineId ? { engine: engineId } : {}),
                      voice: voice.id,
                    }}
                  />
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </SettingsSection>
  );
}

function ModelsSection() {
  const models = useVoiceModels();
  const admin = useSession().data?.role === 'admin';
  return (
    <SettingsSection
      title="Speech models"
      description={
        admin
          ? 'Neural voices and recognisers that run on this server, downloaded once (checked by SHA-256; a broken download resumes).'
          : 'Neural voices and recognisers that run on this server. An administrator downloads them.'
      }
    >
      {models.isPending ? (
        <Skeleton className="h-24 w-full" />
      ) : models.isError ? (
        <ErrorPanel error={models.error} onRetry={() => models.refetch()} />
      ) : models.data.length === 0 ? (
        <p className="text-sm text-ink-muted">This server offers no downloadable speech models.</p>
      ) : (
        <ul aria-label="Speech models" className="divide-y divide-line rounded-lg border border-line">
          {models.data.map((model) => (
            <ModelRow key={model.id} model={model} admin={admin} />
          ))}
        </ul>
      )}
    </SettingsSection>
  );
}

interface ModelProgress {
  receivedBytes: number;
  totalBytes: number | null;
  bytesPerSecond: number | null;
}
const NO_PROGRESS: ModelProgress = { receivedBytes: 0, totalBytes: null, bytesPerSecond: null };

function foldProgress(
  progress: ModelProgress,
  event: { type: string; [key: string]: unknown },
): ModelProgress {
  if (event.type !== 'progress') return progress;
  return {
    receivedBytes: typeof event.receivedBytes === 'number' ? event.receivedBytes : progress.receivedBytes,
    totalBytes:
      typeof event.totalBytes === 'number' && event.totalBytes > 0 ? event.totalBytes : progress.totalBytes,
    bytesPerSecond: typeof event.bytesPerSecond === 'number' ? event.bytesPerSecond : null,
  };
}

function ModelRow({ model, admin }: { model: VoiceModel; admin: boolean }) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const download = useStreamTask<ModelProgress>(foldProgress, NO_PROGRESS);
  const running = download.phase === 'running';
  const installed = model.installed || download.phase === 'done';
  const total = download.progress.totalBytes ?? model.sizeBytes;
  const start = () =>
    void download
      .start((signal) => downloadVoiceModel(lumina, model.id, signal))
      .then(() => {
        void queryClient.invalidateQueries({ queryKey: VOICE_MODELS_KEY });
        void queryClient.invalidateQueries({ queryKey: VOICE_ENGINES_KEY });
      });
  return (
    <li className="flex flex-col gap-2.5 px-3.5 py-3">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-2">
        <div className="min-w-0 flex-1">
          <p className="flex flex-wrap items-center gap-2 font-medium text-ink">
            {model.label}
            <StatusBadge tone={installed ? 'ok' : 'neutral'}>
              {installed ? 'Installed' : 'Not installed'}
            </StatusBadge>
          </p>
          <p className="text-[13px] text-ink-muted">
            {KIND_NAMES[model.kind] ?? model.kind} · {formatBytes(model.sizeBytes)} · {model.license}
          </p>
        </div>
        {admin && !installed ? (
          running ? (
            <button type="button" className="btn-secondary" onClick={download.cancel}>
              Cancel
            </button>
          ) : (
            <button type="button" className="btn-secondary" onClick={start}>
              <Download className="size-4" aria-hidden="true" />
              {download.phase === 'failed' ? 'Try again' : 'Download'}
            </button>
          )
        ) : null}
      </div>
      {!installed && model.detail ? (
        <p className="text-[13px] break-words text-ink-muted">{model.detail}</p>
      ) : null}
      {running ? (
        <div className="flex flex-col gap-1">
          <ProgressBar
            percent={progressPercent(download.progress.receivedBytes, total)}
            label={`Downloading ${model.label}`}
          />
          <p className="text-xs text-ink-muted tabular-nums">
            {formatAmount(download.progress.receivedBytes, total)}
            {formatSpeed(download.progress.bytesPerSecond)
              ? ` · ${formatSpeed(download.progress.bytesPerSecond)}`
              : ''}
          </p>
        </div>
      ) : null}
      <div aria-live="polite">
        {download.phase === 'failed' && download.error ? (
          <FormAlert requestId={download.error.requestId}>
            The download didn’t finish: {download.error.message}
          </FormAlert>
        ) : download.phase === 'cancelled' ? (
          <FormAlert tone="info">Download cancelled; it resumes where it stopped next time.</FormAlert>
        ) : null}
      </div>
    </li>
  );
}

const KIND_NAMES: Record<string, string> = {
  stt: 'Speech to text',
  tts: 'Voice',
  vad: 'Voice activity',
};
