import { LuminaApiError } from '@lumina/sdk';
import { ArrowLeft, Brain, GitFork, Phone, RotateCcw, ScrollText, WifiOff, X } from 'lucide-react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useParams, useSearchParams } from 'react-router';
import { CompareBoard } from '../../components/chat/compare-board';
import { CompareControl } from '../../components/chat/compare-picker';
import { Composer } from '../../components/chat/composer';
import { ContextIndicator } from '../../components/chat/context-indicator';
import { ConversationPromptDialog, hasOwnPrompt } from '../../components/chat/conversation-prompt-dialog';
import { DropOverlay, useFileDrop } from '../../components/chat/file-drop';
import { ImpersonateButton } from '../../components/chat/impersonate-button';
import { IncognitoBanner } from '../../components/chat/incognito';
import type { DeleteScope, MessageActions } from '../../components/chat/message-item';
import { MessageList } from '../../components/chat/message-list';
import { ParticipantStack } from '../../components/chat/participant-stack';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorPanel } from '../../components/error-panel';
import { FormAlert } from '../../components/form-alert';
import { DEFAULT_CHAIN, ModelPicker } from '../../components/models/model-picker';
import { Skeleton } from '../../components/skeleton';
import { CallView } from '../../components/voice/call-view';
import { friendlyMessage, serverErrorRequestId } from '../../lib/api-errors';
import { useComposerAttachments, visionlessModelName } from '../../lib/attachments';
import { useChatShortcuts, useShortcuts, useSwipeKeys } from '../../lib/chat-shortcuts';
import { columnOf, compareColumns, comparedModels, isCompareReply, mergeColumns } from '../../lib/compare';
import {
  displayTitle,
  useBranch,
  useDeleteMessage,
  useEditMessageInPlace,
  useForkConversation,
  usePatchConversation,
} from '../../lib/conversations';
import { useDocumentTitle } from '../../lib/document-title';
import { FEATURES } from '../../lib/features';
import { leadingWords } from '../../lib/format';
import { textAfterAccepted, useDraft } from '../../lib/message-drafts';
import { messageLength } from '../../lib/message-limit';
import {
  chatModels,
  describeDefaultModel,
  useDefaultModel,
  useModels,
  useProviders,
  useUserSettings,
} from '../../lib/models';
import { conversationPersona, personaPictureUrl, usePersonas } from '../../lib/personas';
import { useSession } from '../../lib/session';
import { swipeStep } from '../../lib/sibling-navigation';
import { useCompare, useConversationTree } from '../../lib/use-compare';
import { useConversationEvents } from '../../lib/use-conversation-events';
import { boxWithImpersonation, useImpersonation } from '../../lib/use-impersonation';
import { chatErrorMessage, useReplyStream } from '../../lib/use-reply-stream';
import { ChatListToggle, useChatContext } from './chat-layout';
import type { FirstMessageState } from './new-conversation-page';

/** Refusals whose own message already tells what to do with the text in the box. */
const SAYS_WHAT_TO_DO = new Set(['message_too_long', 'message_empty', 'session_expired', 'unauthorized']);

/** /chat/:conversationId — one conversation: its visible branch, streaming replies, the message box. */
export function ConversationPage() {
  const { conversationId = '' } = useParams();
  const branch = useBranch(conversationId);

  if (branch.isPending) return <ConversationSkeleton />;
  if (branch.isError && !branch.data) {
    const gone = branch.error instanceof LuminaApiError && branch.error.status === 404;
    return (
      <div className="overflow-y-auto p-4 sm:p-8">
        {gone ? (
          <div className="card flex flex-col items-center px-6 py-10 text-center">
            <h1 className="text-lg font-semibold text-ink">This conversation doesn’t exist</h1>
            <p className="mt-1.5 text-ink-muted">It may have been deleted, or the link is incomplete.</p>
            <Link to="/chat" className="btn-primary mt-5">
              <ArrowLeft className="size-4" aria-hidden="true" />
              All conversations
            </Link>
          </div>
        ) : (
          <ErrorPanel error={branch.error} onRetry={() => branch.refetch()} headingLevel="h1" />
        )}
      </div>
    );
  }
  return <Conversation key={conversationId} conversationId={conversationId} />;
}

