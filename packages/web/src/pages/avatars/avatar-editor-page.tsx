import { LuminaApiError } from '@lumina/sdk';
import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import clsx from 'clsx';
import {
  ArrowLeft,
  BookOpen,
  Brain,
  CircleCheck,
  Copy,
  Ellipsis,
  Lock,
  Plus,
  RotateCcw,
  Star,
  Trash2,
  Users,
  X,
} from 'lucide-react';
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useBlocker, useLocation, useNavigate, useParams } from 'react-router';
import { Badge } from '../../components/avatars/avatar-card';
import { AvatarPicture } from '../../components/avatars/avatar-picture';
import { ChoiceCards } from '../../components/avatars/choice-cards';
import { ExportMenu } from '../../components/avatars/export-menu';
import { ChipInput, TextAreaField } from '../../components/avatars/fields';
import { AvatarGenerationSettings } from '../../components/avatars/generation-settings';
import { AlternateGreetings, GreetingPreview } from '../../components/avatars/greetings-editor';
import { LorebookEditor } from '../../components/avatars/lorebook-editor';
import { MemorySettings } from '../../components/avatars/memory-settings';
import { menuContentClass, menuItemClass } from '../../components/avatars/menu';
import { ModelPicker } from '../../components/avatars/model-picker';
import { PictureField } from '../../components/avatars/picture-field';
import { PromptPreviewPanel } from '../../components/avatars/prompt-preview';
import { StyleSlider } from '../../components/avatars/style-slider';
import {
  SuggestButton,
  SuggestError,
  type Suggestion,
  SuggestReviewDialog,
  useSuggest,
} from '../../components/avatars/suggest';
import { VoiceSettings } from '../../components/avatars/voice-settings';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { Dialog, DialogActions } from '../../components/dialog';
import { FormAlert } from '../../components/form-alert';
import { TextField } from '../../components/form-field';
import { Skeleton } from '../../components/skeleton';
import { SubmitButton } from '../../components/submit-button';
import { resolveActiveAvatar, useActiveAvatarId } from '../../lib/active-avatar';
import { formErrorsFrom, friendlyMessage } from '../../lib/api-errors';
import {
  type Avatar,
  type AvatarDraft,
  avatarErrorMessage,
  changedFields,
  draftOf,
  EDITABLE_FIELDS,
  lorebookEntryCount,
  promptPreviewQueryKey,
  STYLE_SLIDERS,
  useAvatar,
  useAvatarCache,
  useAvatars,
  useCreateAvatar,
  useDeleteAvatar,
} from '../../lib/avatars';
import { useDocumentTitle } from '../../lib/document-title';
import { FEATURES } from '../../lib/features';
import { useLuminaClient } from '../../lib/lumina-client';
import { useSession } from '../../lib/session';
import { NotFoundPage } from '../not-found-page';

type Field = (typeof EDITABLE_FIELDS)[number];

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
const SAVE_KEYS = isMac ? '⌘S' : 'Ctrl+S';

/** `/avatars/:id`: the editor (or a read-only view of someone else's shared avatar). */
export function AvatarEditorPage() {
  const { id = '' } = useParams();
  const avatar = useAvatar(id);
  useDocumentTitle(avatar.data ? avatar.data.name : 'Avatar');

  if (avatar.isError) {
    if (avatar.error instanceof LuminaApiError && avatar.error.status === 404) return <NotFoundPage />;
    return (
      <div className="flex flex-col items-start gap-3">
        <BackLink />
        <FormAlert>{friendlyMessage(avatar.error)}</FormAlert>
        <button type="button" className="btn-secondary" onClick={() => avatar.refetch()}>
          <RotateCcw className="size-4" aria-hidden="true" />
          Try again
        </button>
      </div>
    );
  }
  if (!avatar.data) return <EditorSkeleton />;
  return <AvatarEditor key={avatar.data.id} avatar={avatar.data} />;
}

