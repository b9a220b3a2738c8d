import clsx from 'clsx';
import { LoaderCircle, Square, Volume2 } from 'lucide-react';
import { useLuminaClient } from '../../lib/lumina-client';
import { readAloudPlayer, useReadAloud } from '../../lib/voice/read-aloud';
import { speakableText } from '../../lib/voice/speakable-text';
import { actionButtonClass } from '../chat/chat-styles';

/**
 * "Read aloud" under a reply: its text in the avatar's voice (POST /api/voice/speak); the same
 * button stops it. One reply reads at a time in the whole app.
 */
export function ReadAloudButton({
  messageId,
  text,
  avatarId,
}: {
  messageId: string;
  text: string;
  avatarId: string | null;
}) {
  const lumina = useLuminaClient();
  const state = useReadAloud();
  const mine = state.messageId === messageId;
  const active = mine && state.phase !== 'idle';
  const error = state.error?.messageId === messageId ? state.error.message : null;
  const words = speakableText(text);
  if (!words) return null;
  return (
    <>
      <button
        type="button"
        className={clsx(actionButtonClass, active && 'bg-accent-soft text-accent-soft-ink')}
        aria-label={active ? 'Stop reading aloud' : 'Read aloud'}
        title={active ? 'Stop reading' : 'Read aloud'}
        aria-pressed={active}
        onClick={() =>
          active
            ? readAloudPlayer.stop()
            : void readAloudPlayer.play(lumina, messageId, { text: words, ...(avatarId ? { avatarId } : {}) })
        }
      >
        {!active ? (
          <Volume2 aria-hidden="true" />
        ) : state.phase === 'loading' ? (
          <LoaderCircle className="animate-spin" aria-hidden="true" />
        ) : (
          <Square aria-hidden="true" />
        )}
      </button>
      <span className="sr-only" aria-live="polite">
        {active ? (state.phase === 'loading' ? 'Preparing the voice…' : 'Reading aloud') : ''}
      </span>
      {error ? (
        <span role="alert" className="order-last basis-full pl-1 text-xs text-bad">
          Couldn’t read it aloud: {error}
        </span>
      ) : null}
    </>
  );
}
