import { useQueryClient } from '@tanstack/react-query';
import { Download } from 'lucide-react';
import { Link } from 'react-router';
import { useLuminaClient } from '../../lib/lumina-client';
import { invalidateModelData, type LocalModels } from '../../lib/models';
import { formatBytes, formatTransfer, progressPercent } from '../../lib/progress';
import { useSession } from '../../lib/session';
import { useStreamTask } from '../../lib/use-stream-task';
import { LOCAL_MODELS_QUERY_KEY, useLocalModels } from '../../pages/admin/models/local-models-sections';
import { FormAlert } from '../form-alert';
import { ProgressBar } from '../progress-bar';

type CatalogModel = LocalModels['embeddingModels'][number];

interface Progress {
  receivedBytes: number;
  totalBytes: number | null;
  bytesPerSecond: number | null;
}

interface Result {
  fileName: string;
  sizeBytes: number;
  modelId: string;
}

const START: Progress = { receivedBytes: 0, totalBytes: null, bytesPerSecond: null };

function fold(progress: Progress, event: { type: string; [key: string]: unknown }): Progress {
  if (event.type !== 'progress') return progress;
  return {
    receivedBytes: typeof event.receivedBytes === 'number' ? event.receivedBytes : progress.receivedBytes,
    totalBytes: typeof event.totalBytes === 'number' && event.totalBytes > 0 ? event.totalBytes : null,
    bytesPerSecond: typeof event.bytesPerSecond === 'number' ? event.bytesPerSecond : null,
  };
}

/**
 * Settings › Memory, for administrators while no embedding model is chosen: the default
 * embedding model of the embedded engine (nomic-embed-text v1.5), downloaded here with progress
 * and checked against its SHA-256 on the server, then one click makes it the embedding model.
 * Other users see nothing here (downloads change the whole server).
 */
export function DefaultEmbeddingDownload({
  disabled,
  onUse,
}: {
  disabled: boolean;
  /** Chooses the model id as the embedding model. */
  onUse: (modelId: string) => void;
}) {
  const session = useSession();
  if (session.data?.role !== 'admin') return null;
  return <AdminDefaultEmbeddingDownload disabled={disabled} onUse={onUse} />;
}

function AdminDefaultEmbeddingDownload({
  disabled,
  onUse,
}: {
  disabled: boolean;
  onUse: (modelId: string) => void;
}) {
  const local = useLocalModels();
  const entry = local.data?.embeddingModels[0];
  if (!local.data || !entry) return null;
  if (!local.data.engineInstalled) {
    return (
      <p className="rounded-lg border border-dashed border-line-strong px-4 py-3 text-sm text-ink-muted">
        To make embeddings on this server, without Ollama or a cloud account, install the embedded engine in{' '}
        <Link to="/admin/models" className="font-medium text-accent-soft-ink hover:underline">
          Admin › Models
        </Link>
        ; then {entry.label} ({formatBytes(entry.sizeBytes)}) can be downloaded here.
      </p>
    );
  }
  return <CatalogModelDownload entry={entry} disabled={disabled} onUse={onUse} />;
}

function CatalogModelDownload({
  entry,
  disabled,
  onUse,
}: {
  entry: CatalogModel;
  disabled: boolean;
  onUse: (modelId: string) => void;
}) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const download = useStreamTask<Progress, Result>(fold, START);
  const running = download.phase === 'running';
  const ready = entry.downloaded || download.phase === 'done';

  function start() {
    void download
      .start(async (signal) => {
        const { response } = await lumina.POST('/api/admin/local-models/embedding', {
          body: { key: entry.key },
          parseAs: 'stream',
          signal,
        });
        return response.body;
      })
      .then(() => {
        // The engine lists the new file: the model picker above offers it.
        void queryClient.invalidateQueries({ queryKey: LOCAL_MODELS_QUERY_KEY });
        void invalidateModelData(queryClient);
      });
  }

  const { progress } = download;
  const percent =
    download.phase === 'done' ? 100 : progressPercent(progress.receivedBytes, progress.totalBytes);

  return (
    <section
      aria-label="Embedding model for this server"
      className="flex flex-col gap-3 rounded-lg border border-line bg-surface-sunken/50 p-3.5"
    >
      <div className="flex flex-wrap items-center gap-3">
        <div className="min-w-0 flex-1 text-sm">
          <p className="font-medium text-ink">{entry.label}</p>
          <p className="text-[13px] text-ink-muted">
            Runs in the embedded engine on this server, so memories never leave it.{' '}
            {[formatBytes(entry.sizeBytes), `${entry.dimensions} dimensions`, entry.license].join(' · ')}
          </p>
        </div>
        {ready ? (
          <button
            type="button"
            className="btn-secondary"
            disabled={disabled}
            onClick={() => onUse(download.result?.modelId ?? entry.modelId)}
          >
            Use it for memory
          </button>
        ) : running ? (
          <button type="button" className="btn-secondary" onClick={download.cancel}>
            Cancel download
          </button>
        ) : (
          <button type="button" className="btn-secondary" disabled={disabled} onClick={start}>
            <Download className="size-4" aria-hidden="true" />
            {download.phase === 'failed' || download.phase === 'cancelled'
              ? 'Download again'
              : `Download (${formatBytes(entry.sizeBytes)})`}
          </button>
        )}
      </div>
      {running || download.phase === 'done' ? (
        <div>
          <ProgressBar
            percent={percent}
            label="Embedding model download"
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
        {download.phase === 'done' ? (
          <FormAlert tone="success">
            Downloaded and checked. Choose it above, or click “Use it for memory”.
          </FormAlert>
        ) : download.phase === 'cancelled' ? (
          <FormAlert tone="info">Download stopped. Start it again to resume where it left off.</FormAlert>
        ) : download.phase === 'failed' && download.error ? (
          <FormAlert requestId={download.error.requestId}>{download.error.message}</FormAlert>
        ) : null}
      </div>
    </section>
  );
}
