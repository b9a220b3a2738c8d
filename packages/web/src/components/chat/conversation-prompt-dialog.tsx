import type { components } from '@lumina/sdk';
import { useQuery } from '@tanstack/react-query';
import clsx from 'clsx';
import { type FormEvent, useId, useState } from 'react';
import { friendlyMessage, serverErrorRequestId } from '../../lib/api-errors';
import { useAvatar } from '../../lib/avatars';
import { type Conversation, contextQueryKey, usePatchConversation } from '../../lib/conversations';
import { type GenerationSettings, usePresets } from '../../lib/generation-presets';
import { useLuminaClient } from '../../lib/lumina-client';
import { ACCOUNT_PERSONA, usePersonas } from '../../lib/personas';
import { useSession } from '../../lib/session';
import { selectClass, textareaClass } from '../avatars/fields';
import { GenerationFields, useSupportedSettings } from '../avatars/generation-settings';
import { Dialog, DialogActions } from '../dialog';
import { FormAlert } from '../form-alert';
import { inputClass } from '../form-field';
import { Skeleton } from '../skeleton';
import { Spinner } from '../submit-button';

type ConversationPrompt = components['schemas']['ConversationPrompt'];
type ContextPart = components['schemas']['ContextPart'];
type NoteRole = NonNullable<ConversationPrompt['authorsNote']>['role'];

const MAX_DEPTH = 100;

const KIND_LABELS: Record<ContextPart['kind'], string> = {
  system: 'System',
  lore: 'Lore',
  authors_note: 'Author’s note',
  memory: 'Memories',
  summary: 'Summary',
  message: 'Message',
  post_history: 'Instructions',
};

/** True when the conversation has a prompt of its own (the header button shows a dot). */
export function hasOwnPrompt(conversation: Conversation): boolean {
  return Boolean(conversation.prompt?.systemPrompt || conversation.prompt?.authorsNote);
}

/**
 * A conversation's own prompt controls: a system prompt that replaces the avatar's main prompt
 * here, and an author's note inserted a few messages above the newest one on every turn; below
 * them, what the model is sent for the next reply, in order (the context inspector).
 */
export function ConversationPromptDialog({
  conversation,
  avatarName,
  open,
  onOpenChange,
}: {
  conversation: Conversation;
  avatarName: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      size="lg"
      title="Prompt for this conversation"
      description={`Steer ${avatarName} here without changing the avatar.`}
    >
      {open ? <PromptForm conversation={conversation} onDone={() => onOpenChange(false)} /> : null}
    </Dialog>
  );
}

