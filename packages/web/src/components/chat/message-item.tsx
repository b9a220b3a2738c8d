import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import clsx from 'clsx';
import {
  CircleAlert,
  GitFork,
  MessageSquareReply,
  Pencil,
  RotateCcw,
  Square,
  StepForward,
  Trash2,
  TriangleAlert,
  Wrench,
  X,
} from 'lucide-react';
import { memo, useEffect, useId, useRef, useState } from 'react';
import { isPendingId } from '../../lib/chat-stream';
import type { ChatMessage } from '../../lib/conversations';
import { FEATURES } from '../../lib/features';
import { AvatarPicture } from '../avatars/avatar-picture';
import { textareaClass } from '../avatars/fields';
import { menuContentClass, menuItemClass } from '../avatars/menu';
import { CopyButton } from '../copy-button';
import { RememberedChip } from '../memory/remembered-chip';
import { ReadAloudButton } from '../voice/read-aloud-button';
import { actionButtonClass } from './chat-styles';
import { MessageFiles } from './message-attachments';
import { bodySegments, MessageBody } from './message-body';
import { MessageDetails } from './message-details';
import { SiblingNavigator } from './sibling-navigator';

export interface MessageActions {
  onRegenerate: (messageId: string) => void;
  /** Writes on from where the reply stopped, as a new alternative (the original stays). */
  onContinue: (messageId: string) => void;
  /** A user message: a new version and a new reply. A reply: a new alternative with this text. */
  onEdit: (messageId: string, content: string) => void;
  /** Replaces the message's text where it is (a reply's typo fixed without a new alternative). */
  onEditInPlace: (messageId: string, content: string) => void;
  onSwitch: (messageId: string) => void;
  onFork: (messageId: string) => void;
  /** Asks to delete (the page confirms): this message alone, or it and everything after it. */
  onDelete: (messageId: string, scope: DeleteScope) => void;
}

/** `message`: this message only (what follows moves up); `branch`: it and everything after it. */
export type DeleteScope = 'message' | 'branch';

interface MessageItemProps {
  message: ChatMessage;
  avatar: { id?: string; name: string; imageUrl: string } | null;
  /** A reply is being written somewhere in this conversation: no branching meanwhile. */
  busy: boolean;
  /** The message a search led to: marked until the next one. */
  highlighted: boolean;
  /** The last message of the branch (its details stay visible). */
  last: boolean;
  actions: MessageActions;
  /** A change (above 0) opens the edit box of this message of the person's, as Edit does. */
  editKey?: number;
  /** Who the person speaks as here (their persona); its picture shows by their messages. */
  you?: { name: string; pictureUrl: string | null } | null;
}

/** The statuses a reply can be continued from. */
const CONTINUABLE: ReadonlySet<ChatMessage['status']> = new Set(['complete', 'cancelled', 'interrupted']);

