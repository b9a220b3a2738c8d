import { Square, VenetianMask } from 'lucide-react';
import { ariaKeyShortcuts, shortcutLabel } from '../../lib/chat-shortcuts';

/**
 * "Impersonate": the model writes the person's next message into the message box (to edit, then
 * send). While it writes, the same button stops it.
 */
export function ImpersonateButton({
  writing,
  disabled,
  onStart,
  onStop,
}: {
  writing: boolean;
  disabled: boolean;
  onStart: () => void;
  onStop: () => void;
}) {
  const className =
    'inline-flex h-7 shrink-0 items-center gap-1.5 rounded-lg px-2 text-xs font-medium text-ink-muted transition-colors hover:bg-surface-sunken hover:text-ink disabled:pointer-events-none disabled:opacity-40';
  return writing ? (
    <button type="button" className={className} onClick={onStop} title="Stop writing your message (Esc)">
      <Square className="size-3 fill-current" aria-hidden="true" />
      Stop writing
    </button>
  ) : (
    <button
      type="button"
      className={className}
      disabled={disabled}
      onClick={onStart}
      aria-keyshortcuts={ariaKeyShortcuts('impersonate')}
      title={`Impersonate: the model writes your next message here, for you to edit and send (${shortcutLabel('impersonate')})`}
    >
      <VenetianMask className="size-3.5" aria-hidden="true" />
      Impersonate
    </button>
  );
}
