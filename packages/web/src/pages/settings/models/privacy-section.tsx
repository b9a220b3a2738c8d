import { FormAlert } from '../../../components/form-alert';
import { SettingsSection } from '../../../components/settings-section';
import { SwitchRow } from '../../../components/switch';
import { friendlyMessage } from '../../../lib/api-errors';
import { type SettingsAnswer, useUpdateSettings } from '../../../lib/models';

/** The person's local-only switch; shown on and locked when the whole instance enforces it. */
export function PrivacySection({ answer }: { answer: SettingsAnswer | undefined }) {
  const update = useUpdateSettings();
  const enforced = answer?.instance.localOnly ?? false;
  const checked = enforced || (answer?.settings.localOnly ?? false);

  return (
    <SettingsSection
      title="Privacy"
      description="Decide whether what you write may be sent to cloud services."
    >
      <div className="flex flex-col gap-4">
        <SwitchRow
          label="Local-only mode"
          checked={checked}
          disabled={!answer || enforced}
          pending={update.isPending}
          onCheckedChange={(localOnly) => update.mutate({ localOnly })}
          description={
            enforced ? (
              answer?.instance.lockedByEnvironment ? (
                <>
                  On for everyone: the server was started with{' '}
                  <code className="font-mono text-xs text-ink">LUMINA_LOCAL_ONLY=true</code>, so it can’t be
                  turned off here. Only models on this computer or your network can be used.
                </>
              ) : (
                'On for everyone: an administrator turned it on for this server, so it can’t be turned off here. Only models on this computer or your network can be used.'
              )
            ) : (
              'Use only models that run on this computer or your network. Cloud providers are hidden and refused, so nothing you write leaves your network.'
            )
          }
        />
        {update.isError ? <FormAlert>{friendlyMessage(update.error)}</FormAlert> : null}
      </div>
    </SettingsSection>
  );
}
