import { useQuery, useQueryClient } from '@tanstack/react-query';
import clsx from 'clsx';
import { Cpu, Download, FileBox, FolderOpen, TerminalSquare } from 'lucide-react';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { CopyButton } from '../../../components/copy-button';
import { FormAlert } from '../../../components/form-alert';
import { TextField } from '../../../components/form-field';
import { ProgressBar } from '../../../components/progress-bar';
import { SettingsSection } from '../../../components/settings-section';
import { Skeleton } from '../../../components/skeleton';
import { StatusBadge } from '../../../components/status-badge';
import { SubmitButton } from '../../../components/submit-button';
import { formatDuration } from '../../../lib/format';
import { useLuminaClient } from '../../../lib/lumina-client';
import { formatContextWindow, invalidateModelData, type LocalModels } from '../../../lib/models';
import { formatBytes, formatTransfer, progressPercent } from '../../../lib/progress';
import { useStreamTask } from '../../../lib/use-stream-task';

export const LOCAL_MODELS_QUERY_KEY = ['admin', 'local-models'] as const;

export function useLocalModels() {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: LOCAL_MODELS_QUERY_KEY,
    queryFn: async ({ signal }): Promise<LocalModels> => {
      const { data } = await lumina.GET('/api/admin/local-models', { signal });
      return data!;
    },
  });
}

const NO_LINES: string[] = [];
const MAX_LOG_LINES = 500;

function foldLines(lines: string[], event: { type: string; [key: string]: unknown }): string[] {
  if (event.type !== 'progress' || typeof event.line !== 'string') return lines;
  const next = [...lines, event.line];
  return next.length > MAX_LOG_LINES ? next.slice(-MAX_LOG_LINES) : next;
}

/** The embedded llama.cpp engine: installed or not, and an install button that shows npm's output. */
export function EngineSection({ status }: { status: LocalModels | undefined }) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const install = useStreamTask<string[], { durationMs: number }>(foldLines, NO_LINES);
  const log = useRef<HTMLPreElement>(null);

  // Keep the newest line in view while npm works.
  useEffect(() => {
    if (install.progress.length > 0) log.current?.scrollTo({ top: log.current.scrollHeight });
  }, [install.progress]);

  function start() {
    void install
      .start(async (signal) => {
        const { response } = await lumina.POST('/api/admin/local-models/engine', {
          parseAs: 'stream',
          signal,
        });
        return response.body;
      })
      .then(() => {
        void queryClient.invalidateQueries({ queryKey: LOCAL_MODELS_QUERY_KEY });
        void invalidateModelData(queryClient);
      });
  }

  const installed = status?.engineInstalled;
  const running = install.phase === 'running';

  return (
    <SettingsSection
      title="Embedded engine"
      description="Runs GGUF models inside Lumina with llama.cpp — no other software to install. The CPU build is about 85 MB, fetched from npm."
    >
      <div className="flex flex-col gap-4">
        <div className="flex flex-wrap items-center gap-3">
          <span className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-surface-sunken text-ink-muted">
            <Cpu className="size-5" aria-hidden="true" />
          </span>
          <div className="min-w-0 flex-1">
            <p className="flex flex-wrap items-center gap-2 font-medium text-ink">
              llama.cpp engine
              {status ? (
                <StatusBadge tone={installed ? 'ok' : 'neutral'}>
                  {installed ? 'Installed' : 'Not installed'}
                </StatusBadge>
              ) : (
                <Skeleton className="h-5 w-20 rounded-full" />
              )}
            </p>
            <p className="text-[13px] text-ink-muted">
              {installed
                ? 'Models in the folder below appear in everyone’s model list as “Embedded (llama.cpp)”.'
                : 'Install it once; then download a model below and it is ready to use.'}
            </p>
          </div>
          {status && !installed ? (
            running ? (
              <button type="button" className="btn-secondary" onClick={install.cancel}>
                Cancel
              </button>
            ) : (
              <SubmitButton type="button" pending={false} onClick={start}>
                <Download className="size-4" aria-hidden="true" />
                {install.phase === 'failed' ? 'Try again' : 'Install engine'}
              </SubmitButton>
            )
          ) : null}
        </div>

        {install.phase !== 'idle' ? (
          <div className="overflow-hidden rounded-lg border border-line">
            <div className="flex items-center gap-2 border-b border-line bg-surface-sunken px-3 py-2 text-xs font-medium text-ink-muted">
              <TerminalSquare className="size-3.5" aria-hidden="true" />
              npm output
              {running ? <span className="ml-auto">Installing…</span> : null}
            </div>
            <pre
              ref={log}
              role="log"
              aria-label="Engine install output"
              // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling log must be reachable by keyboard
              tabIndex={0}
              className="max-h-56 min-h-24 overflow-auto bg-canvas px-3 py-2 font-mono text-xs leading-5 whitespace-pre-wrap break-all text-ink-muted"
            >
              {install.progress.length > 0 ? install.progress.join('\n') : 'Starting npm…'}
            </pre>
          </div>
        ) : null}
        <div aria-live="polite">
          {install.phase === 'done' && install.result ? (
            <FormAlert tone="success">
              The engine is installed (took {formatDuration(install.result.durationMs / 1000)}).
            </FormAlert>
          ) : install.phase === 'cancelled' ? (
            <FormAlert tone="info">Install cancelled. Nothing was changed.</FormAlert>
          ) : install.phase === 'failed' && install.error ? (
            <FormAlert requestId={install.error.requestId}>
              The install didn’t finish: {install.error.message}
            </FormAlert>
          ) : null}
        </div>
      </div>
    </SettingsSection>
  );
}

