import clsx from 'clsx';
import { ImageUp, Pencil, Plus, Star, Trash2, UserRound } from 'lucide-react';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { textareaClass } from '../../components/avatars/fields';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { Dialog, DialogActions } from '../../components/dialog';
import { FormAlert } from '../../components/form-alert';
import { TextField } from '../../components/form-field';
import { PersonaPicture } from '../../components/persona-picture';
import { SettingsSection } from '../../components/settings-section';
import { StatusBadge } from '../../components/status-badge';
import { SubmitButton } from '../../components/submit-button';
import { friendlyMessage, serverErrorRequestId } from '../../lib/api-errors';
import { avatarErrorMessage, checkImageFile, IMAGE_TYPES } from '../../lib/avatars';
import {
  MAX_PERSONAS,
  PERSONA_DESCRIPTION_MAX,
  PERSONA_NAME_MAX,
  type Persona,
  personaPictureUrl,
  usePersonaPicture,
  usePersonas,
  useSavePersonas,
  withPersona,
} from '../../lib/personas';

/**
 * Settings → Profile → Personas: who the user can be in a conversation (name, description and a
 * picture shown by their messages). One may be the default; each conversation can choose
 * another in its prompt.
 */
export function PersonasSection({ accountName }: { accountName: string }) {
  const { personas, defaultPersonaId, isPending } = usePersonas();
  const save = useSavePersonas();
  const remove = useSavePersonas();
  const [editing, setEditing] = useState<Persona | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Persona | null>(null);
  const full = personas.length >= MAX_PERSONAS;

  return (
    <SettingsSection
      title="Personas"
      description={
        <>
          Be someone else in a conversation: avatars call you by the persona’s name and read its description.
          Choose one per conversation under “Prompt for this conversation”; the default is used where you
          choose none. A persona’s picture shows beside your messages.
        </>
      }
    >
      <div className="flex flex-col gap-4">
        {personas.length === 0 && !isPending ? (
          <div className="flex flex-col items-center gap-2 rounded-lg border border-dashed border-line px-4 py-6 text-center">
            <UserRound className="size-6 text-ink-subtle" aria-hidden="true" />
            <p className="text-sm font-medium text-ink">No personas yet</p>
            <p className="max-w-sm text-sm text-ink-muted">
              Avatars know you as {accountName}. Add a persona to play a character of your own.
            </p>
          </div>
        ) : (
          <ul
            className="flex flex-col divide-y divide-line rounded-lg border border-line"
            aria-label="Personas"
          >
            {personas.map((persona) => {
              const isDefault = persona.id === defaultPersonaId;
              return (
                <li key={persona.id} className="flex items-start gap-2 px-3 py-2.5 sm:gap-3">
                  <PersonaPicture persona={persona} className="mt-0.5 size-9" />
                  <div className="min-w-0 flex-1">
                    <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
                      <p className="min-w-0 truncate text-sm font-medium text-ink">{persona.name}</p>
                      {isDefault ? <StatusBadge tone="ok">Default</StatusBadge> : null}
                    </div>
                    <p className="mt-0.5 line-clamp-2 text-xs break-words text-ink-muted">
                      {persona.description.trim() || 'No description.'}
                    </p>
                  </div>
                  <button
                    type="button"
                    className={clsx('btn-ghost size-9 shrink-0 p-0', isDefault && 'text-accent')}
                    aria-label={
                      isDefault ? `Stop using ${persona.name} by default` : `Make ${persona.name} the default`
                    }
                    title={isDefault ? 'Stop using by default' : 'Make default'}
                    disabled={save.isPending}
                    onClick={() => save.mutate({ defaultPersonaId: isDefault ? null : persona.id })}
                  >
                    <Star className={clsx('size-4', isDefault && 'fill-current')} aria-hidden="true" />
                  </button>
                  <button
                    type="button"
                    className="btn-ghost size-9 shrink-0 p-0"
                    aria-label={`Edit ${persona.name}`}
                    title="Edit"
                    onClick={() => setEditing(persona)}
                  >
                    <Pencil className="size-4" aria-hidden="true" />
                  </button>
                  <button
                    type="button"
                    className="btn-ghost size-9 shrink-0 p-0"
                    aria-label={`Delete ${persona.name}`}
                    title="Delete"
                    onClick={() => setDeleting(persona)}
                  >
                    <Trash2 className="size-4" aria-hidden="true" />
                  </button>
                </li>
              );
            })}
          </ul>
        )}
        {save.error && !editing ? (
          <FormAlert requestId={serverErrorRequestId(save.error)}>{friendlyMessage(save.error)}</FormAlert>
        ) : null}
        <div className="flex flex-wrap items-center gap-x-3 gap-y-2">
          <button type="button" className="btn-secondary" disabled={full} onClick={() => setEditing('new')}>
            <Plus className="size-4" aria-hidden="true" />
            New persona
          </button>
          {full ? (
            <p className="text-[13px] text-ink-muted">{MAX_PERSONAS} personas is the most you can keep.</p>
          ) : null}
        </div>
      </div>
      {editing ? (
        <PersonaDialog
          persona={editing === 'new' ? null : editing}
          personas={personas}
          onDone={() => setEditing(null)}
        />
      ) : null}
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => (open ? undefined : setDeleting(null))}
        title={`Delete “${deleting?.name ?? ''}”?`}
        description="Conversations that chose it will use your default persona instead (or your account if it was the default)."
        confirmLabel="Delete"
        pendingLabel="Deleting…"
        pending={remove.isPending}
        error={remove.error ? friendlyMessage(remove.error) : undefined}
        onConfirm={() =>
          deleting &&
          remove.mutate(
            {
              personas: personas
                .filter((p) => p.id !== deleting.id)
                .map(({ id, name, description }) => ({ id, name, description })),
            },
            { onSuccess: () => setDeleting(null) },
          )
        }
      />
    </SettingsSection>
  );
}

