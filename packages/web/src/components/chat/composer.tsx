import clsx from 'clsx';
import { ArrowUp, Square } from 'lucide-react';
import { forwardRef, type ReactNode, useId } from 'react';
import { composerKeyAction } from '../../lib/chat-shortcuts';

interface ComposerProps {
  value: string;
  onChange: (value: string) => void;
  onSend: () => void;
  onStop: () => void;
  /** A reply is being written: the send button becomes a stop button. */
  streaming: boolean;
  disabled?: boolean;
  placeholder: string;
  /** Above the box: request errors, the context indicator… */
  children?: ReactNode;
  /** Under the box, at its right: the model picker and the context indicator. */
  toolbar?: ReactNode;
}

/**
 * The message box. Enter sends, Shift+Enter starts a new line, Escape stops a reply. It grows
 * with its text up to a limit, then scrolls.
 */
export const Composer = forwardRef<HTMLTextAreaElement, ComposerProps>(function Composer(
  { value, onChange, onSend, onStop, streaming, disabled, placeholder, children, toolbar },
  ref,
) {
  const id = useId();
  const canSend = value.trim().length > 0 && !disabled && !streaming;
  return (
    <div className="shrink-0 border-t border-line bg-canvas/95 px-3 pt-2 pb-[max(0.75rem,env(safe-area-inset-bottom))] backdrop-blur sm:px-6">
      <div className="mx-auto flex w-full max-w-3xl flex-col gap-2">
        {children}
        <form
          aria-label="Send a message"
          className={clsx(
            'flex items-end gap-2 rounded-2xl border border-line-strong bg-surface p-1.5 pl-3.5 shadow-card transition-colors',
            'focus-within:border-accent',
          )}
          onSubmit={(event) => {
            event.preventDefault();
            if (canSend) onSend();
          }}
        >
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
            onChange={(event) => onChange(event.target.value)}
            onKeyDown={(event) => {
              const action = composerKeyAction(event.nativeEvent, streaming);
              if (action === 'send') {
                event.preventDefault();
                if (canSend) onSend();
              } else if (action === 'stop') {
                event.preventDefault();
                event.stopPropagation();
                onStop();
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
              title="Send (Enter)"
            >
              <ArrowUp className="size-4" aria-hidden="true" />
            </button>
          )}
        </form>
        {toolbar ? (
          <div className="flex min-w-0 flex-wrap items-center justify-between gap-2">{toolbar}</div>
        ) : null}
      </div>
    </div>
  );
});
