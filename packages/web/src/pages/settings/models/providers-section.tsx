import { LuminaApiError } from '@lumina/sdk';
import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import clsx from 'clsx';
import {
  Cloud,
  HardDrive,
  MoreHorizontal,
  Pencil,
  Plus,
  Power,
  RefreshCw,
  Server,
  Trash2,
} from 'lucide-react';
import { useState } from 'react';
import { ConfirmDialog } from '../../../components/confirm-dialog';
import { ErrorPanel } from '../../../components/error-panel';
import { FormAlert } from '../../../components/form-alert';
import { ProviderDialog } from '../../../components/models/provider-dialog';
import { ProviderHealthBadge, ProviderHealthDetails } from '../../../components/models/provider-health';
import { Skeleton } from '../../../components/skeleton';
import { StatusBadge } from '../../../components/status-badge';
import { Spinner } from '../../../components/submit-button';
import { friendlyMessage } from '../../../lib/api-errors';
import { useLuminaClient } from '../../../lib/lumina-client';
import {
  invalidateModelData,
  MODELS_QUERY_KEY,
  PROVIDERS_QUERY_KEY,
  type Provider,
  useProviders,
  useUserSettings,
} from '../../../lib/models';
import { kindLabel } from '../../../lib/provider-presets';

/** The providers list: health, local or cloud, the instance's or one's own; add, edit, remove. */
export function ProvidersSection() {
  const providers = useProviders();
  const settings = useUserSettings().data;
  const localOnly = Boolean(settings && (settings.settings.localOnly || settings.instance.localOnly));
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<Provider | null>(null);
  const [removing, setRemoving] = useState<Provider | null>(null);
  const [announcement, setAnnouncement] = useState('');

  const addButton = (
    <button type="button" className="btn-secondary" onClick={() => setAdding(true)}>
      <Plus className="size-4" aria-hidden="true" />
      Add provider
    </button>
  );

  return (
    <section aria-labelledby="providers-heading" className="card">
      <div className="flex flex-col items-start gap-3 px-5 pt-5 sm:flex-row sm:px-6 sm:pt-6">
        <div className="min-w-0 flex-1">
          <h2 id="providers-heading" className="font-semibold text-ink">
            Providers
          </h2>
          <p className="mt-1 text-sm text-ink-muted">
            Where your models come from. Local ones keep everything on this computer or network.
          </p>
        </div>
        {providers.data && providers.data.length > 0 ? addButton : null}
      </div>
      <p role="status" className="sr-only">
        {announcement}
      </p>
      <div className="px-5 pt-4 pb-5 sm:px-6 sm:pb-6">
        {providers.data ? (
          providers.data.length > 0 ? (
            <ul className="divide-y divide-line rounded-lg border border-line">
              {providers.data.map((provider) => (
                <ProviderRow
                  key={provider.id}
                  provider={provider}
                  blocked={localOnly && !provider.local}
                  onEdit={() => setEditing(provider)}
                  onRemove={() => setRemoving(provider)}
                />
              ))}
            </ul>
          ) : (
            <div className="flex flex-col items-center rounded-lg border border-dashed border-line-strong px-5 py-8 text-center">
              <span className="flex size-10 items-center justify-center rounded-full bg-accent-soft text-accent-soft-ink">
                <Server className="size-5" aria-hidden="true" />
              </span>
              <h3 className="mt-3 font-medium text-ink">No providers yet</h3>
              <p className="mt-1 max-w-md text-sm text-ink-muted">
                Connect Ollama or another model server on this computer, or add an API key for a cloud service
                such as OpenAI or Anthropic.
              </p>
              <div className="mt-4">
                <button type="button" className="btn-primary" onClick={() => setAdding(true)}>
                  <Plus className="size-4" aria-hidden="true" />
                  Add provider
                </button>
              </div>
            </div>
          )
        ) : providers.isError ? (
          <ErrorPanel error={providers.error} onRetry={() => providers.refetch()} retryLabel="Retry" />
        ) : (
          <ProvidersSkeleton />
        )}
      </div>
      <ProviderDialog
        open={adding}
        onOpenChange={setAdding}
        onSaved={(saved) =>
          setAnnouncement(
            saved.health.status === 'ok'
              ? `${saved.name} added and working.`
              : `${saved.name} added, but its check failed. See the message next to it.`,
          )
        }
      />
      <ProviderDialog
        open={editing !== null}
        onOpenChange={(open) => (open ? undefined : setEditing(null))}
        provider={editing}
        onSaved={(saved) => setAnnouncement(`${saved.name} saved.`)}
      />
      <RemoveProviderDialog provider={removing} onClose={() => setRemoving(null)} />
    </section>
  );
}