function BackLink() {
  return (
    <Link
      to="/avatars"
      className="-ml-1 inline-flex items-center gap-1 rounded px-1 text-sm font-medium text-ink-muted hover:text-ink"
    >
      <ArrowLeft className="size-4" aria-hidden="true" />
      Avatars
    </Link>
  );
}

function AvatarEditor({ avatar }: { avatar: Avatar }) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const cache = useAvatarCache();
  const navigate = useNavigate();
  const location = useLocation();
  const user = useSession().data;
  const readOnly = !avatar.owned;
  const [saved, setSaved] = useState<AvatarDraft>(() => draftOf(avatar));
  const [draft, setDraft] = useState<AvatarDraft>(() => draftOf(avatar));
  const [nameError, setNameError] = useState<string | undefined>();
  const [tab, setTab] = useState<'edit' | 'preview'>('edit');
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [suggestion, setSuggestion] = useState<Suggestion | null>(null);
  const [justSaved, setJustSaved] = useState(false);
  const leaving = useRef(false);
  const nameInput = useRef<HTMLInputElement>(null);
  const changes = useMemo(() => changedFields(saved, draft), [saved, draft]);
  const dirty = !readOnly && Object.keys(changes).length > 0;

  const all = useAvatars({});
  const [storedActiveId, setActiveId] = useActiveAvatarId(user?.id);
  const isActive = all.data ? resolveActiveAvatar(all.data, storedActiveId)?.id === avatar.id : false;

  const save = useMutation({
    mutationFn: async (patch: ReturnType<typeof changedFields>): Promise<Avatar> => {
      const { data } = await lumina.PATCH('/api/avatars/{id}', {
        params: { path: { id: avatar.id } },
        body: patch,
      });
      if (!data) throw new Error('The server answered without the avatar');
      return data.avatar;
    },
    onSuccess: (updated, patch) => {
      cache.put(updated);
      const next = draftOf(updated);
      setSaved(next);
      // Keep edits made while the request ran; take the server's version of what was sent.
      setDraft((current) => {
        const merged = { ...current } as Record<string, unknown>;
        for (const key of Object.keys(patch)) {
          const field = key as Field;
          if (JSON.stringify(current[field]) === JSON.stringify(patch[field])) merged[field] = next[field];
        }
        return merged as AvatarDraft;
      });
      setJustSaved(true);
      void queryClient.invalidateQueries({ queryKey: promptPreviewQueryKey(avatar.id) });
    },
  });
  const saveErrors = save.error ? formErrorsFrom(save.error, EDITABLE_FIELDS) : null;

  const submit = useCallback(() => {
    if (readOnly || save.isPending) return;
    if (!draft.name.trim()) {
      setNameError('Give your avatar a name.');
      setTab('edit');
      nameInput.current?.focus();
      return;
    }
    setNameError(undefined);
    if (Object.keys(changes).length === 0) return;
    save.mutate(changes);
  }, [readOnly, save, draft.name, changes]);

  useEffect(() => {
    if (!justSaved) return;
    const timer = setTimeout(() => setJustSaved(false), 2500);
    return () => clearTimeout(timer);
  }, [justSaved]);

  useEffect(() => {
    if (dirty) setJustSaved(false);
  }, [dirty]);

  // Ctrl/Cmd+S saves from anywhere on the page.
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 's') {
        event.preventDefault();
        submit();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [submit]);

  // Closing the tab or reloading with unsaved changes asks first (the browser's own prompt).
  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [dirty]);

  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) =>
      dirty && !leaving.current && currentLocation.pathname !== nextLocation.pathname,
  );

  const remove = useDeleteAvatar();
  const copy = useCreateAvatar();
  const suggest = useSuggest();

  function set<K extends Field>(field: K, value: AvatarDraft[K]) {
    setDraft((current) => ({ ...current, [field]: value }));
  }

  const created = (location.state as { created?: boolean } | null)?.created;
  const lorebook = lorebookEntryCount(avatar);
  const fieldError = (field: Field) =>
    field === 'name' ? (nameError ?? saveErrors?.fields.name) : saveErrors?.fields[field];

  return (
    <div className="flex flex-col">
      <div className="mb-6 flex flex-col gap-4">
        <BackLink />
        <div className="flex flex-col gap-4 sm:flex-row sm:items-center">
          <div className="flex min-w-0 flex-1 items-center gap-4">
            <AvatarPicture src={avatar.imageUrl} className="size-14 sm:size-16" />
            <div className="min-w-0">
              <h1 className="truncate text-2xl font-semibold tracking-tight text-ink sm:text-[28px] sm:leading-9">
                {avatar.name}
              </h1>
              <div className="mt-1 flex flex-wrap items-center gap-1.5">
                {isActive ? (
                  <Badge tone="accent">
                    <CircleCheck className="size-3" aria-hidden="true" />
                    Active
                  </Badge>
                ) : null}
                {readOnly ? (
                  <Badge>
                    <Lock className="size-3" aria-hidden="true" />
                    Shared with you · read-only
                  </Badge>
                ) : avatar.visibility === 'instance' ? (
                  <Badge>
                    <Users className="size-3" aria-hidden="true" />
                    Shared with everyone
                  </Badge>
                ) : null}
                {lorebook !== null ? (
                  <Badge>
                    <BookOpen className="size-3" aria-hidden="true" />
                    Lorebook · {lorebook} {lorebook === 1 ? 'entry' : 'entries'}
                  </Badge>
                ) : null}
              </div>
            </div>
          </div>
          <div className="flex flex-wrap items-center gap-2">
            {isActive ? null : (
              <button type="button" className="btn-secondary" onClick={() => setActiveId(avatar.id)}>
                <Star className="size-4" aria-hidden="true" />
                Set active
              </button>
            )}
            {FEATURES.memory ? (
              <Link to={`/avatars/${avatar.id}/memory`} className="btn-secondary">
                <Brain className="size-4" aria-hidden="true" />
                Memory
              </Link>
            ) : null}
            <ExportMenu avatarId={avatar.id} />
            <DropdownMenu.Root>
              <DropdownMenu.Trigger
                className="icon-btn border border-line bg-surface"
                aria-label="More actions"
              >
                <Ellipsis className="size-4" aria-hidden="true" />
              </DropdownMenu.Trigger>
              <DropdownMenu.Portal>
                <DropdownMenu.Content
                  align="end"
                  sideOffset={6}
                  collisionPadding={8}
                  className={menuContentClass}
                >
                  <DropdownMenu.Item
                    className={menuItemClass}
                    disabled={copy.isPending}
                    onSelect={() => {
                      const { name, ...rest } = draft;
                      copy.mutate(
                        { ...rest, name: `${name} (copy)`.slice(0, 100), visibility: 'private' },
                        {
                          onSuccess: (made) => {
                            leaving.current = true;
                            void navigate(`/avatars/${made.id}`, { state: { created: true } });
                          },
                        },
                      );
                    }}
                  >
                    <Copy className="size-4 text-ink-muted" aria-hidden="true" />
                    Make a copy
                  </DropdownMenu.Item>
                  {readOnly ? null : (
                    <DropdownMenu.Item
                      className={clsx(menuItemClass, 'text-bad')}
                      onSelect={() => {
                        remove.reset();
                        setConfirmDelete(true);
                      }}
                    >
                      <Trash2 className="size-4" aria-hidden="true" />
                      Delete…
                    </DropdownMenu.Item>
                  )}
                </DropdownMenu.Content>
              </DropdownMenu.Portal>
            </DropdownMenu.Root>
          </div>
        </div>
        {copy.error ? <FormAlert>{friendlyMessage(copy.error)}</FormAlert> : null}
        {readOnly ? (
          <FormAlert tone="info">
            Someone else on this server shares this avatar with everyone. You can talk with it and export it,
            but not change it. To make your own version, use <strong>Make a copy</strong> in the ⋯ menu.
          </FormAlert>
        ) : created ? (
          <FormAlert tone="success">
            Created. Shape its personality below — the prompt preview shows what the model will read.
          </FormAlert>
        ) : null}
      </div>

      <div
        role="tablist"
        aria-label="Editor views"
        className="mb-4 grid grid-cols-2 rounded-lg bg-surface-sunken p-1 lg:hidden"
      >
        {(['edit', 'preview'] as const).map((value) => (
          <button
            key={value}
            type="button"
            role="tab"
            id={`tab-${value}`}
            aria-selected={tab === value}
            aria-controls={`panel-${value}`}
            onClick={() => setTab(value)}
            className={clsx(
              'h-8 rounded-md text-sm font-medium transition-colors',
              tab === value ? 'bg-surface text-ink shadow-card' : 'text-ink-muted hover:text-ink',
            )}
          >
            {value === 'edit' ? (readOnly ? 'Details' : 'Edit') : 'Prompt preview'}
          </button>
        ))}
      </div>

      <div className="lg:grid lg:grid-cols-[minmax(0,1fr)_19rem] lg:items-start lg:gap-6 xl:grid-cols-[minmax(0,1fr)_22rem]">
        <form
          id="panel-edit"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            submit();
          }}
          className={clsx('flex min-w-0 flex-col gap-6', tab !== 'edit' && 'max-lg:hidden')}
          aria-label={`Edit ${avatar.name}`}
        >
          <Section title="Identity" description="Who this avatar is at a glance.">
            <div className="flex flex-col gap-5">
              <PictureField avatar={avatar} readOnly={readOnly} />
              <div className="grid gap-5 sm:grid-cols-2">
                <TextField
                  ref={nameInput}
                  label="Name"
                  required
                  readOnly={readOnly}
                  maxLength={100}
                  value={draft.name}
                  onChange={(event) => {
                    set('name', event.target.value);
                    setNameError(undefined);
                  }}
                  error={fieldError('name')}
                />
                <TextField
                  label="Nickname"
                  readOnly={readOnly}
                  maxLength={100}
                  value={draft.nickname ?? ''}
                  onChange={(event) => set('nickname', event.target.value || null)}
                  hint="Stands in for the name wherever {{char}} is written, e.g. “Sera” for Seraphina."
                  error={fieldError('nickname')}
                />
              </div>
              <TextAreaField
                label="Description"
                readOnly={readOnly}
                rows={2}
                maxLength={2000}
                value={draft.description}
                onChange={(event) => set('description', event.target.value)}
                hint="One or two sentences, shown in the gallery."
                error={fieldError('description')}
              />
            </div>
          </Section>

          <Section
            title="Personality"
            description="How it thinks and behaves. {{char}} and {{user}} stand for its name and yours."
          >
            <div className="flex flex-col gap-5">
              <TextAreaField
                label="Persona"
                readOnly={readOnly}
                rows={4}
                maxLength={20_000}
                value={draft.persona}
                onChange={(event) => set('persona', event.target.value)}
                placeholder="{{char}} is a patient tutor who…"
                error={fieldError('persona')}
              />
              <ChipInput
                label="Traits"
                values={draft.traits}
                onChange={(traits) => set('traits', traits)}
                readOnly={readOnly}
                placeholder="curious, patient, witty…"
                max={40}
              />
              <TextAreaField
                label="Backstory"
                readOnly={readOnly}
                rows={4}
                maxLength={20_000}
                value={draft.backstory}
                onChange={(event) => set('backstory', event.target.value)}
                error={fieldError('backstory')}
                hint={
                  readOnly
                    ? undefined
                    : 'Where it comes from. Write a few lines, then let your model suggest traits, style and a greeting.'
                }
              />
              {readOnly ? null : (
                <div className="-mt-2 flex flex-col items-start gap-2">
                  <SuggestButton
                    pending={suggest.isPending}
                    disabled={draft.backstory.trim().length < 10}
                    onClick={() =>
                      suggest.mutate(
                        { name: draft.name, backstory: draft.backstory },
                        { onSuccess: (result) => setSuggestion(result) },
                      )
                    }
                  />
                  {draft.backstory.trim().length < 10 ? (
                    <p className="text-[13px] text-ink-muted">Write a backstory first (a sentence or two).</p>
                  ) : null}
                  {suggest.error ? <SuggestError error={suggest.error} /> : null}
                </div>
              )}
              <TextAreaField
                label="Scenario"
                readOnly={readOnly}
                rows={2}
                maxLength={10_000}
                value={draft.scenario}
                onChange={(event) => set('scenario', event.target.value)}
                hint="The situation conversations start in."
                error={fieldError('scenario')}
              />
            </div>
          </Section>

          <Section
            title="Communication style"
            description="Where it sits between each pair of opposites. The middle adds no instruction."
          >
            <div className="grid gap-x-8 gap-y-6 sm:grid-cols-2">
              {STYLE_SLIDERS.map(({ name, label, low, high }) => (
                <StyleSlider
                  key={name}
                  label={label}
                  low={low}
                  high={high}
                  value={draft.style[name]}
                  disabled={readOnly}
                  onChange={(value) => set('style', { ...draft.style, [name]: value })}
                />
              ))}
            </div>
            <CustomSliders
              draft={draft}
              readOnly={readOnly}
              onChange={(custom) => set('style', { ...draft.style, custom })}
            />
          </Section>

          <Section
            title="Greetings"
            description="The first message of a new conversation. Alternates sit beside it, to swipe to with < 1/3 >."
          >
            <div className="flex flex-col gap-5">
              <div>
                <TextAreaField
                  label="Greeting"
                  readOnly={readOnly}
                  rows={3}
                  maxLength={10_000}
                  value={draft.greeting}
                  onChange={(event) => set('greeting', event.target.value)}
                  placeholder="Hi {{user}}! I’m {{char}}."
                  error={fieldError('greeting')}
                />
                <GreetingPreview text={draft.greeting} />
              </div>
              <AlternateGreetings
                values={draft.alternateGreetings}
                onChange={(values) => set('alternateGreetings', values)}
                readOnly={readOnly}
              />
            </div>
          </Section>

          <Section
            title="Example dialogue"
            description="Short sample exchanges that show the model how it talks."
          >
            <TextAreaField
              label="Examples"
              mono
              readOnly={readOnly}
              rows={7}
              maxLength={20_000}
              value={draft.exampleDialogue}
              onChange={(event) => set('exampleDialogue', event.target.value)}
              placeholder={'<START>\n{{user}}: How was your day?\n{{char}}: Busy, but good! I finally…'}
              error={fieldError('exampleDialogue')}
              hint={
                <>
                  Begin each example with <code className="font-mono text-ink">&lt;START&gt;</code> on its own
                  line, then lines starting <code className="font-mono text-ink">{'{{user}}:'}</code> and{' '}
                  <code className="font-mono text-ink">{'{{char}}:'}</code>.
                </>
              }
            />
          </Section>

          <Section
            title="Lorebook"
            description={
              readOnly
                ? 'World Info: facts that join the prompt when their keywords come up in the chat.'
                : 'World Info: facts that join the prompt when their keywords come up in the chat. Changes here are saved as soon as you confirm them.'
            }
          >
            <LorebookEditor avatar={avatar} readOnly={readOnly} />
          </Section>

          <Section title="Tags" description="Words to find and group avatars by in the gallery.">
            <ChipInput
              label="Tags"
              values={draft.tags}
              onChange={(tags) => set('tags', tags)}
              readOnly={readOnly}
              placeholder="fantasy, tutor, work…"
              maxLength={40}
              prefix="#"
            />
          </Section>

          {FEATURES.voice ? (
            <Section title="Voice" description="How it sounds in calls and when a reply is read aloud.">
              <VoiceSettings
                voice={draft.voice}
                readOnly={readOnly}
                onChange={(voice) => set('voice', voice)}
                avatarId={avatar.id}
              />
            </Section>
          ) : null}

          <Section title="Model" description="Which model speaks for this avatar.">
            <ModelPicker
              defaultModel={draft.defaultModel}
              fallbackModels={draft.fallbackModels}
              readOnly={readOnly}
              onChange={({ defaultModel, fallbackModels }) =>
                setDraft((d) => ({ ...d, defaultModel, fallbackModels }))
              }
            />
          </Section>

          <Section
            title="Generation"
            description="How its replies are sampled: temperature, length, stop strings …"
          >
            <AvatarGenerationSettings
              generation={draft.generation}
              modelId={draft.defaultModel}
              readOnly={readOnly}
              onChange={(generation) => set('generation', generation)}
            />
          </Section>

          {FEATURES.memory ? (
            <Section title="Memory" description="What it remembers about you between conversations.">
              <MemorySettings
                avatarId={avatar.id}
                memory={draft.memory}
                readOnly={readOnly}
                onChange={(memory) => set('memory', memory)}
              />
            </Section>
          ) : null}

          <Section title="Visibility" description="Who else on this server can see and talk with it.">
            <ChoiceCards
              legend="Visibility"
              hideLegend
              value={draft.visibility}
              disabled={readOnly}
              onChange={(visibility) => set('visibility', visibility)}
              options={[
                {
                  value: 'private',
                  label: 'Private',
                  icon: <Lock className="size-3.5 text-ink-muted" aria-hidden="true" />,
                  description: 'Only you can see it.',
                },
                {
                  value: 'instance',
                  label: 'Shared with everyone',
                  icon: <Users className="size-3.5 text-ink-muted" aria-hidden="true" />,
                  description: `Everyone on this server can use and export it; only you can change it.${FEATURES.memory ? ' Memories stay private.' : ''}`,
                },
              ]}
            />
          </Section>

          {readOnly ? null : (
            <SaveBar
              dirty={dirty}
              pending={save.isPending}
              justSaved={justSaved}
              error={
                saveErrors
                  ? (saveErrors.form ?? 'Some fields need attention — see the messages above.')
                  : null
              }
              requestId={saveErrors?.requestId}
              onDiscard={() => {
                setDraft(saved);
                setNameError(undefined);
                save.reset();
              }}
            />
          )}
        </form>

        <aside
          id="panel-preview"
          aria-label="Prompt preview"
          className={clsx(
            'min-w-0 lg:sticky lg:top-6 lg:flex lg:max-h-[calc(100dvh-3rem)] lg:flex-col',
            tab !== 'preview' && 'max-lg:hidden',
          )}
        >
          <PromptPreviewPanel avatarId={avatar.id} changes={changes} />
        </aside>
      </div>

      <SuggestReviewDialog
        suggestion={suggestion}
        current={draft}
        onDiscard={() => setSuggestion(null)}
        onAccept={() => {
          if (!suggestion) return;
          setDraft((d) => ({
            ...d,
            traits: suggestion.traits.length ? suggestion.traits.slice(0, 40) : d.traits,
            style: { ...d.style, ...clampStyle(suggestion.style) },
            greeting: suggestion.greeting || d.greeting,
          }));
          setSuggestion(null);
        }}
      />

      <ConfirmDialog
        open={confirmDelete}
        onOpenChange={setConfirmDelete}
        title={`Delete ${avatar.name}?`}
        description="Its settings and picture are deleted for good. Export it first if you may want it back."
        confirmLabel="Delete avatar"
        pendingLabel="Deleting…"
        pending={remove.isPending}
        error={remove.error ? (avatarErrorMessage(remove.error) ?? friendlyMessage(remove.error)) : null}
        onConfirm={() =>
          remove.mutate(avatar.id, {
            onSuccess: () => {
              leaving.current = true;
              if (storedActiveId === avatar.id) setActiveId(null);
              void navigate('/avatars', { replace: true });
            },
          })
        }
      />

      <Dialog
        open={blocker.state === 'blocked'}
        onOpenChange={(open) => (open ? undefined : blocker.reset?.())}
        title="Leave without saving?"
        description="Your changes to this avatar haven’t been saved."
      >
        <DialogActions>
          <button type="button" className="btn-secondary" onClick={() => blocker.reset?.()}>
            Keep editing
          </button>
          <button type="button" className="btn-danger" onClick={() => blocker.proceed?.()}>
            Leave and discard
          </button>
        </DialogActions>
      </Dialog>
    </div>
  );
}