function PersonaDialog({
  persona,
  personas,
  onDone,
}: {
  persona: Persona | null;
  personas: readonly Persona[];
  onDone: () => void;
}) {
  const [name, setName] = useState(persona?.name ?? '');
  const [description, setDescription] = useState(persona?.description ?? '');
  const [nameError, setNameError] = useState<string | undefined>();
  // undefined = keep the picture; a File = use it; null = remove it.
  const [picture, setPicture] = useState<File | null | undefined>(undefined);
  const [pictureError, setPictureError] = useState<string | null>(null);
  const save = useSavePersonas();
  const setPersonaPicture = usePersonaPicture();
  const pending = save.isPending || setPersonaPicture.isPending;
  const preview = useObjectUrl(picture ?? null);
  const fileInput = useRef<HTMLInputElement>(null);
  const id = useId();
  const shownUrl = picture === null ? null : (preview ?? (persona ? personaPictureUrl(persona) : null));

  function choosePicture(file: File | undefined) {
    if (!file) return;
    const problem = checkImageFile(file);
    setPictureError(problem);
    if (!problem) setPicture(file);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (save.isPending) return;
    if (!name.trim()) {
      setNameError('Give the persona a name.');
      return;
    }
    setNameError(undefined);
    const draft = {
      ...(persona ? { id: persona.id } : {}),
      name: name.trim(),
      description: description.trim(),
    };
    save.mutate(
      { personas: withPersona(personas, draft) },
      {
        onSuccess: (answer) => {
          if (picture === undefined || (picture === null && !persona?.imageId)) return onDone();
          // A new persona's id is the one the answer added.
          const saved = persona ?? answer.settings.personas.find((p) => !personas.some((o) => o.id === p.id));
          if (!saved) return onDone();
          setPersonaPicture.mutate({ personaId: saved.id, file: picture }, { onSuccess: onDone });
        },
      },
    );
  }

  return (
    <Dialog
      open
      onOpenChange={(open) => (open ? undefined : onDone())}
      title={persona ? `Edit “${persona.name}”` : 'New persona'}
      description="Avatars call you by this name ({{user}}) and read the description as what you have shared about yourself."
      size="md"
      locked={pending}
    >
      <form className="flex flex-col gap-4" onSubmit={submit} noValidate>
        <div className="flex items-center gap-3">
          {shownUrl ? (
            <img
              src={shownUrl}
              alt=""
              className="size-16 shrink-0 rounded-full border border-line bg-surface-sunken object-cover"
            />
          ) : (
            <PersonaPicture
              persona={{ id: '', imageId: null, name: name || '?' }}
              className="size-16 text-xl"
            />
          )}
          <div className="flex min-w-0 flex-col gap-1.5">
            <div className="flex flex-wrap gap-2">
              <button
                type="button"
                className="btn-secondary h-8 text-xs"
                onClick={() => fileInput.current?.click()}
              >
                <ImageUp className="size-3.5" aria-hidden="true" />
                {shownUrl ? 'Change picture' : 'Add picture'}
              </button>
              {shownUrl ? (
                <button
                  type="button"
                  className="btn-ghost h-8 text-xs"
                  onClick={() => {
                    setPicture(persona?.imageId ? null : undefined);
                    setPictureError(null);
                  }}
                >
                  Remove picture
                </button>
              ) : null}
            </div>
            <p
              className={clsx('text-[13px]', pictureError ? 'text-danger' : 'text-ink-muted')}
              role={pictureError ? 'alert' : undefined}
            >
              {pictureError ?? 'PNG, JPEG or WebP up to 5 MB; shown beside your messages.'}
            </p>
          </div>
          <input
            ref={fileInput}
            type="file"
            accept={IMAGE_TYPES.join(',')}
            className="sr-only"
            tabIndex={-1}
            aria-label="Persona picture"
            onChange={(event) => {
              choosePicture(event.target.files?.[0]);
              event.target.value = '';
            }}
          />
        </div>
        <TextField
          label="Name"
          name="personaName"
          required
          autoComplete="off"
          maxLength={PERSONA_NAME_MAX}
          value={name}
          error={nameError}
          placeholder="e.g. Captain Mara Quinn"
          onChange={(event) => setName(event.target.value)}
        />
        <div className="flex flex-col gap-1.5">
          <label htmlFor={`${id}-description`} className="text-sm font-medium text-ink">
            Description
          </label>
          <textarea
            id={`${id}-description`}
            className={clsx(textareaClass, 'min-h-28')}
            value={description}
            maxLength={PERSONA_DESCRIPTION_MAX}
            placeholder="Who this persona is: looks, background, how they speak …"
            aria-describedby={`${id}-description-hint`}
            onChange={(event) => setDescription(event.target.value)}
          />
          <p id={`${id}-description-hint`} className="text-[13px] text-ink-muted tabular-nums">
            {description.length.toLocaleString('en')} / {PERSONA_DESCRIPTION_MAX.toLocaleString('en')}{' '}
            characters
          </p>
        </div>
        {save.error ? (
          <FormAlert requestId={serverErrorRequestId(save.error)}>{friendlyMessage(save.error)}</FormAlert>
        ) : null}
        {setPersonaPicture.error ? (
          <FormAlert requestId={serverErrorRequestId(setPersonaPicture.error)}>
            The persona was saved, but its picture was not:{' '}
            {avatarErrorMessage(setPersonaPicture.error) ?? friendlyMessage(setPersonaPicture.error)}
          </FormAlert>
        ) : null}
        <DialogActions>
          <button type="button" className="btn-secondary" onClick={onDone} disabled={pending}>
            Cancel
          </button>
          <SubmitButton pending={pending} pendingLabel="Saving…">
            Save
          </SubmitButton>
        </DialogActions>
      </form>
    </Dialog>
  );
}

/** An object URL for a chosen file while it is shown (revoked when it changes or goes). */
function useObjectUrl(file: File | null): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!file) return setUrl(null);
    const next = URL.createObjectURL(file);
    setUrl(next);
    return () => URL.revokeObjectURL(next);
  }, [file]);
  return url;
}
