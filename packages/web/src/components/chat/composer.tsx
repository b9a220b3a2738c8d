import clsx from 'clsx';
import { ArrowUp, EyeOff, Square } from 'lucide-react';
import { forwardRef, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { attachmentSendBlock, type ComposerAttachments, filesOfPaste } from '../../lib/attachments';
import { composerKeyAction } from '../../lib/chat-shortcuts';
import { type LimitLevel, limitLevel, messageLength } from '../../lib/message-limit';
import { AttachButton, AttachmentTray } from './attachment-chips';

interface ComposerProps {
  value: string;
  onChange: (value: string) => void;
  onSend: () => void;
  onStop: () => void;
  /** A reply is being written: the send button becomes a stop button. */
  streaming: boolean;
  disabled?: boolean;
  /** Why nothing can be sent now (no model yet): Send is off and says so; typing still works. */
  sendBlockedReason?: string | null | undefined;
  placeholder: string;
  /** Above the box: request errors, the context indicator… */
  children?: ReactNode;
  /** Under the box, at its right: the model picker and the context indicator. */
  toolbar?: ReactNode;
  /** Under the box, at its left, on wide screens: the keyboard hint. The counter takes its place. */
  hint?: ReactNode;
  /** The server's longest message (GET /api/settings `limits`); no counter while unknown. */
  maxChars?: number | null | undefined;
  /** ↑ in the empty box: edit the last message sent (as its Edit button does). */
  onEditLast?: () => void;
  /** Files for the message (lib/attachments.ts): a paperclip, paste, chips above the text. */
  attachments?: ComposerAttachments | undefined;
  /** The name of the model that would answer, when it cannot see images (Send is off with a picture). */
  blindModelName?: string | null | undefined;
}

/**
 * The message box. Enter sends, Shift+Enter starts a new line, Escape stops a reply. It grows
 * with its text up to a limit, then scrolls. Near the server's length limit a counter appears;
 * over it the counter turns red and Send is off.
 */
export const Composer = forwardRef<HTMLTextAreaElement, ComposerProps>(function Composer(
  {
    value,
    onChange,
    onSend,
    onStop,
    streaming,
    disabled,
    sendBlockedReason,
    placeholder,
    children,
    toolbar,
    hint,
    maxChars,
    onEditLast,
    attachments,
    blindModelName,
  },
  ref,
) {
  const id = useId();
  const counterId = `${id}-counter`;
  const fileReasonId = `${id}-files`;
  const length = messageLength(value);
  const level = limitLevel(length, maxChars);
  const tooLong = level === 'over';
  // A message may be files alone; a picture for a model that cannot see, or an upload still
  // running, keeps Send off (and says why next to it).
  const fileBlock = attachmentSendBlock(attachments, blindModelName);
  const hasContent = length > 0 || (attachments?.ready.length ?? 0) > 0;
  const canSend = hasContent && !tooLong && !disabled && !streaming && !sendBlockedReason && !fileBlock;
  const blindBlock = fileBlock !== null && !attachments?.uploading;
  const tooLongReason = maxChars
    ? `Too long to send: shorten it to ${maxChars.toLocaleString('en')} characters`
    : undefined;
  return (
    <div className="shrink-0 border-t border-line bg-canvas/95 px-3 pt-2 pb-[max(0.75rem,env(safe-area-inset-bottom))] backdrop-blur sm:px-6">
      <div className="mx-auto flex w-full max-w-3xl flex-col gap-2">
        {children}
        <form
          aria-label="Send a message"
          className={clsx(
            'flex flex-col gap-1.5 rounded-2xl border bg-surface p-1.5 shadow-card transition-colors',
            attachments ? null : 'pl-3.5',
            tooLong ? 'border-bad' : 'border-line-strong focus-within:border-accent',
          )}
          onSubmit={(event) => {
            event.preventDefault();
            if (canSend) onSend();
          }}
        >
          {attachments ? <AttachmentTray attachments={attachments} /> : null}
          <div className="flex items-end gap-2">
            {attachments ? <AttachButton onFiles={attachments.add} disabled={disabled} /> : null}
            <label htmlFor={id} className="sr-only">
              Message
            </label>
            <textarea
              id={id}
              ref={ref}
              rows={1}
              value={value}
              disabled={disabled}
              placeholder={placeholder}
              aria-keyshortcuts="Enter Shift+Enter Escape"
              aria-invalid={tooLong || undefined}
              aria-describedby={level === 'under' ? undefined : counterId}
              onChange={(event) => onChange(event.target.value)}
              onPaste={
                attachments
                  ? (event) => {
                      const files = filesOfPaste(event.clipboardData);
                      if (files.length === 0) return;
                      event.preventDefault();
                      attachments.add(files);
                    }
                  : undefined
              }
              onKeyDown={(event) => {
                const action = composerKeyAction(event.nativeEvent, streaming, value === '');
                if (action === 'send') {
                  event.preventDefault();
                  if (canSend) onSend();
                } else if (action === 'stop') {
                  event.preventDefault();
                  event.stopPropagation();
                  onStop();
                } else if (action === 'edit-last' && onEditLast) {
                  event.preventDefault();
                  onEditLast();
                }
              }}
              className="field-sizing-content max-h-52 min-h-9 flex-1 resize-none bg-transparent py-1.5 text-[15px] leading-6 text-ink outline-none placeholder:text-ink-subtle disabled:cursor-not-allowed"
            />
            {streaming ? (
              <button
                type="button"
                onClick={onStop}
                className="inline-flex size-9 shrink-0 items-center justify-center rounded-xl bg-ink text-canvas transition-opacity hover:opacity-85"
                aria-label="Stop the reply"
                title="Stop (Esc)"
              >
                <Square className="size-3.5 fill-current" aria-hidden="true" />
              </button>
            ) : (
              <button
                type="submit"
                disabled={!canSend}
                className="inline-flex size-9 shrink-0 items-center justify-center rounded-xl bg-accent text-accent-ink transition-colors hover:bg-accent-hover disabled:bg-surface-sunken disabled:text-ink-subtle"
                aria-label="Send"
                aria-describedby={tooLong ? counterId : blindBlock ? fileReasonId : undefined}
                title={sendBlockedReason ?? fileBlock ?? (tooLong ? tooLongReason : 'Send (Enter)')}
              >
                <ArrowUp className="size-4" aria-hidden="true" />
              </button>
            )}
          </div>
        </form>
        {blindBlock ? (
          <p
            id={fileReasonId}
            role="status"
            className="-mt-1 flex items-start justify-end gap-1.5 text-right text-xs font-medium text-warn"
          >
            <EyeOff className="mt-px size-3.5 shrink-0" aria-hidden="true" />
            <span className="min-w-0">{fileBlock}</span>
          </p>
        ) : null}
        <div className="flex min-w-0 flex-wrap items-center justify-between gap-x-3 gap-y-1 empty:hidden">
          {level === 'under' ? (
            hint
          ) : (
            <CharacterCounter id={counterId} length={length} max={maxChars!} level={level} />
          )}
          {toolbar}
        </div>
        <LimitAnnouncer level={level} max={maxChars} />
      </div>
    </div>
  );
});

/** "31,250 / 32,000", red with how many are too many once over. Read with the box (aria-describedby). */
function CharacterCounter({
  id,
  length,
  max,
  level,
}: {
  id: string;
  length: number;
  max: number;
  level: LimitLevel;
}) {
  const over = level === 'over';
  return (
    <p id={id} className={clsx('text-xs tabular-nums', over ? 'font-medium text-bad' : 'text-ink-muted')}>
      {length.toLocaleString('en')} / {max.toLocaleString('en')}
      {over ? ` · ${(length - max).toLocaleString('en')} too many, shorten it to send` : null}
    </p>
  );
}

/**
 * Tells screen readers when the message crosses a threshold (near the limit, over it, back
 * under it), once each time, rather than on every keystroke as a live counter would.
 */
function LimitAnnouncer({ level, max }: { level: LimitLevel; max: number | null | undefined }) {
  const [message, setMessage] = useState('');
  const previous = useRef<LimitLevel>(level);
  useEffect(() => {
    const from = previous.current;
    previous.current = level;
    if (from === level || !max) return;
    const limit = max.toLocaleString('en');
    if (level === 'over')
      setMessage(`The message is over the limit of ${limit} characters. Shorten it to send.`);
    else if (level === 'near' && from === 'under')
      setMessage(`The message is close to the limit of ${limit} characters.`);
    else if (from === 'over') setMessage('The message is within the limit again.');
    else setMessage('');
  }, [level, max]);
  return (
    <p className="sr-only" aria-live="polite">
      {message}
    </p>
  );
}
