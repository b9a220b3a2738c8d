import { type components, LuminaApiError } from '@lumina/sdk';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ChevronRight, RotateCcw, ScrollText } from 'lucide-react';
import { useRef } from 'react';
import { friendlyMessage } from '../../lib/api-errors';
import { type AvatarPatch, promptPreviewQueryKey } from '../../lib/avatars';
import { useLuminaClient } from '../../lib/lumina-client';
import { useDebouncedValue } from '../../lib/use-debounced-value';
import { CopyButton } from '../copy-button';
import { Skeleton } from '../skeleton';
import { Spinner } from '../submit-button';

export type PromptPreview = components['schemas']['PromptPreview'];

/** How long typing must pause before the preview asks the server again. */
export const PREVIEW_DEBOUNCE_MS = 400;

/**
 * The compiled prompt for the saved avatar with `changes` (the editor's unsaved fields) laid
 * over it: the server compiles the draft without saving it. Asks again once typing pauses, and
 * keeps showing the last answer meanwhile.
 */
export function usePromptPreview(avatarId: string, changes: AvatarPatch = {}) {
  const lumina = useLuminaClient();
  const draft = useDebouncedValue(changes, PREVIEW_DEBOUNCE_MS);
  const query = useQuery({
    queryKey: [...promptPreviewQueryKey(avatarId), draft],
    queryFn: async ({ signal }): Promise<PromptPreview> => {
      const params = { path: { id: avatarId } };
      const { data } =
        Object.keys(draft).length === 0
          ? await lumina.GET('/api/avatars/{id}/prompt-preview', { params, signal })
          : await lumina.POST('/api/avatars/{id}/prompt-preview', { params, body: draft, signal });
      if (!data) throw new Error('The server answered without a preview');
      return data;
    },
    placeholderData: keepPreviousData,
  });
  // A draft the server refuses (an empty name, say) keeps the last good preview on screen.
  const lastGood = useRef<PromptPreview | undefined>(undefined);
  if (query.data) lastGood.current = query.data;
  return { ...query, shown: query.data ?? lastGood.current, settling: draft !== changes };
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
 * The system prompt Lumina compiles from the avatar — including the editor's unsaved changes —
 * section by section with token counts, so the person sees what each field contributes.
 */
export function PromptPreviewPanel({ avatarId, changes }: { avatarId: string; changes: AvatarPatch }) {
  const preview = usePromptPreview(avatarId, changes);
  const shown = preview.shown;
  const total = shown?.tokens ?? 0;
  const sections = shown
    ? [...shown.sections, ...(shown.postHistoryInstructions ? [shown.postHistoryInstructions] : [])]
    : [];
  const missing = preview.error instanceof LuminaApiError && preview.error.status === 404;
  const refused = preview.error instanceof LuminaApiError && preview.error.status === 400;
  const unsaved = Object.keys(changes).length > 0;

  return (
    <section aria-labelledby="prompt-preview-heading" className="card flex min-h-0 flex-col">
      <div className="flex items-center gap-2 border-b border-line px-4 py-3">
        <ScrollText className="size-4 shrink-0 text-ink-muted" aria-hidden="true" />
        <h2 id="prompt-preview-heading" className="font-semibold text-ink">
          Prompt preview
        </h2>
        {shown && (preview.isFetching || preview.settling) ? <Spinner className="text-ink-subtle" /> : null}
        <span className="ml-auto text-xs text-ink-muted tabular-nums" aria-live="polite">
          {shown ? `${total.toLocaleString()} tokens` : ''}
        </span>
        {shown ? <CopyButton text={shown.text} label="Copy prompt" /> : null}
      </div>
      {shown && preview.isError ? (
        <div
          className="flex items-start gap-2 border-b border-line bg-warn-soft px-4 py-2 text-[13px] text-ink"
          role="status"
        >
          <p className="min-w-0 flex-1">
            {refused
              ? 'Showing the last valid version: some fields need attention before the preview can include them.'
              : `Showing the last version that could be built. ${friendlyMessage(preview.error)}`}
          </p>
          {refused ? null : (
            <button type="button" className="link shrink-0" onClick={() => preview.refetch()}>
              Retry
            </button>
          )}
        </div>
      ) : unsaved ? (
        <p
          className="border-b border-line px-4 py-2 text-[13px] text-ink-muted"
          data-testid="prompt-preview-draft"
        >
          Includes your unsaved changes.
        </p>
      ) : null}
      <div className="min-h-0 flex-1 overflow-y-auto p-2" data-testid="prompt-preview">
        {shown ? (
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