interface DownloadProgress {
  receivedBytes: number;
  totalBytes: number | null;
  bytesPerSecond: number | null;
}

interface DownloadResult {
  fileName: string;
  sizeBytes: number;
  sha256: string;
  resumed: boolean;
}

const NO_DOWNLOAD: DownloadProgress = { receivedBytes: 0, totalBytes: null, bytesPerSecond: null };

function foldDownload(
  progress: DownloadProgress,
  event: { type: string; [key: string]: unknown },
): DownloadProgress {
  if (event.type !== 'progress') return progress;
  return {
    receivedBytes: typeof event.receivedBytes === 'number' ? event.receivedBytes : progress.receivedBytes,
    totalBytes: typeof event.totalBytes === 'number' && event.totalBytes > 0 ? event.totalBytes : null,
    bytesPerSecond: typeof event.bytesPerSecond === 'number' ? event.bytesPerSecond : null,
  };
}

const SUGGESTED = {
  source: 'hf:bartowski/Llama-3.2-1B-Instruct-GGUF/Llama-3.2-1B-Instruct-Q4_K_M.gguf',
  label: 'Llama 3.2 1B Instruct',
  size: '808 MB',
};

const SOURCE_PATTERN = /^(hf:[^/\s]+\/[^/\s]+\/\S+\.gguf|https?:\/\/\S+\.gguf(\?\S*)?)$/i;

