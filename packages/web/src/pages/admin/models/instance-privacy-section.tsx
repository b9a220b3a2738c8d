import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { FormAlert } from '../../../components/form-alert';
import { SettingsSection } from '../../../components/settings-section';
import { Skeleton } from '../../../components/skeleton';
import { SwitchRow } from '../../../components/switch';
import { friendlyMessage } from '../../../lib/api-errors';
import { useLuminaClient } from '../../../lib/lumina-client';
import { type InstancePrivacy, invalidateModelData } from '../../../lib/models';

export const PRIVACY_QUERY_KEY = ['admin', 'privacy'] as const;

/** The instance-wide local-only switch (locked when the environment sets it). */
export function InstancePrivacySection() {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const privacy = useQuery({
    queryKey: PRIVACY_QUERY_KEY,
    queryFn: async ({ signal }): Promise<InstancePrivacy> => {
      const { data } = await lumina.GET('/api/admin/privacy', { signal });
      return data!;
    },
  });
  const update = useMutation({
    mutationFn: async (localOnly: boolean) => {
      const { data } = await lumina.PUT('/api/admin/privacy', { body: { localOnly } });
      return data!;
    },
    onSuccess: (answer) => {
      queryClient.setQueryData(PRIVACY_QUERY_KEY, answer);
      void invalidateModelData(queryClient);
      // Voice engines follow the switch too: a remote network engine is refused (or usable again).
      void queryClient.invalidateQueries({ queryKey: ['voice'] });
    },
  });

  return (
    <SettingsSection
      title="Privacy for everyone"
      description="A switch for the whole server, over each person’s own choice."
    >
      {privacy.data ? (
        <div className="flex flex-col gap-4">
          <SwitchRow
            label="Local-only mode for everyone"
            checked={privacy.data.localOnly}
            disabled={privacy.data.lockedByEnvironment}
            pending={update.isPending}
            onCheckedChange={(localOnly) => update.mutate(localOnly)}
            description={
              privacy.data.lockedByEnvironment ? (
                <>
                  Set by <code className="font-mono text-xs text-ink">LUMINA_LOCAL_ONLY=true</code> in the
                  server’s environment. Change it there and restart to turn it off.
                </>
              ) : (
                'Cloud providers are refused for every account, including keys people added themselves. Use it when nothing may leave this network.'
              )
            }
          />
          {update.isError ? <FormAlert>{friendlyMessage(update.error)}</FormAlert> : null}
        </div>
      ) : privacy.isError ? (
        <FormAlert>{friendlyMessage(privacy.error)}</FormAlert>
      ) : (
        <div className="flex flex-col gap-2" aria-busy="true">
          <Skeleton className="h-4 w-48" />
          <Skeleton className="h-4 w-full" />
        </div>
      )}
    </SettingsSection>
  );
}