function ProviderRow({
  provider,
  blocked,
  onEdit,
  onRemove,
}: {
  provider: Provider;
  /** A cloud provider while local-only mode is on: listed, but not used. */
  blocked: boolean;
  onEdit: () => void;
  onRemove: () => void;
}) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const own = provider.scope === 'user';

  const check = useMutation({
    mutationFn: async () => {
      const { data } = await lumina.POST('/api/providers/{id}/check', {
        params: { path: { id: provider.id } },
      });
      return data!.provider;
    },
    onSuccess: (checked) => {
      queryClient.setQueryData<Provider[]>(PROVIDERS_QUERY_KEY, (list) =>
        list?.map((p) => (p.id === checked.id ? checked : p)),
      );
      void queryClient.invalidateQueries({ queryKey: MODELS_QUERY_KEY });
    },
  });

  const toggle = useMutation({
    mutationFn: async (enabled: boolean) => {
      await lumina.PATCH('/api/providers/{id}', {
        params: { path: { id: provider.id } },
        body: { enabled },
      });
    },
    onSettled: () => invalidateModelData(queryClient),
  });

  const Icon = provider.local ? HardDrive : Cloud;
  return (
    <li className="flex flex-col gap-3 px-4 py-4 sm:flex-row sm:items-start">
      <div className="flex min-w-0 flex-1 gap-3">
        <span
          className={clsx(
            'flex size-10 shrink-0 items-center justify-center rounded-lg',
            provider.enabled
              ? 'bg-surface-sunken text-ink-muted'
              : 'bg-surface-sunken text-ink-subtle opacity-60',
          )}
        >
          <Icon className="size-5" aria-hidden="true" />
        </span>
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
            <h3 className="font-medium break-words text-ink">{provider.name}</h3>
            {blocked ? (
              <StatusBadge tone="neutral">Not used: local-only</StatusBadge>
            ) : (
              <ProviderHealthBadge provider={provider} />
            )}
          </div>
          <p className="mt-0.5 flex flex-wrap items-center gap-x-1.5 text-[13px] text-ink-muted">
            <span>{kindLabel(provider.kind)}</span>
            <span aria-hidden="true">·</span>
            <span>{provider.local ? 'Local' : 'Cloud'}</span>
            <span aria-hidden="true">·</span>
            <span>{own ? 'Added by you' : 'Set up by the server'}</span>
            {provider.hasKey ? (
              <>
                <span aria-hidden="true">·</span>
                <span>Key saved</span>
              </>
            ) : null}
          </p>
          {provider.baseUrl ? (
            <p className="mt-0.5 truncate font-mono text-xs text-ink-subtle" title={provider.baseUrl}>
              {provider.baseUrl}
            </p>
          ) : null}
          {blocked ? (
            <p className="mt-1 text-xs text-ink-muted">
              Local-only mode is on, so nothing is sent to this cloud provider and its models are hidden.
            </p>
          ) : (
            <ProviderHealthDetails provider={provider} />
          )}
          {check.isError || toggle.isError ? (
            <FormAlert className="mt-2">{friendlyMessage(check.error ?? toggle.error)}</FormAlert>
          ) : null}
        </div>
      </div>
      <div className="flex shrink-0 items-center gap-1 max-sm:pl-13">
        {provider.enabled && !blocked ? (
          <button
            type="button"
            className="btn-ghost h-8 px-2.5"
            onClick={() => check.mutate()}
            disabled={check.isPending}
            aria-label={`Check ${provider.name} again`}
          >
            {check.isPending ? <Spinner /> : <RefreshCw className="size-4" aria-hidden="true" />}
            <span aria-hidden="true">{check.isPending ? 'Checking…' : 'Check'}</span>
          </button>
        ) : null}
        {own ? (
          <DropdownMenu.Root>
            <DropdownMenu.Trigger
              className="icon-btn size-8"
              aria-label={`More actions for ${provider.name}`}
            >
              <MoreHorizontal className="size-4" aria-hidden="true" />
            </DropdownMenu.Trigger>
            <DropdownMenu.Portal>
              <DropdownMenu.Content
                align="end"
                sideOffset={4}
                collisionPadding={8}
                className="z-50 w-48 animate-fade-in rounded-xl border border-line bg-surface-raised p-1 text-sm shadow-pop dark:border-line-strong"
              >
                <DropdownMenu.Item className={menuItemClass} onSelect={onEdit}>
                  <Pencil className="size-4 text-ink-muted" aria-hidden="true" />
                  Edit
                </DropdownMenu.Item>
                <DropdownMenu.Item
                  className={menuItemClass}
                  disabled={toggle.isPending}
                  onSelect={() => toggle.mutate(!provider.enabled)}
                >
                  <Power className="size-4 text-ink-muted" aria-hidden="true" />
                  {provider.enabled ? 'Turn off' : 'Turn on'}
                </DropdownMenu.Item>
                <DropdownMenu.Separator className="my-1 h-px bg-line" />
                <DropdownMenu.Item className={clsx(menuItemClass, 'text-bad')} onSelect={onRemove}>
                  <Trash2 className="size-4" aria-hidden="true" />
                  Remove
                </DropdownMenu.Item>
              </DropdownMenu.Content>
            </DropdownMenu.Portal>
          </DropdownMenu.Root>
        ) : null}
      </div>
    </li>
  );
}

const menuItemClass =
  'flex cursor-default items-center gap-2.5 rounded-lg px-2.5 py-2 text-ink outline-none select-none data-[disabled]:opacity-50 data-[highlighted]:bg-surface-sunken';

function RemoveProviderDialog({ provider, onClose }: { provider: Provider | null; onClose: () => void }) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: async (id: string) => {
      await lumina.DELETE('/api/providers/{id}', { params: { path: { id } } });
    },
    onSuccess: () => close(),
    onError: (error) => {
      if (error instanceof LuminaApiError && error.status === 404) close();
    },
    onSettled: () => invalidateModelData(queryClient),
  });
  function close() {
    remove.reset();
    onClose();
  }
  return (
    <ConfirmDialog
      open={provider !== null}
      onOpenChange={(open) => (open ? undefined : close())}
      title={`Remove ${provider?.name ?? 'provider'}?`}
      description={
        <>
          Its saved key is deleted and its models leave your lists. If your default model comes from it,
          choose another afterwards.
        </>
      }
      confirmLabel="Remove provider"
      pendingLabel="Removing…"
      pending={remove.isPending}
      error={remove.isError ? friendlyMessage(remove.error) : null}
      onConfirm={() => provider && remove.mutate(provider.id)}
    />
  );
}

function ProvidersSkeleton() {
  return (
    <div className="divide-y divide-line rounded-lg border border-line" aria-busy="true">
      <p className="sr-only" role="status">
        Loading providers…
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
  );
}
