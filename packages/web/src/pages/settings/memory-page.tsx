import { MemorySettingsSections } from '../../components/memory/memory-settings-section';
import { PageHeader } from '../../components/page-header';
import { useDocumentTitle } from '../../lib/document-title';

/** /settings/memory: memory on or off, its models, past-message recall, the embedding progress. */
export function MemoryPage() {
  useDocumentTitle('Memory');
  return (
    <>
      <PageHeader
        title="Memory"
        description="What your avatars remember about you, and how they find it again. Review each avatar’s memories from its page."
      />
      <div className="flex max-w-3xl flex-col gap-6">
        <MemorySettingsSections />
      </div>
    </>
  );
}