function Conversation({ conversationId }: { conversationId: string }) {
  const { avatars, wide } = useChatContext();
  const branch = useBranch(conversationId);
  const data = branch.data!;
  const stream = useReplyStream(conversationId, data);
  // Compare: the next message goes to these models at once (2–6), answered side by side.
  const compare = useCompare(conversationId);
  const [compareModels, setCompareModels] = useState<string[]>([]);
  const patch = usePatchConversation();
  const fork = useForkConversation();
  const removeBranch = useDeleteMessage(conversationId);
  const editInPlace = useEditMessageInPlace(conversationId);
  const models = useModels();
  const providers = useProviders();
  const settings = useUserSettings();
  const user = useSession().data;
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  // The box's text is saved per conversation, so a reload or a new sign-in gives it back; an
  // incognito chat's is kept nowhere (no user id: not saved in this browser).
  const draftOwner = data.conversation.incognito ? undefined : user?.id;
  const [draft, setDraft] = useDraft(draftOwner, conversationId);
  // Files for the next message: uploaded at once, kept with the draft.
  const attachments = useComposerAttachments(draftOwner, conversationId);
  const [followKey, setFollowKey] = useState(0);
  const [editLastKey, setEditLastKey] = useState(0);
  const [deleting, setDeleting] = useState<{ id: string; scope: DeleteScope } | null>(null);
  const [promptOpen, setPromptOpen] = useState(false);
  const [calling, setCalling] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const composer = useRef<HTMLTextAreaElement>(null);
  const resumed = useRef<string | null>(null);
  // "Impersonate": the model writes the person's next message into the box, after what they typed.
  const boxBefore = useRef('');
  const impersonation = useImpersonation(conversationId, (written) =>
    setDraft(boxWithImpersonation(boxBefore.current, written)),
  );

  const conversation = data.conversation;
  const messages = stream.live?.messages ?? data.messages;
  // Titles made after the reply ended, and replies started in another tab, arrive here.
  useConversationEvents(conversationId, { shown: messages, busy: stream.live !== null || compare.streaming });
  // A compare's other answers are siblings the branch does not carry: read from the tree.
  const showsCompare = messages.some((m) => comparedModels(m) !== null);
  const tree = useConversationTree(conversationId, showsCompare);
  const title = stream.live?.title ?? displayTitle(conversation);
  const avatar = avatars.find((a) => a.id === conversation.avatarId) ?? null;
  const avatarLook = useMemo(
    () => (avatar ? { id: avatar.id, name: avatar.name, imageUrl: avatar.imageUrl } : null),
    [avatar],
  );
  const { personas, defaultPersonaId } = usePersonas();
  const you = useMemo(() => {
    const persona = conversationPersona(conversation.prompt?.personaId, personas, defaultPersonaId);
    return persona ? { name: persona.name, pictureUrl: personaPictureUrl(persona) } : null;
  }, [conversation.prompt?.personaId, personas, defaultPersonaId]);
  const usable = useMemo(() => chatModels(models.data ?? []), [models.data]);
  const defaultModel = useDefaultModel();
  const noModel = models.data !== undefined && usable.length === 0;
  // The model that answers (the conversation's, the avatar's, the person's default), if it is blind.
  const blindModelName = visionlessModelName(
    conversation.model ?? avatar?.defaultModel ?? defaultModel.data?.id ?? null,
    models.data,
  );
  const busy =
    stream.streaming ||
    compare.streaming ||
    patch.isPending ||
    editInPlace.isPending ||
    impersonation.writing;
  const highlightId = params.get('message');
  useDocumentTitle(title);

  // A reply still being written (after a reload, or from another tab): follow it.
  const last = data.messages.at(-1);
  useEffect(() => {
    if (last?.role !== 'assistant' || last.status !== 'streaming') return;
    // A compare's columns are followed by the board (this tab's stream, or the tree).
    if (isCompareReply(last)) return;
    if (stream.live || resumed.current === last.id) return;
    resumed.current = last.id;
    void stream.resume(last.id);
  }, [last, stream]);

  // Focus the message box when the conversation opens (after the layout moved focus to <main>).
  const focusOnOpen = useRef(!highlightId && wide);
  useEffect(() => {
    const timer = setTimeout(() => {
      if (focusOnOpen.current) composer.current?.focus({ preventScroll: true });
    }, 0);
    return () => clearTimeout(timer);
  }, []);

  useChatShortcuts({
    onStop: impersonation.writing ? impersonation.stop : compare.streaming ? compare.stop : stream.stop,
    streaming: stream.streaming || impersonation.writing || compare.streaming,
  });
  const canImpersonate = !busy && !noModel;
  const impersonate = () => {
    if (!canImpersonate) return;
    boxBefore.current = draft;
    void impersonation.start();
  };
  useShortcuts({ impersonate });
  // Written (or stopped): the box is usable again, with the caret after the text, to edit and send.
  const wasWriting = useRef(false);
  useEffect(() => {
    if (wasWriting.current && !impersonation.writing) {
      const box = composer.current;
      box?.focus({ preventScroll: true });
      box?.setSelectionRange(box.value.length, box.value.length);
    }
    wasWriting.current = impersonation.writing;
  }, [impersonation.writing]);

  const requestError = stream.requestError;
  // The server's limit; a `message_too_long` answer also tells it, should settings not have loaded.
  const maxChars = settings.data?.limits?.maxMessageChars ?? requestError?.maxChars ?? null;

  // The text stays in the box until the server has stored the message: every failure before
  // that (refused, unreachable, busy, session ended) leaves it where it was, to send again.
  const { ready: readyFiles, clearSent: clearSentFiles } = attachments;
  const send = useCallback(() => {
    const content = draft.trim();
    if ((!content && readyFiles.length === 0) || stream.streaming || compare.streaming) return;
    if (maxChars !== null && messageLength(draft) > maxChars) return;
    const sent = draft;
    const files = readyFiles;
    setFollowKey((k) => k + 1);
    if (highlightId) setParams({}, { replace: true });
    const sendTo = compareModels.length >= 2 ? compareModels : null;
    if (sendTo) {
      void compare.compare(content, sendTo, {
        attachments: files,
        onAccepted: () => {
          setDraft((current) => textAfterAccepted(current, sent));
          clearSentFiles(files.map((file) => file.id));
        },
      });
      return;
    }
    void stream.send(content, {
      attachments: files,
      onAccepted: () => {
        setDraft((current) => textAfterAccepted(current, sent));
        clearSentFiles(files.map((file) => file.id));
      },
    });
  }, [
    draft,
    readyFiles,
    clearSentFiles,
    stream,
    compare,
    compareModels,
    highlightId,
    setParams,
    maxChars,
    setDraft,
  ]);

  // The first message, typed on the new-conversation page that created this conversation: sent
  // once, with the same care as a typed one (it stays in the box until the server stored it).
  const location = useLocation();
  const firstState = location.state as FirstMessageState | null;
  const firstMessage = firstState?.firstMessage ?? null;
  const firstFiles = firstState?.attachments;
  // Opened by "Fork from here": say so once (a reload or "back" does not say it again).
  const [branchedFrom, setBranchedFrom] = useState(
    () => (location.state as BranchedState | null)?.branchedFrom ?? null,
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: once, when the page opens
  useEffect(() => {
    if (!branchedFrom) return;
    navigate({ pathname: location.pathname, search: location.search }, { replace: true, state: null });
    const timer = setTimeout(() => setBranchedFrom(null), BRANCHED_TOAST_MS);
    return () => clearTimeout(timer);
  }, []);
  const sentFirst = useRef(false);
  useEffect(() => {
    if (firstMessage === null || sentFirst.current) return;
    if (!firstMessage.trim() && !firstFiles?.length) return;
    sentFirst.current = true;
    // A reload or "back" must not send it again.
    navigate({ pathname: location.pathname, search: location.search }, { replace: true, state: null });
    setDraft(firstMessage);
    // Its files wait in the box too until the server has stored the message.
    if (firstFiles?.length) attachments.adopt(firstFiles);
    setFollowKey((k) => k + 1);
    void stream.send(firstMessage.trim(), {
      ...(firstFiles?.length ? { attachments: firstFiles } : {}),
      onAccepted: () => {
        setDraft((current) => textAfterAccepted(current, firstMessage));
        if (firstFiles?.length) attachments.clearSent(firstFiles.map((file) => file.id));
      },
    });
  }, [firstMessage, firstFiles, attachments, location.pathname, location.search, navigate, setDraft, stream]);

  // Stable callbacks, so a streamed token re-renders only the reply it belongs to (MessageItem is memoised).
  const { regenerate, continueReply, edit } = stream;
  const { mutate: patchConversation } = patch;
  const { mutate: forkConversation } = fork;
  const { mutate: editMessage } = editInPlace;
  const actions = useMemo<MessageActions>(
    () => ({
      onRegenerate: (id) => {
        setFollowKey((k) => k + 1);
        void regenerate(id);
      },
      onContinue: (id) => {
        setFollowKey((k) => k + 1);
        void continueReply(id);
      },
      onEdit: (id, content) => {
        setFollowKey((k) => k + 1);
        void edit(id, content);
      },
      onSwitch: (id) =>
        patchConversation({ id: conversationId, patch: { activeLeafId: id } }, { onError: setActionError }),
      onFork: (id) =>
        forkConversation(
          { id: conversationId, messageId: id },
          {
            onSuccess: (created) => {
              const state: BranchedState = { branchedFrom: { id: conversationId, title } };
              navigate(`/chat/${created.id}`, { state });
            },
            onError: setActionError,
          },
        ),
      onEditInPlace: (id, content) => editMessage({ messageId: id, content }, { onError: setActionError }),
      onDelete: (id, scope) => setDeleting({ id, scope }),
    }),
    [
      regenerate,
      continueReply,
      edit,
      editMessage,
      patchConversation,
      forkConversation,
      conversationId,
      navigate,
      title,
    ],
  );

  // ← / → flip the last reply's alternatives, as its `< 2/3 >` does; → past the last writes a new one.
  const page = useRef<HTMLDivElement>(null);
  useSwipeKeys(page, composer, (direction) => {
    if (busy) return false;
    const step = swipeStep(messages, direction);
    if (!step) return false;
    if (step.kind === 'switch') actions.onSwitch(step.id);
    else actions.onRegenerate(step.id);
    return true;
  });

  // What was said in the call is stored by the server: the branch is read again when it ends.
  const { refetch: refetchBranch } = branch;
  const closeCall = useCallback(() => {
    setCalling(false);
    void refetchBranch();
  }, [refetchBranch]);

  // The answers of a compare, side by side, in place of the branch's reply to its message.
  const { live: liveCompare, merge: mergeAnswers, consensus: findConsensus, stop: stopCompare } = compare;
  const { onSwitch } = actions;
  const renderInstead = useCallback(
    (message: (typeof messages)[number]) => {
      if (!isCompareReply(message) || !message.parentId) return null;
      const questionId = message.parentId;
      const stored = tree.data ? compareColumns(tree.data, questionId) : [];
      const known = stored.some((c) => c.id === message.id)
        ? stored
        : [...stored, columnOf(message, stored.length)];
      const columns =
        liveCompare?.questionId === questionId ? mergeColumns(known, liveCompare.columns) : known;
      // While this tab writes them, the column the server will leave in the conversation: a
      // merge, else the first model's (the branch moves as each reply is stored, then back).
      const live = liveCompare?.questionId === questionId ? liveCompare.columns : [];
      const liveActive = (live.find((c) => c.merge || c.consensus) ?? live.find((c) => c.index === 0))?.id;
      return (
        <CompareBoard
          key={message.id}
          questionId={questionId}
          columns={columns}
          activeId={liveActive ?? message.id}
          models={usable}
          busy={busy}
          avatarName={avatar?.name ?? 'The avatar'}
          onContinue={onSwitch}
          onMerge={(id, model, replyIds) => {
            setFollowKey((k) => k + 1);
            void mergeAnswers(id, model, replyIds);
          }}
          onConsensus={(id, model, replyIds) => {
            setFollowKey((k) => k + 1);
            void findConsensus(id, model, replyIds);
          }}
          onStop={() => void stopCompare()}
        />
      );
    },
    [tree.data, liveCompare, usable, busy, avatar?.name, onSwitch, mergeAnswers, findConsensus, stopCompare],
  );

  const noModelError = requestError?.code === 'no_model_configured';
  // Files dropped anywhere on the conversation join the message.
  const draggingFiles = useFileDrop(page, attachments.add);

  return (
    <div ref={page} className="relative flex min-h-0 flex-1 flex-col">
      <DropOverlay visible={draggingFiles} />
      <header className="flex shrink-0 flex-wrap items-center gap-x-3 gap-y-2 border-b border-line bg-surface px-3 py-2 sm:px-5">
        <ChatListToggle />
        <ParticipantStack participants={conversation.participants} viewerId={user?.id} />
        <div className="min-w-0 flex-1">
          <h1 className="truncate font-semibold text-ink" title={title}>
            {title}
          </h1>
          <p className="truncate text-xs text-ink-muted">
            with {avatar?.name ?? 'an avatar'}
            {conversation.archived ? ' · archived' : ''}
          </p>
        </div>
        {FEATURES.voice ? (
          <button
            type="button"
            className="icon-btn size-10 shrink-0"
            aria-label={`Call ${avatar?.name ?? 'the avatar'}`}
            title="Voice call"
            disabled={stream.streaming}
            onClick={() => setCalling(true)}
          >
            <Phone className="size-5" aria-hidden="true" />
          </button>
        ) : null}
        <div className="flex w-full min-w-0 items-center gap-3 sm:w-auto">
          {avatar && FEATURES.memory ? (
            <Link
              to={`/avatars/${avatar.id}/memory`}
              className="icon-btn size-10 shrink-0"
              aria-label={`What ${avatar.name} remembers`}
              title={`What ${avatar.name} remembers`}
            >
              <Brain className="size-5" aria-hidden="true" />
            </Link>
          ) : null}
          <span id={`model-label-${conversationId}`} className="sr-only">
            Model for this conversation
          </span>
          <button
            type="button"
            className="icon-btn relative size-10 shrink-0"
            aria-label="Prompt for this conversation"
            title={
              hasOwnPrompt(conversation)
                ? 'Prompt for this conversation (set)'
                : 'Prompt for this conversation'
            }
            onClick={() => setPromptOpen(true)}
          >
            <ScrollText className="size-5" aria-hidden="true" />
            {hasOwnPrompt(conversation) ? (
              <span className="absolute top-2 right-2 size-2 rounded-full bg-accent" aria-hidden="true" />
            ) : null}
          </button>
          <ModelPicker
            className="min-w-0 flex-1 sm:w-64 sm:flex-none"
            label="Model for this conversation"
            labelledBy={`model-label-${conversationId}`}
            value={conversation.model ?? DEFAULT_CHAIN}
            onChange={(id) =>
              patch.mutate(
                { id: conversationId, patch: { model: id === DEFAULT_CHAIN ? null : id } },
                // A "no model" refusal is out of date once a model is chosen.
                { onError: setActionError, onSuccess: () => stream.clearRequestError() },
              )
            }
            models={usable}
            providers={providers.data ?? []}
            defaultOption={{
              label: avatar?.defaultModel ? `${avatar.name}’s model` : 'Your default model',
              description:
                avatar?.defaultModel ??
                describeDefaultModel(defaultModel.data ?? null, usable, models.data !== undefined),
            }}
            disabled={stream.streaming || compare.streaming}
          />
        </div>
      </header>
      {conversation.incognito ? (
        <IncognitoBanner conversationId={conversationId} avatarId={conversation.avatarId} />
      ) : null}

      <MessageList
        messages={messages}
        avatar={avatarLook}
        busy={busy}
        actions={actions}
        highlightId={highlightId}
        followKey={followKey}
        editLastKey={editLastKey}
        you={you}
        renderInstead={showsCompare ? renderInstead : undefined}
        footer={
          stream.connectionLost ? (
            <div className="mt-2 flex items-center gap-3 rounded-lg border border-warn/30 bg-warn-soft px-3 py-2.5 text-sm text-ink">
              <WifiOff className="size-4 shrink-0 text-warn" aria-hidden="true" />
              <p className="flex-1">{stream.connectionLost} The server keeps writing it.</p>
              <button type="button" className="btn-secondary h-8 px-2.5" onClick={() => branch.refetch()}>
                <RotateCcw className="size-3.5" aria-hidden="true" />
                Reload
              </button>
            </div>
          ) : null
        }
      />

      <Composer
        ref={composer}
        value={draft}
        onChange={setDraft}
        onSend={send}
        onStop={impersonation.writing ? impersonation.stop : compare.streaming ? compare.stop : stream.stop}
        streaming={stream.streaming || impersonation.writing || compare.streaming}
        disabled={impersonation.writing}
        sendBlockedReason={noModel ? 'No model is set up yet, so there is no one to answer' : null}
        maxChars={maxChars}
        placeholder={`Message ${avatar ? leadingWords(avatar.name) : 'the avatar'}…`}
        onEditLast={() => setEditLastKey((k) => k + 1)}
        attachments={attachments}
        blindModelName={blindModelName}
        hint={
          <p className="text-xs text-ink-subtle max-sm:hidden">
            Enter to send · Shift+Enter for a new line{stream.streaming ? ' · Esc to stop' : ''}
          </p>
        }
        toolbar={
          <div className="flex min-w-0 items-center gap-3">
            <ImpersonateButton
              writing={impersonation.writing}
              disabled={!canImpersonate}
              onStart={impersonate}
              onStop={impersonation.stop}
            />
            <CompareControl
              models={usable}
              chosen={compareModels}
              onChange={setCompareModels}
              disabled={compare.streaming}
              conversationId={conversationId}
              content={draft}
              attachments={attachments.ready.map((file) => file.id)}
            />
            <ContextIndicator conversationId={conversationId} />
          </div>
        }
      >
        {noModelError ? (
          <FormAlert>
            <strong className="font-semibold">Not sent.</strong> No model is set up yet, so there is no one to
            answer. Your message is still in the box.{' '}
            <Link to="/" className="link">
              Set one up on the Home page
            </Link>
            .
          </FormAlert>
        ) : requestError ? (
          <FormAlert requestId={requestError.requestId}>
            {requestError.notSent ? <strong className="font-semibold">Not sent. </strong> : null}
            {requestError.message}
            {requestError.notSent && !SAYS_WHAT_TO_DO.has(requestError.code)
              ? ' Your message is still in the box.'
              : null}{' '}
            <span className="whitespace-nowrap">
              {requestError.notSent && requestError.retryable ? (
                <>
                  <button type="button" className="link" onClick={send} disabled={stream.streaming}>
                    Try again
                  </button>
                  {' · '}
                </>
              ) : null}
              <button type="button" className="link" onClick={stream.clearRequestError}>
                Dismiss
              </button>
            </span>
          </FormAlert>
        ) : noModel ? (
          <FormAlert tone="info">
            No model is set up yet, so there is no one to answer.{' '}
            <Link to="/" className="link">
              Set one up on the Home page
            </Link>
            .
          </FormAlert>
        ) : null}
        {compare.error ? (
          <FormAlert requestId={serverErrorRequestId(compare.error)}>
            <strong className="font-semibold">Not compared. </strong>
            {chatErrorMessage(compare.error)}{' '}
            <button type="button" className="link" onClick={compare.clearError}>
              Dismiss
            </button>
          </FormAlert>
        ) : null}
        {impersonation.error ? (
          <FormAlert requestId={impersonation.error.requestId}>
            Your message couldn’t be written: {impersonation.error.message}{' '}
            <button type="button" className="link" onClick={impersonation.clearError}>
              Dismiss
            </button>
          </FormAlert>
        ) : null}
        {actionError ? (
          <FormAlert requestId={serverErrorRequestId(actionError)}>
            {friendlyMessage(actionError)}{' '}
            <button type="button" className="link" onClick={() => setActionError(null)}>
              Dismiss
            </button>
          </FormAlert>
        ) : null}
      </Composer>

      {calling ? (
        <CallView
          conversationId={conversationId}
          avatar={{ name: avatar?.name ?? 'the avatar', imageUrl: avatar?.imageUrl ?? null }}
          onClose={closeCall}
        />
      ) : null}

      <BranchedToast from={branchedFrom} onDismiss={() => setBranchedFrom(null)} />

      <ConversationPromptDialog
        conversation={conversation}
        avatarName={avatar?.name ?? 'the avatar'}
        open={promptOpen}
        onOpenChange={setPromptOpen}
      />

      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => {
          if (!open) {
            setDeleting(null);
            removeBranch.reset();
          }
        }}
        title={deleting?.scope === 'message' ? 'Delete this message?' : 'Delete from here?'}
        description={
          deleting?.scope === 'message'
            ? 'Only this message will be deleted. The messages after it stay, and follow the message before it. This can’t be undone.'
            : 'This message and everything after it, on every branch below it, will be deleted. This can’t be undone.'
        }
        confirmLabel="Delete"
        pendingLabel="Deleting…"
        pending={removeBranch.isPending}
        error={removeBranch.error ? friendlyMessage(removeBranch.error) : null}
        requestId={serverErrorRequestId(removeBranch.error)}
        onConfirm={() =>
          deleting &&
          removeBranch.mutate(
            { messageId: deleting.id, scope: deleting.scope },
            { onSuccess: () => setDeleting(null) },
          )
        }
      />
    </div>
  );
}