/** One message of the branch: text, status, alternatives and what can be done with it. */
export const MessageItem = memo(function MessageItem({
  message,
  avatar,
  busy,
  highlighted,
  last,
  actions,
  editKey = 0,
  you = null,
}: MessageItemProps) {
  const [editing, setEditing] = useState(false);
  const mine = message.role === 'user';
  const pending = isPendingId(message.id);
  // The same conditions as the Edit button: a stored message of the person's, nothing being written.
  const editable = mine && !pending && !busy;
  // Opened from the message box (↑): focus goes back there when the edit ends.
  const returnFocus = useRef<HTMLElement | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a new editKey opens the box
  useEffect(() => {
    if (editKey <= 0 || !editable) return;
    returnFocus.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setEditing(true);
  }, [editKey]);
  const stopEditing = () => {
    setEditing(false);
    const back = returnFocus.current;
    returnFocus.current = null;
    if (back?.isConnected) requestAnimationFrame(() => back.focus({ preventScroll: true }));
  };
  const writing = message.role === 'assistant' && message.status === 'streaming';
  const tool = message.role === 'tool';
  // A reply's text is edited where it is; the same conditions as its Edit button.
  const editableReply = message.role === 'assistant' && !pending && !busy && !writing;
  const author = mine ? 'You' : tool ? 'Tool' : (avatar?.name ?? 'Avatar');
  const hasBody = bodySegments(message.parts, message.content).length > 0;
  // Pictures and files a person sent show under their bubble.
  const files = mine ? message.parts.filter((part) => part.type === 'file') : [];
  // Only the branch's last reply can be continued, and only once it has ended without an error
  // (a failed one has "Try again"); the server refuses a reply still being written.
  const continuable = last && message.role === 'assistant' && CONTINUABLE.has(message.status);
  // A message of the person's that ends the branch has no reply (the send failed part-way, or
  // the reply was deleted): regenerating it asks for one.
  const unanswered = last && mine && !pending;

  return (
    <article
      id={`message-${message.id}`}
      data-message-id={message.id}
      data-status={message.status}
      aria-label={`${author} said`}
      aria-busy={writing || undefined}
      className={clsx(
        'chat-message group/message scroll-mt-20 rounded-xl px-1 py-1.5 transition-colors',
        highlighted && 'bg-accent-soft/60 ring-2 ring-accent/40',
      )}
    >
      {mine ? (
        <div className="flex items-start justify-end gap-2.5">
          <div className="flex min-w-0 flex-1 flex-col items-end gap-1">
            {editing ? (
              <EditBox
                initial={message.content}
                allowEmpty={files.length > 0}
                onCancel={stopEditing}
                onSave={(content) => {
                  stopEditing();
                  if (content !== message.content) actions.onEdit(message.id, content);
                }}
              />
            ) : message.content || files.length === 0 ? (
              <div
                className={clsx(
                  'max-w-[min(85%,40rem)] rounded-2xl rounded-br-md bg-accent-soft px-4 py-2.5 text-ink whitespace-pre-wrap break-words',
                  pending && 'opacity-70',
                )}
              >
                {message.content}
              </div>
            ) : null}
            {files.length > 0 ? (
              <div
                className={clsx('flex max-w-[min(85%,40rem)] flex-col items-end', pending && 'opacity-70')}
              >
                <MessageFiles files={files} align="end" />
                {editing ? (
                  <p className="mt-1 text-xs text-ink-muted">
                    The attached files stay with the edited message.
                  </p>
                ) : null}
              </div>
            ) : null}
          </div>
          {you?.pictureUrl ? (
            <img
              src={you.pictureUrl}
              alt=""
              loading="lazy"
              decoding="async"
              draggable={false}
              data-testid="persona-picture"
              className="mt-0.5 size-8 shrink-0 rounded-full border border-line bg-surface-sunken object-cover dark:border-line-strong"
            />
          ) : null}
        </div>
      ) : (
        <div className="flex gap-3">
          {tool ? (
            <span
              className="mt-0.5 flex size-8 shrink-0 items-center justify-center rounded-full bg-surface-sunken text-ink-muted"
              aria-hidden="true"
            >
              <Wrench className="size-4" />
            </span>
          ) : avatar ? (
            <AvatarPicture src={avatar.imageUrl} className="mt-0.5 size-8 rounded-full!" />
          ) : (
            <span className="mt-0.5 size-8 shrink-0 rounded-full bg-surface-sunken" aria-hidden="true" />
          )}
          <div className="min-w-0 flex-1">
            <p className="mb-0.5 text-sm font-semibold text-ink">{author}</p>
            {editing && !mine ? (
              <ReplyEditBox
                initial={message.content}
                onCancel={stopEditing}
                onSave={(content) => {
                  stopEditing();
                  if (content !== message.content) actions.onEditInPlace(message.id, content);
                }}
                onSaveAsAlternative={(content) => {
                  stopEditing();
                  actions.onEdit(message.id, content);
                }}
              />
            ) : hasBody ? (
              <MessageBody parts={message.parts} content={message.content} writing={writing} />
            ) : writing ? (
              <TypingDots name={author} />
            ) : message.status === 'complete' ? (
              <p className="text-ink-muted italic">(empty reply)</p>
            ) : null}
            <MessageStatusNote
              message={message}
              busy={busy}
              onRetry={() => actions.onRegenerate(message.id)}
            />
            {writing || editing ? null : <RememberedChip metadata={message.metadata} />}
          </div>
        </div>
      )}

      {pending || editing ? null : (
        <div
          className={clsx(
            'mt-0.5 flex min-h-7 flex-wrap items-center gap-x-1 gap-y-1',
            mine ? 'justify-end' : 'pl-11',
            // Shown on hover or keyboard focus where there is a pointer; always on touch screens.
            !last &&
              '[@media(hover:hover)]:opacity-0 [@media(hover:hover)]:group-hover/message:opacity-100 [@media(hover:hover)]:group-focus-within/message:opacity-100',
          )}
        >
          <SiblingNavigator message={message} disabled={busy} onSwitch={actions.onSwitch} />
          {writing ? null : (
            <>
              {/* Copy takes the text as written: a reply's Markdown source, not what it renders to
                  (message.content is its text parts; a message of tool results alone has none). */}
              {message.content ? (
                <CopyButton
                  text={message.content}
                  label={mine ? 'Copy message' : 'Copy reply as Markdown'}
                  title={mine ? 'Copy' : 'Copy as Markdown'}
                />
              ) : null}
              {FEATURES.voice && message.role === 'assistant' && message.content ? (
                <ReadAloudButton
                  messageId={message.id}
                  text={message.content}
                  avatarId={avatar?.id ?? null}
                />
              ) : null}
              {unanswered ? (
                <button
                  type="button"
                  className="btn-secondary h-7 px-2 text-xs"
                  title="Ask for a reply to this message"
                  disabled={busy}
                  onClick={() => actions.onRegenerate(message.id)}
                >
                  <MessageSquareReply className="size-3.5" aria-hidden="true" />
                  Get a reply
                </button>
              ) : null}
              {mine ? (
                <button
                  type="button"
                  className={actionButtonClass}
                  aria-label="Edit message"
                  title="Edit"
                  disabled={busy}
                  onClick={() => setEditing(true)}
                >
                  <Pencil aria-hidden="true" />
                </button>
              ) : null}
              {!mine && !tool ? (
                <button
                  type="button"
                  className={actionButtonClass}
                  aria-label="Edit reply"
                  title="Edit: fix the reply’s text in place"
                  disabled={!editableReply}
                  onClick={() => setEditing(true)}
                >
                  <Pencil aria-hidden="true" />
                </button>
              ) : null}
              {!mine && message.parentId && !tool ? (
                <button
                  type="button"
                  className={actionButtonClass}
                  aria-label="Regenerate reply"
                  title="Regenerate"
                  disabled={busy}
                  onClick={() => actions.onRegenerate(message.id)}
                >
                  <RotateCcw aria-hidden="true" />
                </button>
              ) : null}
              {continuable ? (
                <button
                  type="button"
                  className={actionButtonClass}
                  aria-label="Continue reply"
                  title="Continue: write on from where the reply stopped"
                  disabled={busy}
                  onClick={() => actions.onContinue(message.id)}
                >
                  <StepForward aria-hidden="true" />
                </button>
              ) : null}
              <button
                type="button"
                className={actionButtonClass}
                aria-label="Fork from here"
                title="Fork: a new conversation up to this message"
                disabled={busy}
                onClick={() => actions.onFork(message.id)}
              >
                <GitFork aria-hidden="true" />
              </button>
              <DropdownMenu.Root>
                <DropdownMenu.Trigger
                  className={clsx(actionButtonClass, 'data-[state=open]:bg-surface-sunken')}
                  aria-label="Delete…"
                  title="Delete this message, or everything from here"
                  disabled={busy}
                >
                  <Trash2 aria-hidden="true" />
                </DropdownMenu.Trigger>
                <DropdownMenu.Portal>
                  <DropdownMenu.Content
                    align={mine ? 'end' : 'start'}
                    sideOffset={4}
                    collisionPadding={8}
                    className={menuContentClass}
                  >
                    <DropdownMenu.Item
                      className={clsx(menuItemClass, 'text-bad')}
                      onSelect={() => actions.onDelete(message.id, 'message')}
                    >
                      <X className="size-4" aria-hidden="true" />
                      <span className="flex min-w-0 flex-col">
                        <span>Delete message</span>
                        <span className="text-xs text-ink-muted">Only this one; what follows stays</span>
                      </span>
                    </DropdownMenu.Item>
                    <DropdownMenu.Item
                      className={clsx(menuItemClass, 'text-bad')}
                      onSelect={() => actions.onDelete(message.id, 'branch')}
                    >
                      <Trash2 className="size-4" aria-hidden="true" />
                      <span className="flex min-w-0 flex-col">
                        <span>Delete from here</span>
                        <span className="text-xs text-ink-muted">This message and everything after it</span>
                      </span>
                    </DropdownMenu.Item>
                  </DropdownMenu.Content>
                </DropdownMenu.Portal>
              </DropdownMenu.Root>
            </>
          )}
          {mine ? null : (
            <div className="ml-2 min-w-0">
              <MessageDetails message={message} />
            </div>
          )}
        </div>
      )}
    </article>
  );
});

