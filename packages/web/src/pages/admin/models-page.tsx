import { PageHeader } from '../../components/page-header';
import { useDocumentTitle } from '../../lib/document-title';
import { useScrollToHash } from '../../lib/use-scroll-to-hash';
import { InstanceDefaultModelSection } from './models/instance-default-model-section';
import { InstancePrivacySection } from './models/instance-privacy-section';
import { EngineSection, LocalModelsSection, useLocalModels } from './models/local-models-sections';
import { PricingSection } from './models/pricing-section';

/**
 * /admin/models: everyone's default model, instance privacy, the embedded engine and its models,
 * and model prices.
 */
export function AdminModelsPage() {
  useDocumentTitle('Models & pricing');
  const local = useLocalModels();
  useScrollToHash(Boolean(local.data));
  return (
    <>
      <PageHeader
        title="Models & pricing"
        description="Settings for everyone on this server: the default model, privacy, models that run inside Lumina, and what cloud models cost."
      />
      <div className="flex max-w-3xl flex-col gap-6">
        <InstanceDefaultModelSection />
        <InstancePrivacySection />
        <div id="engine" className="scroll-mt-20">
          <EngineSection status={local.data} />
        </div>
        <LocalModelsSection status={local.data} />
        <PricingSection />
      </div>
    </>
  );
}