/** The GGUF files in the models folder, and a form that downloads another with progress. */
export function LocalModelsSection({ status }: { status: LocalModels | undefined }) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const download = useStreamTask<DownloadProgress, DownloadResult>(foldDownload, NO_DOWNLOAD);
  const [source, setSource] = useState('');
  const [sha256, setSha256] = useState('');
  const [errors, setErrors] = useState<{ source?: string; sha256?: string }>({});
  const running = download.phase === 'running';

  function submit(event: FormEvent) {
    event.preventDefault();
    if (running) return;
    const next: typeof errors = {};
    const trimmed = source.trim();
    if (!trimmed) next.source = 'Enter where to download from.';
    else if (!SOURCE_PATTERN.test(trimmed))
      next.source = 'Use hf:owner/repo/file.gguf or an https:// address of a .gguf file.';
    if (sha256.trim() && !/^[0-9a-f]{64}$/i.test(sha256.trim()))
      next.sha256 = 'A SHA-256 checksum is 64 characters, 0–9 and a–f.';
    setErrors(next);
    if (Object.keys(next).length > 0) return;
    void download
      .start(async (signal) => {
        const { response } = await lumina.POST('/api/admin/local-models', {
          body: { source: trimmed, ...(sha256.trim() ? { sha256: sha256.trim().toLowerCase() } : {}) },
          parseAs: 'stream',
          signal,
        });
        return response.body;
      })
      .then(() => {
        void queryClient.invalidateQueries({ queryKey: LOCAL_MODELS_QUERY_KEY });
        void invalidateModelData(queryClient);
      });
  }

  const { progress } = download;
  const percent =
    download.phase === 'done' ? 100 : progressPercent(progress.receivedBytes, progress.totalBytes);

  return (
    <SettingsSection
      title="Models on this server"
      description="GGUF files the embedded engine can run. Downloads resume where they stopped."
    >
      <div className="flex flex-col gap-6">
        {status ? (
          <>
            <div className="flex min-w-0 items-center gap-2 rounded-lg border border-line bg-surface-sunken py-1.5 pr-1.5 pl-3 text-[13px]">
              <FolderOpen className="size-4 shrink-0 text-ink-subtle" aria-hidden="true" />
              <span className="sr-only">Models folder:</span>
              <code className="min-w-0 flex-1 truncate font-mono text-ink" title={status.modelsDir}>
                {status.modelsDir}
              </code>
              <CopyButton text={status.modelsDir} label="Copy folder path" />
            </div>
            {status.models.length > 0 ? (
              <ul
                aria-label="Downloaded models"
                className="divide-y divide-line rounded-lg border border-line"
              >
                {status.models.map((model) => {
                  const context = formatContextWindow(model.contextLength);
                  return (
                    <li key={model.file} className="flex items-center gap-3 px-3.5 py-3">
                      <FileBox className="size-5 shrink-0 text-ink-subtle" aria-hidden="true" />
                      <div className="min-w-0 flex-1">
                        <p className="truncate font-mono text-[13px] text-ink" title={model.file}>
                          {model.file}
                        </p>
                        <p className="text-xs text-ink-muted">
                          {[
                            formatBytes(model.sizeBytes),
                            model.architecture,
                            context ? `${context} context` : null,
                          ]
                            .filter(Boolean)
                            .join(' · ')}
                        </p>
                      </div>
                    </li>
                  );
                })}
              </ul>
            ) : (
              <p className="rounded-lg border border-dashed border-line-strong px-4 py-5 text-center text-sm text-ink-muted">
                No models in this folder yet. Download one below, or copy a{' '}
                <code className="font-mono">.gguf</code> file into the folder.
              </p>
            )}
          </>
        ) : (
          <div className="flex flex-col gap-2" aria-busy="true">
            <Skeleton className="h-9 w-full" />
            <Skeleton className="h-14 w-full" />
          </div>
        )}

        <form
          id="download"
          onSubmit={submit}
          noValidate
          aria-labelledby="download-heading"
          className="flex scroll-mt-20 flex-col gap-4 border-t border-line pt-5"
        >
          <h3 id="download-heading" className="font-medium text-ink">
            Download a model
          </h3>
          <TextField
            label="From"
            name="source"
            required
            autoComplete="off"
            spellCheck={false}
            placeholder="hf:owner/repo/file.gguf"
            value={source}
            disabled={running}
            onChange={(event) => setSource(event.target.value)}
            error={errors.source}
            hint={
              <>
                A Hugging Face file (hf:owner/repo/file.gguf) or an https:// link to a .gguf file. A small one
                to start with: {SUGGESTED.label} ({SUGGESTED.size}).{' '}
                <button
                  type="button"
                  className="link"
                  disabled={running}
                  onClick={() => {
                    setSource(SUGGESTED.source);
                    setErrors({});
                  }}
                >
                  Use it
                </button>
              </>
            }
          />
          <TextField
            label="SHA-256 checksum"
            name="sha256"
            autoComplete="off"
            spellCheck={false}
            placeholder="64 hex characters"
            value={sha256}
            disabled={running}
            onChange={(event) => setSha256(event.target.value)}
            error={errors.sha256}
            hint="If the model page lists one, paste it: Lumina refuses a file that doesn’t match."
          />

          {running || download.phase === 'done' ? (
            <div className="rounded-lg border border-line bg-surface-sunken/50 p-3.5">
              <div className="mb-2 flex items-baseline justify-between gap-3 text-sm">
                <span className="font-medium text-ink">
                  {download.phase === 'done' ? 'Download complete' : 'Downloading…'}
                </span>
                <span className="font-semibold text-ink tabular-nums">
                  {percent === null ? '' : `${percent}%`}
                </span>
              </div>
              <ProgressBar
                percent={percent}
                label="Model download"
                tone={download.phase === 'done' ? 'ok' : 'accent'}
              />
              <p className="mt-2 text-[13px] text-ink-muted tabular-nums">
                {formatTransfer(
                  download.result?.sizeBytes ?? progress.receivedBytes,
                  progress.totalBytes,
                  progress.bytesPerSecond,
                  running,
                )}
              </p>
            </div>
          ) : null}

          <div aria-live="polite">
            {download.phase === 'done' && download.result ? (
              <FormAlert tone="success">
                Saved <span className="font-mono text-[13px] break-all">{download.result.fileName}</span> (
                {formatBytes(download.result.sizeBytes)}
                {download.result.resumed ? ', resumed' : ''}).{' '}
                {status?.engineInstalled
                  ? 'It is in everyone’s model list now.'
                  : 'Install the engine above to run it.'}
              </FormAlert>
            ) : download.phase === 'cancelled' ? (
              <FormAlert tone="info">Download stopped. Start it again to resume where it left off.</FormAlert>
            ) : download.phase === 'failed' && download.error ? (
              <FormAlert requestId={download.error.requestId}>{download.error.message}</FormAlert>
            ) : null}
          </div>

          <div className={clsx('flex flex-wrap gap-2', 'max-sm:[&>*]:w-full')}>
            {running ? (
              <button type="button" className="btn-secondary" onClick={download.cancel}>
                Cancel download
              </button>
            ) : (
              <SubmitButton pending={false}>
                <Download className="size-4" aria-hidden="true" />
                Download
              </SubmitButton>
            )}
          </div>
        </form>
      </div>
    </SettingsSection>
  );
}
