import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useMemo } from 'react';
import { FormAlert } from '../../../components/form-alert';
import { DEFAULT_CHAIN, ModelPicker } from '../../../components/models/model-picker';
import { SettingsSection } from '../../../components/settings-section';
import { Skeleton } from '../../../components/skeleton';
import { friendlyMessage } from '../../../lib/api-errors';
import { useLuminaClient } from '../../../lib/lumina-client';
import { chatModels, invalidateModelData, useModels, useProviders } from '../../../lib/models';

export const INSTANCE_SETTINGS_QUERY_KEY = ['admin', 'settings'] as const;

/**
 * The model everyone's conversations use when neither the person nor the avatar chose one
 * (`PATCH /api/admin/settings` `defaultModel`). Offered: the server's own providers' models,
 * which every member can use. "Automatic" = the first model each person can use.
 */
export function InstanceDefaultModelSection() {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const labelId = useId();
  const hintId = useId();
  const settings = useQuery({
    queryKey: INSTANCE_SETTINGS_QUERY_KEY,
    queryFn: async ({ signal }) => (await lumina.GET('/api/admin/settings', { signal })).data!,
  });
  const models = useModels();
  const providers = useProviders();
  const shared = useMemo(() => {
    const instanceProviders = new Set(
      (providers.data ?? []).filter((p) => p.scope === 'system').map((p) => p.id),
    );
    return chatModels(models.data ?? []).filter((m) => instanceProviders.has(m.provider));
  }, [models.data, providers.data]);
  const update = useMutation({
    mutationFn: async (defaultModel: string | null) =>
      (await lumina.PATCH('/api/admin/settings', { body: { defaultModel } })).data!,
    onSuccess: (answer) => {
      queryClient.setQueryData(INSTANCE_SETTINGS_QUERY_KEY, answer);
      void invalidateModelData(queryClient);
    },
  });
  const chosen = update.isPending ? update.variables : settings.data?.defaultModel;
  const missing = Boolean(chosen && models.data && !shared.some((m) => m.id === chosen));

  return (
    <SettingsSection
      title="Default model for everyone"
      description="What people’s conversations use until they choose a model themselves, so a new member can chat right away."
    >
      {settings.data && models.data && providers.data ? (
        <div className="flex flex-col gap-1.5">
          <p id={labelId} className="text-sm font-medium text-ink">
            Default model
          </p>
          <ModelPicker
            label="Default model for everyone"
            labelledBy={labelId}
            describedBy={hintId}
            value={chosen ?? DEFAULT_CHAIN}
            models={shared}
            providers={providers.data}
            invalid={missing}
            disabled={update.isPending}
            defaultOption={{
              label: 'Automatic',
              description: 'The first model each person can use (a local one first)',
            }}
            onChange={(id) => update.mutate(id === DEFAULT_CHAIN ? null : id)}
          />
          <p id={hintId} className="text-[13px] leading-5 text-ink-muted">
            {missing
              ? 'This model isn’t available right now: its provider may be off or failing. Conversations fall back to the first model each person can use.'
              : shared.length === 0
                ? 'The server has no models of its own yet: connect Ollama or add a provider for everyone, or download a model below.'
                : 'Only the server’s own providers are offered: keys people added for themselves aren’t shared.'}
          </p>
          {update.isError ? <FormAlert>{friendlyMessage(update.error)}</FormAlert> : null}
        </div>
      ) : settings.isError ? (
        <FormAlert>{friendlyMessage(settings.error)}</FormAlert>
      ) : (
        <div className="flex flex-col gap-2" aria-busy="true">
          <Skeleton className="h-4 w-32" />
          <Skeleton className="h-10 w-full" />
        </div>
      )}
    </SettingsSection>
  );
}
