import { useEffect, useId, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { AvatarPicture } from '../../components/avatars/avatar-picture';
import { FilledGreeting } from '../../components/avatars/filled-greeting';
import { Composer } from '../../components/chat/composer';
import { DropOverlay, useFileDrop } from '../../components/chat/file-drop';
import { IncognitoBanner, IncognitoSwitch } from '../../components/chat/incognito';
import { FormAlert } from '../../components/form-alert';
import { DEFAULT_CHAIN, ModelPicker } from '../../components/models/model-picker';
import { friendlyMessage, serverErrorRequestId } from '../../lib/api-errors';
import { type Attachment, useComposerAttachments, visionlessModelName } from '../../lib/attachments';
import type { Avatar } from '../../lib/avatars';
import { useCreateConversation } from '../../lib/conversations';
import { useDocumentTitle } from '../../lib/document-title';
import { leadingWords } from '../../lib/format';
import { saveDraft, useDraft } from '../../lib/message-drafts';
import { messageLength } from '../../lib/message-limit';
import {
  chatModels,
  describeDefaultModel,
  useDefaultModel,
  useModels,
  useProviders,
  useUserSettings,
} from '../../lib/models';
import { useSession } from '../../lib/session';
import { ChatListToggle, useChatContext } from './chat-layout';

/** What the conversation page sends as soon as it opens (the first message, typed here). */
export interface FirstMessageState {
  firstMessage: string;
  /** Files uploaded with it (they move to the conversation's box until the server stored it). */
  attachments?: Attachment[];
}

/**
 * /chat/new?avatar=<id> — a conversation not stored yet: the avatar, its greeting, a model
 * choice and the message box. Nothing is stored until the first send, so starting a chat and
 * leaving leaves no empty conversation behind; the first send creates the conversation (with
 * the greeting and the chosen model) and the conversation page sends the message.
 */
export function NewConversationPage() {
  const { avatars, avatarsLoaded, activeAvatar } = useChatContext();
  const [params] = useSearchParams();
  const wanted = params.get('avatar');
  const avatar = (wanted ? avatars.find((a) => a.id === wanted) : null) ?? activeAvatar;
  useDocumentTitle(avatar ? `New chat with ${avatar.name}` : 'New chat');

  if (!avatarsLoaded) return null;
  if (!avatar) {
    return (
      <div className="m-auto flex max-w-md flex-col items-center px-6 py-12 text-center">
        <h1 className="text-xl font-semibold text-ink">No avatar to talk with yet</h1>
        <p className="mt-1 text-ink-muted">
          Pick a personality from the templates or import a character card.
        </p>
        <Link to="/avatars" className="btn-primary mt-5">
          Go to Avatars
        </Link>
      </div>
    );
  }
  // One draft per avatar: switching avatars switches the box's text.
  return <NewConversation key={avatar.id} avatar={avatar} />;
}

function NewConversation({ avatar }: { avatar: Avatar }) {
  const { wide } = useChatContext();
  const user = useSession().data;
  const models = useModels();
  const defaultModel = useDefaultModel();
  const providers = useProviders();
  const settings = useUserSettings();
  const create = useCreateConversation();
  const navigate = useNavigate();
  const [model, setModel] = useState(DEFAULT_CHAIN);
  // `?incognito=1` (a new chat after ending an incognito one) starts with the switch on.
  const [params] = useSearchParams();
  const [incognito, setIncognito] = useState(params.get('incognito') === '1');
  // An incognito chat's text is kept nowhere, not even as the new chat's saved draft.
  const [draft, setDraft] = useDraft(incognito ? undefined : user?.id, `new:${avatar.id}`);
  function switchIncognito(on: boolean) {
    if (on && user) saveDraft(user.id, `new:${avatar.id}`, '');
    setIncognito(on);
  }
  const attachments = useComposerAttachments(user?.id, `new:${avatar.id}`);
  const composer = useRef<HTMLTextAreaElement>(null);
  const page = useRef<HTMLDivElement>(null);
  const draggingFiles = useFileDrop(page, attachments.add);
  const modelLabelId = useId();
  // Ready to type on a computer (on a phone the keyboard would cover the greeting).
  useEffect(() => {
    if (wide) composer.current?.focus({ preventScroll: true });
  }, [wide]);

  const usable = chatModels(models.data ?? []);
  const noModel = models.data !== undefined && usable.length === 0;
  const blindModelName = visionlessModelName(
    model === DEFAULT_CHAIN ? (avatar.defaultModel ?? defaultModel.data?.id) : model,
    models.data,
  );
  const maxChars = settings.data?.limits?.maxMessageChars ?? null;

  const greeting = avatar.greeting && user ? avatar.greeting : '';

  function send() {
    const content = draft.trim();
    const files = attachments.ready;
    if ((!content && files.length === 0) || create.isPending) return;
    if (maxChars !== null && messageLength(draft) > maxChars) return;
    create.mutate(
      {
        avatarId: avatar.id,
        model: model === DEFAULT_CHAIN ? null : model,
        ...(incognito ? { incognito } : {}),
      },
      {
        onSuccess: (branch) => {
          // The text moves with the message: the conversation page sends it and keeps it in its
          // own box until the server has stored it.
          setDraft('');
          // The files move too (their ids; nothing is uploaded again).
          attachments.clearSent(files.map((file) => file.id));
          const state: FirstMessageState = {
            firstMessage: draft,
            ...(files.length > 0 ? { attachments: [...files] } : {}),
          };
          navigate(`/chat/${branch.conversation.id}`, { replace: true, state });
        },
      },
    );
  }

  return (
    <div ref={page} className="relative flex min-h-0 flex-1 flex-col">
      <DropOverlay visible={draggingFiles} />
      <header className="flex shrink-0 flex-wrap items-center gap-x-3 gap-y-2 border-b border-line bg-surface px-3 py-2 sm:px-5">
        <ChatListToggle />
        <AvatarPicture src={avatar.imageUrl} className="size-8 rounded-full!" />
        <div className="min-w-0 flex-1">
          <h1 className="truncate font-semibold text-ink">{incognito ? 'New incognito chat' : 'New chat'}</h1>
          <p className="truncate text-xs text-ink-muted">with {avatar.name}</p>
        </div>
        <div className="flex w-full min-w-0 items-center gap-3 sm:w-auto">
          <IncognitoSwitch
            checked={incognito}
            onCheckedChange={switchIncognito}
            disabled={create.isPending}
          />
          <span id={modelLabelId} className="sr-only">
            Model for this conversation
          </span>
          <ModelPicker
            className="min-w-0 flex-1 sm:w-64 sm:flex-none"
            label="Model for this conversation"
            labelledBy={modelLabelId}
            value={model}
            onChange={setModel}
            models={usable}
            providers={providers.data ?? []}
            defaultOption={{
              label: avatar.defaultModel ? `${avatar.name}’s model` : 'Your default model',
              description:
                avatar.defaultModel ??
                describeDefaultModel(defaultModel.data ?? null, usable, models.data !== undefined),
            }}
            disabled={create.isPending}
          />
        </div>
      </header>
      {incognito ? <IncognitoBanner /> : null}

      <div className="min-h-0 flex-1 overflow-y-auto">
        <div className="mx-auto flex w-full max-w-3xl flex-col gap-4 px-3 py-6 sm:px-6">
          {greeting && user ? (
            <article className="flex gap-3" aria-label={`${avatar.name}’s greeting`}>
              <AvatarPicture src={avatar.imageUrl} className="size-8 shrink-0 rounded-full!" />
              <div className="min-w-0 flex-1 rounded-2xl rounded-tl-sm bg-surface-sunken px-4 py-3 text-[15px] text-ink">
                <FilledGreeting text={greeting} avatar={avatar} user={user} />
              </div>
            </article>
          ) : (
            <div className="flex flex-col items-center py-10 text-center">
              <AvatarPicture src={avatar.imageUrl} className="size-16 rounded-full!" />
              <p className="mt-3 text-lg font-semibold text-ink">Say hello to {avatar.name}</p>
              {avatar.description ? (
                <p className="mt-1 max-w-md text-ink-muted">{avatar.description}</p>
              ) : null}
            </div>
          )}
        </div>
      </div>

      <Composer
        ref={composer}
        value={draft}
        onChange={setDraft}
        onSend={send}
        onStop={() => {}}
        streaming={false}
        maxChars={maxChars}
        placeholder={`Message ${leadingWords(avatar.name)}…`}
        attachments={attachments}
        blindModelName={blindModelName}
        sendBlockedReason={
          noModel
            ? 'No model is set up yet, so there is no one to answer'
            : create.isPending
              ? 'Starting…'
              : null
        }
        hint={
          <p className="text-xs text-ink-subtle max-sm:hidden">Enter to send · Shift+Enter for a new line</p>
        }
      >
        {noModel ? (
          <FormAlert tone="info">
            No model is set up yet, so {avatar.name} can’t answer.{' '}
            <Link to="/" className="link">
              Set one up on the Home page
            </Link>{' '}
            — it takes a minute.
          </FormAlert>
        ) : null}
        {create.error ? (
          <FormAlert requestId={serverErrorRequestId(create.error)}>
            <strong className="font-semibold">Not sent.</strong> {friendlyMessage(create.error)} Your message
            is still in the box.
          </FormAlert>
        ) : null}
      </Composer>
    </div>
  );
}
