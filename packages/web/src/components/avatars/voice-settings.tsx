import { Link } from 'react-router';
import type { Avatar } from '../../lib/avatars';
import { useVoiceEngines, useVoices } from '../../lib/voice/voice-api';
import { VoicePreviewButton } from '../voice/voice-preview-button';
import { SelectField } from './fields';
import { StyleSlider } from './style-slider';

/** What the preview says. */
export const PREVIEW_SENTENCE = 'Hello! This is how I sound when we talk.';

/**
 * How an avatar sounds in calls and read-aloud: a speech engine of this server, one of its
 * voices, rate and pitch (multipliers, 1 = as the voice is), and a preview. Empty engine or
 * voice = the server's default, so an avatar keeps working when engines change.
 */
export function VoiceSettings({
  voice,
  readOnly,
  onChange,
  avatarId,
}: {
  voice: Avatar['voice'];
  readOnly: boolean;
  onChange: (voice: Avatar['voice']) => void;
  avatarId?: string;
}) {
  const engines = useVoiceEngines();
  const tts = (engines.data?.engines ?? []).filter((engine) => engine.kind === 'tts');
  const chosen = tts.find((engine) => engine.id === voice.engine) ?? null;
  // The voices of the engine that will speak: the chosen one, or the server's default.
  const speakingEngine = voice.engine ?? engines.data?.defaults.tts ?? null;
  const voices = useVoices(engines.data ? speakingEngine : null);
  const knownVoice = voices.data?.some((v) => v.id === voice.voice) ?? false;
  const defaultEngine = tts.find((engine) => engine.id === engines.data?.defaults.tts);

  return (
    <div className="flex flex-col gap-5">
      <div className="grid gap-5 sm:grid-cols-2">
        <SelectField
          label="Engine"
          value={voice.engine ?? ''}
          disabled={readOnly || engines.isPending}
          onChange={(event) => onChange({ ...voice, engine: event.target.value || null, voice: null })}
          hint={
            engines.isError ? (
              <span className="text-bad">
                The engines couldn’t be loaded.{' '}
                <button type="button" className="link" onClick={() => engines.refetch()}>
                  Try again
                </button>
              </span>
            ) : chosen && !chosen.ready ? (
              <span className="text-warn">
                Not ready: {chosen.detail ?? 'this engine cannot speak right now.'}
              </span>
            ) : voice.engine && engines.data && !chosen ? (
              <span className="text-warn">
                This server has no engine “{voice.engine}”; the default speaks instead.
              </span>
            ) : (
              <>
                Engines and their models are on{' '}
                <Link to="/settings/voice" className="link">
                  Settings → Voice
                </Link>
                .
              </>
            )
          }
        >
          <option value="">
            {engines.isPending
              ? 'Loading engines…'
              : `Server default${defaultEngine ? ` (${defaultEngine.label})` : ''}`}
          </option>
          {tts.map((engine) => (
            <option key={engine.id} value={engine.id}>
              {engine.label}
              {engine.ready ? '' : ' — not ready'}
            </option>
          ))}
          {/* A stored engine stays shown (and kept) while the list loads, fails, or lacks it. */}
          {voice.engine && !chosen ? (
            <option value={voice.engine}>
              {voice.engine}
              {engines.data ? ' (not found)' : ''}
            </option>
          ) : null}
        </SelectField>
        <SelectField
          label="Voice"
          value={voice.voice ?? ''}
          disabled={readOnly || (engines.data !== undefined && !speakingEngine)}
          onChange={(event) => onChange({ ...voice, voice: event.target.value || null })}
          hint={
            voices.isError
              ? 'This engine’s voices couldn’t be listed.'
              : !speakingEngine && engines.data
                ? 'No speech engine is available on this server.'
                : 'Each engine has its own voices.'
          }
        >
          <option value="">
            {voices.isPending && speakingEngine ? 'Loading voices…' : 'Engine default'}
          </option>
          {(voices.data ?? []).map((option) => (
            <option key={option.id} value={option.id}>
              {option.label}
              {[option.language, option.gender].filter(Boolean).length
                ? ` (${[option.language, option.gender].filter(Boolean).join(', ')})`
                : ''}
            </option>
          ))}
          {voice.voice && !knownVoice ? <option value={voice.voice}>{voice.voice}</option> : null}
        </SelectField>
      </div>
      <div className="grid gap-x-8 gap-y-6 sm:grid-cols-2">
        <StyleSlider
          label="Speaking rate"
          low="slower"
          high="faster"
          min={0.25}
          max={4}
          step={0.05}
          value={voice.rate}
          disabled={readOnly}
          format={(v) => `${v.toFixed(2)}×`}
          onChange={(rate) => onChange({ ...voice, rate: Math.round(rate * 100) / 100 })}
        />
        <StyleSlider
          label="Pitch"
          low="lower"
          high="higher"
          min={0.25}
          max={4}
          step={0.05}
          value={voice.pitch}
          disabled={readOnly}
          format={(v) => `${v.toFixed(2)}×`}
          onChange={(pitch) => onChange({ ...voice, pitch: Math.round(pitch * 100) / 100 })}
        />
      </div>
      <VoicePreviewButton
        previewId={`voice-preview:${avatarId ?? 'new'}`}
        disabled={engines.data !== undefined && !speakingEngine}
        request={{
          text: PREVIEW_SENTENCE,
          ...(voice.engine ? { engine: voice.engine } : {}),
          ...(voice.voice ? { voice: voice.voice } : {}),
          rate: voice.rate,
          pitch: voice.pitch,
        }}
        label="Preview voice"
      />
    </div>
  );
}