function PromptForm({ conversation, onDone }: { conversation: Conversation; onDone: () => void }) {
  const stored = conversation.prompt ?? { systemPrompt: null, authorsNote: null };
  const [systemPrompt, setSystemPrompt] = useState(stored.systemPrompt ?? '');
  const [note, setNote] = useState(stored.authorsNote?.text ?? '');
  const [depth, setDepth] = useState(String(stored.authorsNote?.depth ?? 4));
  const [role, setRole] = useState<NoteRole>(stored.authorsNote?.role ?? 'system');
  const [generation, setGeneration] = useState<GenerationSettings>(conversation.generation ?? {});
  const [personaId, setPersonaId] = useState(stored.personaId ?? '');
  const { personas, defaultPersonaId, isPending: personasPending } = usePersonas();
  const account = useSession().data;
  const defaultPersona = personas.find((p) => p.id === defaultPersonaId);
  // A blank setting shows what applies without it: the avatar's value, else its preset's.
  const avatar = useAvatar(conversation.avatarId);
  const presets = usePresets();
  const avatarGeneration = avatar.data?.generation;
  const avatarPreset = presets.data?.find((p) => p.id === avatarGeneration?.presetId);
  const inherited = { ...(avatarPreset?.settings ?? {}), ...(avatarGeneration?.settings ?? {}) };
  const { supported } = useSupportedSettings(conversation.model ?? avatar.data?.defaultModel);
  // Open at first when this conversation has values of its own (then the person's choice).
  const [generationOpen] = useState(() => Object.keys(conversation.generation ?? {}).length > 0);
  const patch = usePatchConversation();
  const id = useId();
  const depthNumber = Number(depth);
  const depthValid =
    depth.trim() !== '' && Number.isInteger(depthNumber) && depthNumber >= 0 && depthNumber <= MAX_DEPTH;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!depthValid) return;
    patch.mutate(
      {
        id: conversation.id,
        patch: {
          prompt: {
            systemPrompt: systemPrompt.trim() ? systemPrompt : null,
            authorsNote: note.trim() ? { text: note, depth: depthNumber, role } : null,
            // Sent only when changed here ('' = no choice: the default persona, else the account).
            ...(personaId !== (stored.personaId ?? '') ? { personaId: personaId || null } : {}),
          },
          // Sent only when changed here (the whole override: fields left out are cleared).
          ...(JSON.stringify(generation) !== JSON.stringify(conversation.generation ?? {})
            ? { generation }
            : {}),
        },
      },
      { onSuccess: onDone },
    );
  }

  const accountName = account?.preferredName || account?.name || 'you';

  return (
    <form onSubmit={submit} className="flex flex-col gap-5">
      <div className="flex flex-col gap-1.5">
        <label htmlFor={`${id}-persona`} className="text-sm font-medium text-ink">
          You are
        </label>
        <select
          id={`${id}-persona`}
          className={clsx(selectClass, 'sm:max-w-sm')}
          value={personaId}
          aria-describedby={`${id}-persona-hint`}
          onChange={(event) => setPersonaId(event.target.value)}
        >
          <option value="">
            {defaultPersona
              ? `Your default persona (${defaultPersona.name})`
              : `Your account (${accountName})`}
          </option>
          {defaultPersona || personaId === ACCOUNT_PERSONA ? (
            <option value={ACCOUNT_PERSONA}>Your account ({accountName})</option>
          ) : null}
          {personas.map((persona) => (
            <option key={persona.id} value={persona.id}>
              {persona.name}
            </option>
          ))}
          {personaId && personaId !== ACCOUNT_PERSONA && !personas.some((p) => p.id === personaId) ? (
            <option value={personaId}>
              {personasPending ? 'Loading personas…' : 'A deleted persona (your default is used)'}
            </option>
          ) : null}
        </select>
        <p id={`${id}-persona-hint`} className="text-[13px] leading-5 text-ink-muted">
          {'{{user}}'} and what the avatar knows about you follow this choice. Manage personas in Settings →
          Profile.
        </p>
      </div>

      <div className="flex flex-col gap-1.5">
        <label htmlFor={`${id}-system`} className="text-sm font-medium text-ink">
          System prompt
        </label>
        <textarea
          id={`${id}-system`}
          className={clsx(textareaClass, 'min-h-28 font-mono text-[13px] leading-5')}
          value={systemPrompt}
          maxLength={20_000}
          placeholder="Leave empty to use the avatar’s own"
          aria-describedby={`${id}-system-hint`}
          onChange={(event) => setSystemPrompt(event.target.value)}
        />
        <p id={`${id}-system-hint`} className="text-[13px] leading-5 text-ink-muted">
          Replaces the avatar’s main prompt in this conversation; the rest of its character stays. Write{' '}
          <code className="font-mono text-xs text-ink">{'{{original}}'}</code> to keep the replaced text where
          you put it; <code className="font-mono text-xs text-ink">{'{{char}}'}</code> and{' '}
          <code className="font-mono text-xs text-ink">{'{{user}}'}</code> work too.
        </p>
      </div>

      <fieldset className="flex flex-col gap-3">
        <legend className="text-sm font-medium text-ink">Author’s note</legend>
        <textarea
          aria-label="Author’s note"
          className={clsx(textareaClass, 'min-h-20')}
          value={note}
          maxLength={20_000}
          placeholder="e.g. [The mood turns tense; keep replies short.]"
          aria-describedby={`${id}-note-hint`}
          onChange={(event) => setNote(event.target.value)}
        />
        <div className="grid grid-cols-2 gap-3 sm:max-w-sm">
          <div className="flex flex-col gap-1.5">
            <label htmlFor={`${id}-depth`} className="text-[13px] font-medium text-ink">
              Depth
            </label>
            <input
              id={`${id}-depth`}
              type="number"
              inputMode="numeric"
              min={0}
              max={MAX_DEPTH}
              step={1}
              className={inputClass}
              value={depth}
              aria-invalid={!depthValid || undefined}
              onChange={(event) => setDepth(event.target.value)}
            />
          </div>
          <div className="flex flex-col gap-1.5">
            <label htmlFor={`${id}-role`} className="text-[13px] font-medium text-ink">
              Sent as
            </label>
            <select
              id={`${id}-role`}
              className={selectClass}
              value={role}
              onChange={(event) => setRole(event.target.value as NoteRole)}
            >
              <option value="system">System</option>
              <option value="user">User</option>
              <option value="assistant">Assistant</option>
            </select>
          </div>
        </div>
        <p id={`${id}-note-hint`} className="text-[13px] leading-5 text-ink-muted">
          {depthValid
            ? depthNumber === 0
              ? 'Sent after the newest message, on every turn.'
              : `Sent ${depthNumber} message${depthNumber === 1 ? '' : 's'} above the newest one, on every turn: close to the end, where models pay most attention.`
            : `Depth is a whole number from 0 to ${MAX_DEPTH}.`}
        </p>
      </fieldset>

      <details className="group rounded-lg border border-line" open={generationOpen}>
        <summary className="cursor-pointer rounded-lg px-3 py-2.5 text-sm font-medium text-ink hover:bg-surface-sunken">
          Generation
          {Object.keys(generation).length > 0 ? ` · ${Object.keys(generation).length} set here` : ''}
        </summary>
        <div className="flex flex-col gap-4 px-3 pt-1 pb-4">
          <p className="text-[13px] leading-5 text-ink-muted">
            Values set here win over the avatar’s (and its preset’s) in this conversation only. A blank field
            shows the avatar’s value (“inherited”), else “Default”: the model’s own.
          </p>
          <GenerationFields
            settings={generation}
            inherited={inherited}
            supported={supported}
            onChange={setGeneration}
          />
        </div>
      </details>

      <SentContext conversationId={conversation.id} />

      {patch.error ? (
        <FormAlert requestId={serverErrorRequestId(patch.error)}>{friendlyMessage(patch.error)}</FormAlert>
      ) : null}
      <DialogActions>
        <button type="button" className="btn-secondary" onClick={onDone} disabled={patch.isPending}>
          Cancel
        </button>
        <button type="submit" className="btn-primary" disabled={patch.isPending || !depthValid}>
          {patch.isPending ? <Spinner /> : null}
          Save
        </button>
      </DialogActions>
    </form>
  );
}