/** The history state of a conversation opened by "Fork from here". */
interface BranchedState {
  branchedFrom: { id: string; title: string };
}

/** How long "Branched into a new conversation" stays. */
const BRANCHED_TOAST_MS = 8000;

/** "Branched into a new conversation", with a link back to the one it came from. Never takes focus. */
function BranchedToast({
  from,
  onDismiss,
}: {
  from: BranchedState['branchedFrom'] | null;
  onDismiss: () => void;
}) {
  return (
    <div
      role="status"
      aria-live="polite"
      className="pointer-events-none fixed inset-x-3 bottom-24 z-40 flex justify-center md:inset-x-auto md:bottom-5 md:left-1/2 md:-translate-x-1/2"
    >
      {from ? (
        <div className="pointer-events-auto flex w-full max-w-sm animate-fade-in items-center gap-3 rounded-xl border border-line bg-ink py-2 pr-2 pl-4 text-sm text-canvas shadow-pop dark:border-line-strong">
          <GitFork className="size-4 shrink-0" aria-hidden="true" />
          <p className="min-w-0 flex-1">
            Branched into a new conversation.{' '}
            <Link to={`/chat/${from.id}`} className="font-semibold underline underline-offset-2">
              Back to “{from.title}”
            </Link>
          </p>
          <button
            type="button"
            className="inline-flex size-8 shrink-0 items-center justify-center rounded-lg hover:bg-canvas/10"
            aria-label="Dismiss"
            onClick={onDismiss}
          >
            <X className="size-4" aria-hidden="true" />
          </button>
        </div>
      ) : null}
    </div>
  );
}

function ConversationSkeleton() {
  return (
    <div className="flex min-h-0 flex-1 flex-col" aria-busy="true">
      <div className="flex h-[57px] items-center gap-3 border-b border-line px-5">
        <Skeleton className="h-5 w-48" />
      </div>
      <div className="mx-auto flex w-full max-w-3xl flex-1 flex-col gap-6 px-6 pt-6">
        <div className="flex gap-3">
          <Skeleton className="size-8 rounded-full" />
          <div className="flex-1">
            <Skeleton className="h-4 w-24" />
            <Skeleton className="mt-2 h-16 w-4/5 rounded-xl" />
          </div>
        </div>
        <Skeleton className="ml-auto h-10 w-1/2 rounded-2xl" />
        <div className="flex gap-3">
          <Skeleton className="size-8 rounded-full" />
          <Skeleton className="h-24 flex-1 rounded-xl" />
        </div>
      </div>
    </div>
  );
}
