import { useState } from 'react';
import { ErrorPanel } from '../../../components/error-panel';
import { ProviderDialog } from '../../../components/models/provider-dialog';
import { PageHeader } from '../../../components/page-header';
import { useDocumentTitle } from '../../../lib/document-title';
import { useModels, useProviders, useUserSettings } from '../../../lib/models';
import { useScrollToHash } from '../../../lib/use-scroll-to-hash';
import { DefaultModelSection } from './default-model-section';
import { OllamaPullSection } from './ollama-pull-section';
import { PresetsSection } from './presets-section';
import { PrivacySection } from './privacy-section';
import { ProvidersSection } from './providers-section';
import { TryItSection } from './try-it-section';

/** /settings/models: providers, the default model and fallbacks, downloads, a test box, privacy. */
export function ModelsPage() {
  useDocumentTitle('Models');
  const providers = useProviders();
  const models = useModels();
  const settings = useUserSettings();
  const [adding, setAdding] = useState(false);
  const providerList = providers.data ?? [];
  useScrollToHash(Boolean(providers.data && models.data && settings.data));

  return (
    <>
      <PageHeader
        title="Models"
        description="Choose the AI models your avatars think with: on this computer, on your network, or from a cloud service."
      />
      <div className="flex max-w-3xl flex-col gap-6">
        <ProvidersSection />
        {models.isError ? (
          <ErrorPanel error={models.error} onRetry={() => models.refetch()} retryLabel="Retry" />
        ) : settings.isError ? (
          <ErrorPanel error={settings.error} onRetry={() => settings.refetch()} retryLabel="Retry" />
        ) : (
          <DefaultModelSection
            settings={settings.data?.settings}
            models={models.data}
            providers={providerList}
            onAddProvider={() => setAdding(true)}
          />
        )}
        {providerList.some((p) => p.kind === 'ollama' && p.enabled) ? (
          <div id="ollama-pull" className="scroll-mt-20">
            <OllamaPullSection
              providers={providerList}
              models={models.data ?? []}
              defaultModel={settings.data?.settings.defaultModel ?? null}
            />
          </div>
        ) : null}
        <TryItSection settings={settings.data?.settings} models={models.data} providers={providerList} />
        <PresetsSection />
        <PrivacySection answer={settings.data} />
      </div>
      <ProviderDialog open={adding} onOpenChange={setAdding} />
    </>
  );
}
