import { LuminaApiError } from '@lumina/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Cloud, HardDrive, Pencil, Plus, RefreshCw, Trash2, Waypoints } from 'lucide-react';
import { useState } from 'react';
import { friendlyMessage } from '../../lib/api-errors';
import { useLuminaClient } from '../../lib/lumina-client';
import { VOICE_ENGINES_KEY } from '../../lib/voice/voice-api';
import { ConfirmDialog } from '../confirm-dialog';
import { ErrorPanel } from '../error-panel';
import { FormAlert } from '../form-alert';
import { Skeleton } from '../skeleton';
import { StatusBadge } from '../status-badge';
import { Spinner } from '../submit-button';
import {
  KIND_LABELS,
  NETWORK_ENGINES_KEY,
  type NetworkEngine,
  NetworkEngineDialog,
} from './network-engine-dialog';

function useNetworkEngines() {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: NETWORK_ENGINES_KEY,
    queryFn: async ({ signal }) =>
      (await lumina.GET('/api/admin/voice/network-engines', { signal })).data!.engines,
  });
}

/**
 * Settings › Voice for administrators: the OpenAI-compatible transcription and speech endpoints
 * (whisper.cpp's server, a cloud API) that become voice engines of this server; add, edit,
 * remove, and test the connection with one real request.
 */
export function NetworkEnginesSection() {
  const engines = useNetworkEngines();
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<NetworkEngine | null>(null);
  const [removing, setRemoving] = useState<NetworkEngine | null>(null);
  const [announcement, setAnnouncement] = useState('');

  const addButton = (variant: 'btn-primary' | 'btn-secondary') => (
    <button type="button" className={variant} onClick={() => setAdding(true)}>
      <Plus className="size-4" aria-hidden="true" />
      Add network engine
    </button>
  );

  return (
    <section aria-labelledby="network-engines-heading" className="card">
      <div className="flex flex-col items-start gap-3 px-5 pt-5 sm:flex-row sm:px-6 sm:pt-6">
        <div className="min-w-0 flex-1">
          <h2 id="network-engines-heading" className="font-semibold text-ink">
            Network engines
          </h2>
          <p className="mt-1 text-sm text-ink-muted">
            OpenAI-compatible speech services this server can use for everyone: whisper.cpp’s server on your
            network, or a cloud API. Only administrators see this.
          </p>
        </div>
        {engines.data && engines.data.length > 0 ? addButton('btn-secondary') : null}
      </div>
      <p role="status" className="sr-only">
        {announcement}
      </p>
      <div className="px-5 pt-4 pb-5 sm:px-6 sm:pb-6">
        {engines.data ? (
          engines.data.length > 0 ? (
            <ul aria-label="Network engines" className="divide-y divide-line rounded-lg border border-line">
              {engines.data.map((engine) => (
                <NetworkEngineRow
                  key={engine.id}
                  engine={engine}
                  onEdit={() => setEditing(engine)}
                  onRemove={() => setRemoving(engine)}
                />
              ))}
            </ul>
          ) : (
            <div className="flex flex-col items-center rounded-lg border border-dashed border-line-strong px-5 py-8 text-center">
              <span className="flex size-10 items-center justify-center rounded-full bg-accent-soft text-accent-soft-ink">
                <Waypoints className="size-5" aria-hidden="true" />
              </span>
              <h3 className="mt-3 font-medium text-ink">No network engines yet</h3>
              <p className="mt-1 max-w-md text-sm text-ink-muted">
                Connect a transcription service (POST /v1/audio/transcriptions) or a speech service (POST
                /v1/audio/speech) to give calls better recognition or more voices.
              </p>
              <div className="mt-4">{addButton('btn-primary')}</div>
            </div>
          )
        ) : engines.isError ? (
          <ErrorPanel error={engines.error} onRetry={() => engines.refetch()} retryLabel="Retry" />
        ) : (
          <div className="divide-y divide-line rounded-lg border border-line" aria-busy="true">
            <p className="sr-only" role="status">
              Loading network engines…
            </p>
            {[0, 1].map((key) => (
              <div key={key} className="flex items-center gap-3 px-4 py-4">
                <Skeleton className="size-10 rounded-lg" />
                <div className="flex flex-1 flex-col gap-2">
                  <Skeleton className="h-4 w-40" />
                  <Skeleton className="h-3.5 w-64 max-w-full" />
                </div>
              </div>
            ))}
          </div>
        )}
      </div>
      <NetworkEngineDialog
        open={adding}
        onOpenChange={setAdding}
        onSaved={(saved) =>
          setAnnouncement(
            saved.ready
              ? `${saved.name} added and answering.`
              : `${saved.name} added, but it is not ready. See the message next to it.`,
          )
        }
      />
      <NetworkEngineDialog
        open={editing !== null}
        onOpenChange={(open) => (open ? undefined : setEditing(null))}
        engine={editing}
        onSaved={(saved) => setAnnouncement(`${saved.name} saved.`)}
      />
      <RemoveNetworkEngineDialog engine={removing} onClose={() => setRemoving(null)} />
    </section>
  );
}

