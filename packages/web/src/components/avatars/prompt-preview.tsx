import { type components, LuminaApiError } from '@lumina/sdk';
import { useQuery } from '@tanstack/react-query';
import { ChevronRight, RotateCcw, ScrollText } from 'lucide-react';
import { friendlyMessage } from '../../lib/api-errors';
import { promptPreviewQueryKey } from '../../lib/avatars';
import { useLuminaClient } from '../../lib/lumina-client';
import { CopyButton } from '../copy-button';
import { Skeleton } from '../skeleton';
import { Spinner } from '../submit-button';

export type PromptPreview = components['schemas']['PromptPreview'];

export function usePromptPreview(avatarId: string) {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: promptPreviewQueryKey(avatarId),
    queryFn: async ({ signal }): Promise<PromptPreview> => {
      const { data } = await lumina.GET('/api/avatars/{id}/prompt-preview', {
        params: { path: { id: avatarId } },
        signal,
      });
      if (!data) throw new Error('The server answered without a preview');
      return data;
    },
  });
}

const SECTION_LABELS: Record<string, string> = {
  identity: 'Identity',
  persona: 'Persona',
  personality: 'Personality',
  traits: 'Traits',
  style: 'Communication style',
  backstory: 'Backstory',
  scenario: 'Scenario',
  exampleDialogue: 'Example dialogue',
  example_dialogue: 'Example dialogue',
  memory: 'Memory',
  lorebook: 'Lorebook',
};

const sectionLabel = (name: string) =>
  SECTION_LABELS[name] ?? name.replace(/[_-]+/g, ' ').replace(/^\w/, (c) => c.toUpperCase());

/**
 * The system prompt Lumina compiles from the saved avatar, section by section with token
 * counts, so the person sees what each field contributes.
 */
export function PromptPreviewPanel({ avatarId, stale }: { avatarId: string; stale: boolean }) {
  const preview = usePromptPreview(avatarId);
  const total = preview.data?.tokens ?? 0;
  const sections = preview.data
    ? [
        ...preview.data.sections,
        ...(preview.data.postHistoryInstructions ? [preview.data.postHistoryInstructions] : []),
      ]
    : [];
  const missing = preview.error instanceof LuminaApiError && preview.error.status === 404;

  return (
    <section aria-labelledby="prompt-preview-heading" className="card flex min-h-0 flex-col">
      <div className="flex items-center gap-2 border-b border-line px-4 py-3">
        <ScrollText className="size-4 shrink-0 text-ink-muted" aria-hidden="true" />
        <h2 id="prompt-preview-heading" className="font-semibold text-ink">
          Prompt preview
        </h2>
        {preview.isFetching && preview.data ? <Spinner className="text-ink-subtle" /> : null}
        <span className="ml-auto text-xs text-ink-muted tabular-nums" aria-live="polite">
          {preview.data ? `${total.toLocaleString()} tokens` : ''}
        </span>
        {preview.data ? <CopyButton text={preview.data.text} label="Copy prompt" /> : null}
      </div>
      {stale ? (
        <p className="border-b border-line bg-warn-soft px-4 py-2 text-[13px] text-ink">
          Showing the saved version. Save to see your changes here.
        </p>
      ) : null}
      <div className="min-h-0 flex-1 overflow-y-auto p-2" data-testid="prompt-preview">
        {preview.data ? (
          sections.length === 0 ? (
            <p className="p-3 text-sm text-ink-muted">
              The prompt is empty. Write a persona or a description to give this avatar a voice.
            </p>
          ) : (
            <ul className="flex flex-col gap-1">
              {sections.map((section, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a section may repeat; the list is replaced whole
                <li key={`${section.name}-${index}`}>
                  <details open className="group rounded-lg [&[open]]:bg-surface-sunken/50">
                    <summary className="flex cursor-pointer list-none items-center gap-2 rounded-lg px-2 py-1.5 text-sm hover:bg-surface-sunken [&::-webkit-details-marker]:hidden">
                      <ChevronRight
                        className="size-4 shrink-0 text-ink-subtle transition-transform group-open:rotate-90"
                        aria-hidden="true"
                      />
                      <span className="font-medium text-ink">
                        {section.title || sectionLabel(section.name)}
                      </span>
                      <span className="ml-auto shrink-0 rounded-md bg-surface-sunken px-1.5 text-xs text-ink-muted tabular-nums">
                        {section.tokens.toLocaleString()} tok
                      </span>
                    </summary>
                    <pre className="px-2 pt-1 pb-2.5 font-mono text-xs leading-5 break-words whitespace-pre-wrap text-ink-muted">
                      {section.text}
                    </pre>
                  </details>
                </li>
              ))}
            </ul>
          )
        ) : preview.isError ? (
          <div className="flex flex-col items-start gap-3 p-3 text-sm text-ink-muted">
            <p>
              {missing
                ? 'This server can’t show prompt previews yet.'
                : `The preview couldn’t be built. ${friendlyMessage(preview.error)}`}
            </p>
            {missing ? null : (
              <button type="button" className="btn-secondary h-8" onClick={() => preview.refetch()}>
                <RotateCcw className="size-4" aria-hidden="true" />
                Try again
              </button>
            )}
          </div>
        ) : (
          <div className="flex flex-col gap-3 p-2" aria-busy="true">
            <span className="sr-only">Loading the prompt preview…</span>
            {[0, 1, 2].map((i) => (
              <div key={i}>
                <Skeleton className="h-4 w-24" />
                <Skeleton className="mt-2 h-3 w-full" />
                <Skeleton className="mt-1.5 h-3 w-4/5" />
              </div>
            ))}
          </div>
        )}
      </div>
    </section>
  );
}