/** What the next reply is sent, part by part (GET /api/conversations/:id/context). */
function SentContext({ conversationId }: { conversationId: string }) {
  const lumina = useLuminaClient();
  const context = useQuery({
    queryKey: [...contextQueryKey(conversationId), 'parts'],
    retry: false,
    queryFn: async ({ signal }) => {
      const { data } = await lumina.GET('/api/conversations/{id}/context', {
        params: { path: { id: conversationId } },
        signal,
      });
      return data ?? null;
    },
  });
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="flex flex-col gap-2">
      <h3 id={headingId} className="text-sm font-medium text-ink">
        What the next reply is sent (as saved)
      </h3>
      {context.data ? (
        <ol
          aria-labelledby={headingId}
          className="flex flex-col divide-y divide-line rounded-lg border border-line text-sm"
        >
          {context.data.parts.map((part, index) => (
            <li
              // biome-ignore lint/suspicious/noArrayIndexKey: parts have no id and keep their order
              key={index}
              className={clsx(
                'flex min-w-0 items-baseline gap-2 px-3 py-1.5',
                part.kind === 'authors_note' && 'bg-accent-soft/60',
              )}
            >
              <span className="w-24 shrink-0 text-xs font-medium text-ink-muted">
                {KIND_LABELS[part.kind]}
              </span>
              <span className="min-w-0 flex-1 truncate text-ink" title={part.text}>
                {part.kind === 'message' ? `${part.title}: ${part.text}` : part.title}
              </span>
              <span className="shrink-0 text-xs text-ink-subtle tabular-nums">{part.tokens} tok</span>
            </li>
          ))}
        </ol>
      ) : context.isError ? (
        <p className="text-[13px] text-ink-muted">{friendlyMessage(context.error)}</p>
      ) : (
        <div className="flex flex-col gap-1.5" aria-busy="true">
          <Skeleton className="h-4 w-full" />
          <Skeleton className="h-4 w-2/3" />
        </div>
      )}
    </section>
  );
}