function TypingDots({ name }: { name: string }) {
  return (
    <p className="flex h-6 items-center gap-1" role="status">
      <span className="sr-only">{name} is writing…</span>
      {[0, 150, 300].map((delay) => (
        <span
          key={delay}
          aria-hidden="true"
          className="size-1.5 animate-bounce rounded-full bg-ink-subtle"
          style={{ animationDelay: `${delay}ms` }}
        />
      ))}
    </p>
  );
}

/** Cancelled, failed and interrupted replies say so in words, with a way to try again. */
function MessageStatusNote({
  message,
  busy,
  onRetry,
}: {
  message: ChatMessage;
  busy: boolean;
  onRetry: () => void;
}) {
  if (message.status === 'cancelled')
    return (
      <p className="mt-1.5 inline-flex items-center gap-1.5 rounded-full bg-surface-sunken px-2.5 py-0.5 text-xs font-medium text-ink-muted">
        <Square className="size-3" aria-hidden="true" />
        Stopped
      </p>
    );
  if (message.status !== 'error' && message.status !== 'interrupted') return null;
  const failed = message.status === 'error';
  return (
    <div
      role={failed ? 'alert' : undefined}
      className={clsx(
        'mt-2 flex flex-col gap-2 rounded-lg border px-3 py-2.5 text-sm text-ink sm:flex-row sm:items-center',
        failed ? 'border-bad/30 bg-bad-soft' : 'border-warn/30 bg-warn-soft',
      )}
    >
      {failed ? (
        <CircleAlert className="size-4 shrink-0 text-bad max-sm:hidden" aria-hidden="true" />
      ) : (
        <TriangleAlert className="size-4 shrink-0 text-warn max-sm:hidden" aria-hidden="true" />
      )}
      <p className="min-w-0 flex-1">
        {failed
          ? `The reply failed${message.content ? ' part-way' : ''}: ${message.error?.message ?? 'the model returned an error.'}`
          : 'This reply was interrupted: the server stopped while writing it. The text up to that point is kept.'}
      </p>
      {message.parentId ? (
        <button type="button" className="btn-secondary h-8 shrink-0 px-2.5" disabled={busy} onClick={onRetry}>
          <RotateCcw className="size-3.5" aria-hidden="true" />
          Try again
        </button>
      ) : null}
    </div>
  );
}

