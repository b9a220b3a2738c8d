import type { Avatar } from '../../lib/avatars';
import { TextField } from '../form-field';
import { StyleSlider } from './style-slider';

/**
 * How an avatar sounds in voice conversations: engine, voice name, rate and pitch. Shown only
 * while FEATURES.voice is on (lib/features.ts).
 */
export function VoiceSettings({
  voice,
  readOnly,
  onChange,
}: {
  voice: Avatar['voice'];
  readOnly: boolean;
  onChange: (voice: Avatar['voice']) => void;
}) {
  return (
    <div className="flex flex-col gap-5">
      <div className="grid gap-5 sm:grid-cols-2">
        <TextField
          label="Engine"
          readOnly={readOnly}
          maxLength={40}
          value={voice.engine ?? ''}
          placeholder="Server default"
          onChange={(event) =>
            onChange({
              ...voice,
              engine: event.target.value.trim() ? event.target.value : null,
            })
          }
          hint="Leave empty for the server’s speech engine."
        />
        <TextField
          label="Voice"
          readOnly={readOnly}
          maxLength={100}
          value={voice.voice ?? ''}
          placeholder="Engine default"
          onChange={(event) =>
            onChange({
              ...voice,
              voice: event.target.value.trim() ? event.target.value : null,
            })
          }
          hint="A voice name the engine knows."
        />
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
    </div>
  );
}
