import { LoaderCircle, Play, Square } from 'lucide-react';
import { useLuminaClient } from '../../lib/lumina-client';
import { readAloudPlayer, useReadAloud } from '../../lib/voice/read-aloud';
import type { SpeakRequest } from '../../lib/voice/voice-api';

/** A sample sentence in a voice, through POST /api/voice/speak; the same button stops it. */
export function VoicePreviewButton({
  previewId,
  request,
  label = 'Preview',
  disabled,
}: {
  /** Names this preview among the players of the page (one plays at a time). */
  previewId: string;
  request: SpeakRequest;
  label?: string;
  disabled?: boolean;
}) {
  const lumina = useLuminaClient();
  const state = useReadAloud();
  const active = state.messageId === previewId && state.phase !== 'idle';
  const error = state.error?.messageId === previewId ? state.error.message : null;
  return (
    <div className="flex flex-col gap-1.5">
      <button
        type="button"
        className="btn-secondary self-start"
        disabled={disabled}
        aria-pressed={active}
        onClick={() =>
          active ? readAloudPlayer.stop() : void readAloudPlayer.play(lumina, previewId, request)
        }
      >
        {!active ? (
          <Play className="size-4" aria-hidden="true" />
        ) : state.phase === 'loading' ? (
          <LoaderCircle className="size-4 animate-spin" aria-hidden="true" />
        ) : (
          <Square className="size-4" aria-hidden="true" />
        )}
        {active ? 'Stop' : label}
      </button>
      {error ? (
        <p role="alert" className="text-[13px] text-bad">
          The preview couldn’t play: {error}
        </p>
      ) : null}
    </div>
  );
}