function EditBox({
  initial,
  allowEmpty = false,
  onSave,
  onCancel,
}: {
  initial: string;
  /** The message has files: it may be sent without text. */
  allowEmpty?: boolean;
  onSave: (content: string) => void;
  onCancel: () => void;
}) {
  const [text, setText] = useState(initial);
  const field = useRef<HTMLTextAreaElement>(null);
  const id = useId();
  useEffect(() => {
    const element = field.current;
    if (!element) return;
    element.focus();
    element.setSelectionRange(element.value.length, element.value.length);
  }, []);
  return (
    <form
      className="flex w-full max-w-[40rem] flex-col gap-2"
      onSubmit={(event) => {
        event.preventDefault();
        if (text.trim() || allowEmpty) onSave(text);
      }}
    >
      <label htmlFor={id} className="sr-only">
        Edit your message
      </label>
      <textarea
        id={id}
        ref={field}
        className={clsx(textareaClass, 'field-sizing-content max-h-72')}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.preventDefault();
            event.stopPropagation();
            onCancel();
          } else if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            if (text.trim() || allowEmpty) onSave(text);
          }
        }}
      />
      <div className="flex justify-end gap-2">
        <button type="button" className="btn-secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn-primary" disabled={!text.trim() && !allowEmpty}>
          Save and send
        </button>
      </div>
    </form>
  );
}

