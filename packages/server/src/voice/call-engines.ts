import type { AvatarVoice } from '../domain/avatar.js';
import type { VoiceEngines } from './engines/registry.js';
import type { EngineReadiness, SttEngine, TtsEngine, VadEngine } from './engines/types.js';

/** Why a call cannot start: the engine's own stable code and sentence (the socket closes 4503). */
export class EngineUnavailableError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The engines of one call: the default VAD and STT of this instance, and the avatar's TTS engine
 * (or the default when it names none). Each must be ready now; otherwise 503 with the engine's
 * own code and sentence (`engine_not_installed`, `model_missing`, `local_only`, …), which the
 * socket turns into an `error` and close 4503 (`EngineUnavailableError`).
 */
export async function callEngines(
  engines: VoiceEngines,
  voice: Pick<AvatarVoice, 'engine'>,
): Promise<{ vad: VadEngine; stt: SttEngine; tts: TtsEngine }> {
  let chosen: { vad: VadEngine; stt: SttEngine; tts: TtsEngine };
  // The admin's local-only switch as it is now: defaults fall back to local engines, a remote
  // engine the avatar names is refused with `local_only`.
  await engines.localOnly();
  try {
    chosen = { vad: engines.vad(), stt: engines.stt(), tts: engines.tts(voice.engine) };
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'engine_unavailable';
    throw new EngineUnavailableError(code, (err as Error).message);
  }
  for (const engine of [chosen.vad, chosen.stt, chosen.tts]) {
    const readiness: EngineReadiness = await engine.readiness();
    if (!readiness.ready) {
      throw new EngineUnavailableError(
        readiness.code ?? 'engine_unavailable',
        readiness.detail ?? `${engine.label} cannot run on this server now`,
      );
    }
  }
  return chosen;
}