function NetworkEngineRow({
  engine,
  onEdit,
  onRemove,
}: {
  engine: NetworkEngine;
  onEdit: () => void;
  onRemove: () => void;
}) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const test = useMutation({
    mutationFn: async () => {
      const { data } = await lumina.POST('/api/admin/voice/network-engines/{id}/check', {
        params: { path: { id: engine.id } },
      });
      return data!;
    },
    onSuccess: ({ engine: checked }) => {
      queryClient.setQueryData<NetworkEngine[]>(NETWORK_ENGINES_KEY, (list) =>
        list?.map((e) => (e.id === checked.id ? checked : e)),
      );
      void queryClient.invalidateQueries({ queryKey: VOICE_ENGINES_KEY });
    },
  });
  const localOnly = engine.code === 'local_only';
  const Icon = engine.remote ? Cloud : HardDrive;
  return (
    <li className="flex flex-col gap-3 px-4 py-4 sm:flex-row sm:items-start">
      <div className="flex min-w-0 flex-1 gap-3">
        <span className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-surface-sunken text-ink-muted">
          <Icon className="size-5" aria-hidden="true" />
        </span>
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
            <h3 className="font-medium break-words text-ink">{engine.name}</h3>
            {localOnly ? (
              <StatusBadge tone="neutral">Not used: local-only</StatusBadge>
            ) : (
              <StatusBadge tone={engine.ready ? 'ok' : 'warn'}>
                {engine.ready ? 'Ready' : 'Not ready'}
              </StatusBadge>
            )}
          </div>
          <p className="mt-0.5 flex flex-wrap items-center gap-x-1.5 text-[13px] text-ink-muted">
            <span>{KIND_LABELS[engine.kind]}</span>
            <span aria-hidden="true">·</span>
            <span>{engine.remote ? 'Cloud' : 'Local'}</span>
            <span aria-hidden="true">·</span>
            <span>Model {engine.model}</span>
            {engine.useByDefault ? (
              <>
                <span aria-hidden="true">·</span>
                <span>Used by default</span>
              </>
            ) : null}
            {engine.apiKey === 'set' ? (
              <>
                <span aria-hidden="true">·</span>
                <span>Key saved</span>
              </>
            ) : null}
          </p>
          <p className="mt-0.5 truncate font-mono text-xs text-ink-subtle" title={engine.baseUrl}>
            {engine.baseUrl}
          </p>
          {engine.kind === 'tts' ? (
            <p className="mt-0.5 text-xs break-words text-ink-muted">Voices: {engine.voices.join(', ')}</p>
          ) : null}
          {engine.detail && !test.data ? (
            <p className="mt-1 text-[13px] break-words text-ink-muted">{engine.detail}</p>
          ) : null}
          <div aria-live="polite">
            {test.data ? (
              test.data.test.ready ? (
                <FormAlert tone="success" className="mt-2">
                  Connected: the service answered
                  {test.data.test.latencyMs !== null ? ` in ${test.data.test.latencyMs} ms` : ''}.
                </FormAlert>
              ) : (
                <FormAlert className="mt-2">
                  The test failed: {test.data.test.detail ?? 'the service did not answer as expected.'}
                  {test.data.test.code ? (
                    <span className="ml-1 font-mono text-xs text-ink-muted">({test.data.test.code})</span>
                  ) : null}
                </FormAlert>
              )
            ) : test.isError ? (
              <FormAlert className="mt-2">{friendlyMessage(test.error)}</FormAlert>
            ) : null}
          </div>
        </div>
      </div>
      <div className="flex shrink-0 items-center gap-1 max-sm:pl-13">
        <button
          type="button"
          className="btn-ghost h-8 px-2.5"
          onClick={() => test.mutate()}
          disabled={test.isPending}
          aria-label={`Test the connection to ${engine.name}`}
        >
          {test.isPending ? <Spinner /> : <RefreshCw className="size-4" aria-hidden="true" />}
          <span aria-hidden="true">{test.isPending ? 'Testing…' : 'Test'}</span>
        </button>
        <button type="button" className="icon-btn size-8" onClick={onEdit} aria-label={`Edit ${engine.name}`}>
          <Pencil className="size-4" aria-hidden="true" />
        </button>
        <button
          type="button"
          className="icon-btn size-8 text-bad"
          onClick={onRemove}
          aria-label={`Remove ${engine.name}`}
        >
          <Trash2 className="size-4" aria-hidden="true" />
        </button>
      </div>
    </li>
  );
}

function RemoveNetworkEngineDialog({
  engine,
  onClose,
}: {
  engine: NetworkEngine | null;
  onClose: () => void;
}) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: async (id: string) => {
      await lumina.DELETE('/api/admin/voice/network-engines/{id}', { params: { path: { id } } });
    },
    onSuccess: () => close(),
    onError: (error) => {
      if (error instanceof LuminaApiError && error.status === 404) close();
    },
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: NETWORK_ENGINES_KEY }),
        queryClient.invalidateQueries({ queryKey: VOICE_ENGINES_KEY }),
      ]),
  });
  function close() {
    remove.reset();
    onClose();
  }
  return (
    <ConfirmDialog
      open={engine !== null}
      onOpenChange={(open) => (open ? undefined : close())}
      title={`Remove ${engine?.name ?? 'network engine'}?`}
      description={
        <>
          Its saved key is deleted and calls stop using it. Avatars whose voice used it need another engine
          afterwards.
        </>
      }
      confirmLabel="Remove engine"
      pendingLabel="Removing…"
      pending={remove.isPending}
      error={remove.isError ? friendlyMessage(remove.error) : null}
      onConfirm={() => engine && remove.mutate(engine.id)}
    />
  );
}