function clampStyle(style: Suggestion['style']): Partial<Avatar['style']> {
  const out: Record<string, number> = {};
  for (const { name } of STYLE_SLIDERS) {
    const value = style[name];
    if (typeof value === 'number' && Number.isFinite(value))
      out[name] = Math.max(0, Math.min(100, Math.round(value)));
  }
  return out;
}

function Section({
  title,
  description,
  children,
}: {
  title: string;
  description: ReactNode;
  children: ReactNode;
}) {
  const id = `section-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return (
    <section aria-labelledby={id} className="card scroll-mt-6">
      <div className="px-5 pt-5 sm:px-6 sm:pt-6">
        <h2 id={id} className="font-semibold text-ink">
          {title}
        </h2>
        <p className="mt-1 text-sm text-ink-muted">{description}</p>
      </div>
      <div className="px-5 py-5 sm:px-6">{children}</div>
    </section>
  );
}

function CustomSliders({
  draft,
  readOnly,
  onChange,
}: {
  draft: AvatarDraft;
  readOnly: boolean;
  onChange: (custom: AvatarDraft['style']['custom']) => void;
}) {
  const custom = draft.style.custom;
  const update = (index: number, patch: Partial<(typeof custom)[number]>) =>
    onChange(custom.map((slider, i) => (i === index ? { ...slider, ...patch } : slider)));
  if (readOnly && custom.length === 0) return null;
  return (
    <div className="mt-8 border-t border-line pt-6">
      <h3 className="text-sm font-semibold text-ink">Custom sliders</h3>
      <p className="mt-0.5 text-[13px] text-ink-muted">
        Your own opposites, e.g. “Optimism: gloomy ↔ sunny”. Up to 12.
      </p>
      {custom.length > 0 ? (
        <ul className="mt-4 flex flex-col gap-4">
          {custom.map((slider, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: sliders have no id; their names change while typed
            <li key={index} className="rounded-xl border border-line p-4">
              {readOnly ? null : (
                <div className="mb-4 grid grid-cols-[1fr_auto] gap-3 sm:grid-cols-[1.2fr_1fr_1fr_auto] sm:items-end">
                  <TextField
                    label="Name"
                    required
                    maxLength={40}
                    value={slider.name}
                    onChange={(event) => update(index, { name: event.target.value })}
                    className="max-sm:col-span-1"
                  />
                  <button
                    type="button"
                    className="icon-btn self-end hover:text-bad sm:order-last"
                    aria-label={`Remove slider ${slider.name || index + 1}`}
                    onClick={() => onChange(custom.filter((_, i) => i !== index))}
                  >
                    <X className="size-4" aria-hidden="true" />
                  </button>
                  <TextField
                    label="Low end"
                    required
                    maxLength={40}
                    value={slider.low}
                    placeholder="gloomy"
                    onChange={(event) => update(index, { low: event.target.value })}
                    className="max-sm:col-span-2"
                  />
                  <TextField
                    label="High end"
                    required
                    maxLength={40}
                    value={slider.high}
                    placeholder="sunny"
                    onChange={(event) => update(index, { high: event.target.value })}
                    className="max-sm:col-span-2"
                  />
                </div>
              )}
              <StyleSlider
                label={slider.name || `Custom slider ${index + 1}`}
                low={slider.low || 'low'}
                high={slider.high || 'high'}
                value={slider.value}
                disabled={readOnly}
                onChange={(value) => update(index, { value })}
              />
            </li>
          ))}
        </ul>
      ) : null}
      {readOnly || custom.length >= 12 ? null : (
        <button
          type="button"
          className="btn-secondary mt-4"
          onClick={() => onChange([...custom, { name: '', value: 50, low: '', high: '' }])}
        >
          <Plus className="size-4" aria-hidden="true" />
          Add custom slider
        </button>
      )}
    </div>
  );
}

/** Sticks to the bottom of the window: whether there is something to save, Discard and Save. */
function SaveBar({
  dirty,
  pending,
  justSaved,
  error,
  requestId,
  onDiscard,
}: {
  dirty: boolean;
  pending: boolean;
  justSaved: boolean;
  error: string | null;
  requestId: string | undefined;
  onDiscard: () => void;
}) {
  return (
    <div className="sticky bottom-0 z-20 -mx-4 mt-2 border-t border-line bg-surface/95 px-4 py-3 backdrop-blur sm:mx-0 sm:rounded-xl sm:border sm:shadow-pop sm:px-4 max-sm:pb-[max(0.75rem,env(safe-area-inset-bottom))]">
      {error ? (
        <FormAlert requestId={requestId} className="mb-3">
          {error}
        </FormAlert>
      ) : null}
      <div className="flex items-center gap-3">
        <p className="flex min-w-0 flex-1 items-center gap-2 text-sm" aria-live="polite">
          {pending ? (
            <span className="text-ink-muted">Saving…</span>
          ) : dirty ? (
            <>
              <span className="size-2 shrink-0 rounded-full bg-warn" aria-hidden="true" />
              <span className="truncate font-medium text-ink">Unsaved changes</span>
            </>
          ) : justSaved ? (
            <>
              <CircleCheck className="size-4 shrink-0 text-ok" aria-hidden="true" />
              <span className="text-ink-muted">Saved</span>
            </>
          ) : (
            <span className="text-ink-muted">All changes saved</span>
          )}
        </p>
        {dirty && !pending ? (
          <button type="button" className="btn-ghost" onClick={onDiscard}>
            Discard
          </button>
        ) : null}
        <SubmitButton
          pending={pending}
          pendingLabel="Saving…"
          disabled={!dirty}
          aria-keyshortcuts="Control+S Meta+S"
        >
          Save
          <kbd className="hidden rounded border border-current/40 px-1 font-sans text-[11px] sm:inline">
            {SAVE_KEYS}
          </kbd>
        </SubmitButton>
      </div>
    </div>
  );
}

function EditorSkeleton() {
  return (
    <div aria-busy="true" className="flex flex-col gap-6">
      <Skeleton className="h-4 w-20" />
      <div className="flex items-center gap-4">
        <Skeleton className="size-16 rounded-xl" />
        <div>
          <Skeleton className="h-7 w-48" />
          <Skeleton className="mt-2 h-4 w-24" />
        </div>
      </div>
      <div className="lg:grid lg:grid-cols-[minmax(0,1fr)_19rem] lg:gap-6">
        <div className="card flex flex-col gap-4 p-6">
          <Skeleton className="h-5 w-24" />
          <Skeleton className="h-10 w-full" />
          <Skeleton className="h-20 w-full" />
        </div>
        <div className="card hidden p-4 lg:block">
          <Skeleton className="h-5 w-32" />
          <Skeleton className="mt-3 h-24 w-full" />
        </div>
      </div>
      <span className="sr-only">Loading the avatar…</span>
    </div>
  );
}