/**
 * A reply's text, edited in place: Save (Ctrl/Cmd+Enter) replaces it where it is; "Save as a new
 * alternative" keeps the original one `<` away. Enter makes a new line (a reply is Markdown).
 */
function ReplyEditBox({
  initial,
  onSave,
  onSaveAsAlternative,
  onCancel,
}: {
  initial: string;
  onSave: (content: string) => void;
  onSaveAsAlternative: (content: string) => void;
  onCancel: () => void;
}) {
  const [text, setText] = useState(initial);
  const field = useRef<HTMLTextAreaElement>(null);
  const id = useId();
  const hintId = `${id}-hint`;
  useEffect(() => {
    const element = field.current;
    if (!element) return;
    element.focus();
    element.setSelectionRange(element.value.length, element.value.length);
  }, []);
  const empty = !text.trim();
  return (
    <form
      className="mt-1 flex w-full flex-col gap-2"
      onSubmit={(event) => {
        event.preventDefault();
        if (!empty) onSave(text);
      }}
    >
      <label htmlFor={id} className="sr-only">
        Edit the reply
      </label>
      <textarea
        id={id}
        ref={field}
        className={clsx(textareaClass, 'field-sizing-content max-h-96 min-h-24')}
        value={text}
        aria-describedby={hintId}
        aria-keyshortcuts="Control+Enter Meta+Enter Escape"
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.preventDefault();
            event.stopPropagation();
            onCancel();
          } else if (
            event.key === 'Enter' &&
            (event.ctrlKey || event.metaKey) &&
            !event.nativeEvent.isComposing
          ) {
            event.preventDefault();
            if (!empty) onSave(text);
          }
        }}
      />
      <div className="flex flex-wrap items-center justify-end gap-2">
        <p id={hintId} className="mr-auto text-xs text-ink-subtle max-sm:hidden">
          Ctrl+Enter to save · Esc to cancel
        </p>
        <button type="button" className="btn-secondary" onClick={onCancel}>
          Cancel
        </button>
        <button
          type="button"
          className="btn-secondary"
          disabled={empty}
          title="Keep the original as it is and add this text as another alternative"
          onClick={() => onSaveAsAlternative(text)}
        >
          Save as a new alternative
        </button>
        <button type="submit" className="btn-primary" disabled={empty}>
          Save
        </button>
      </div>
    </form>
  );
}
