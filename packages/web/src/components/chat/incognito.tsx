import clsx from 'clsx';
import { HatGlasses, Trash2 } from 'lucide-react';
import { useId, useState } from 'react';
import { useNavigate } from 'react-router';
import { friendlyMessage, serverErrorRequestId } from '../../lib/api-errors';
import { deleteConversation } from '../../lib/conversations';
import { useLuminaClient } from '../../lib/lumina-client';
import { ConfirmDialog } from '../confirm-dialog';

/** What incognito means, in the words the banner and the switch use (docs/memory.md, "Incognito"). */
export const INCOGNITO_HEADLINE = 'Incognito — not saved, not remembered';
export const INCOGNITO_EXPLANATION =
  'Nothing said here is remembered or recalled by the avatar. The chat is not in your list, search or exports, and it is deleted when you sign out or leave it idle.';

/**
 * The switch on the new-chat page that starts the conversation incognito. It cannot be turned
 * on or off once the conversation exists (the server refuses), so it lives only here.
 */
export function IncognitoSwitch({
  checked,
  onCheckedChange,
  disabled,
}: {
  checked: boolean;
  onCheckedChange: (checked: boolean) => void;
  disabled?: boolean;
}) {
  const hintId = useId();
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-describedby={hintId}
      disabled={disabled}
      onClick={() => onCheckedChange(!checked)}
      className={clsx(
        'inline-flex h-10 shrink-0 items-center gap-2 rounded-lg border px-3 text-sm font-medium transition-colors disabled:cursor-not-allowed disabled:opacity-60',
        checked
          ? 'border-ink bg-ink text-surface'
          : 'border-line-strong bg-surface text-ink-muted hover:text-ink',
      )}
    >
      <HatGlasses className="size-4" aria-hidden="true" />
      Incognito
      <span id={hintId} className="sr-only">
        {INCOGNITO_EXPLANATION}
      </span>
    </button>
  );
}

/**
 * The banner above an incognito chat, so it is never mistaken for one that is kept. In a stored
 * conversation it offers to end it now (delete it) instead of waiting for sign-out or idleness.
 */
export function IncognitoBanner({
  conversationId,
  avatarId,
}: {
  conversationId?: string;
  avatarId?: string;
}) {
  const lumina = useLuminaClient();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const [ending, setEnding] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function end() {
    if (!conversationId) return;
    setEnding(true);
    setError(null);
    try {
      await deleteConversation(lumina, conversationId);
      setConfirming(false);
      navigate(avatarId ? `/chat/new?avatar=${encodeURIComponent(avatarId)}&incognito=1` : '/chat', {
        replace: true,
      });
    } catch (err) {
      setError(err);
    } finally {
      setEnding(false);
    }
  }

  return (
    <section
      aria-label="Incognito"
      className="flex shrink-0 items-start gap-3 border-b border-line bg-ink px-3 py-2.5 text-surface sm:px-5"
    >
      <HatGlasses className="mt-0.5 size-5 shrink-0" aria-hidden="true" />
      <div className="min-w-0 flex-1">
        <p className="text-sm font-semibold">{INCOGNITO_HEADLINE}</p>
        <p className="text-[13px] leading-5 opacity-80">{INCOGNITO_EXPLANATION}</p>
      </div>
      {conversationId ? (
        <button
          type="button"
          className="inline-flex h-8 shrink-0 items-center gap-1.5 rounded-md border border-surface/40 px-2.5 text-sm font-medium hover:bg-surface/10"
          onClick={() => setConfirming(true)}
        >
          <Trash2 className="size-3.5" aria-hidden="true" />
          End now
        </button>
      ) : null}
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title="End this incognito chat?"
        description="It is deleted now, with every message in it. This cannot be undone."
        confirmLabel="End and delete"
        pendingLabel="Deleting…"
        pending={ending}
        error={error ? friendlyMessage(error) : null}
        requestId={error ? serverErrorRequestId(error) : undefined}
        onConfirm={() => void end()}
      />
    </section>
  );
}
