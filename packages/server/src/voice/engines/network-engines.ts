/**
 * The network voice engines an administrator configured (Settings › Voice › Network engines,
 * `/api/admin/voice/network-engines`): each stored endpoint becomes one OpenAI-compatible STT or
 * TTS engine whose id is the endpoint's id, and a connection test runs one real request through it.
 */

import { createOpenAiAudioStt } from './openai-audio-stt.js';
import { createOpenAiAudioTts, OPENAI_VOICES } from './openai-audio-tts.js';
import type { EngineReadiness, SttEngine, TtsEngine } from './types.js';

/** One stored endpoint, as the service keeps it (the API key lives in the secrets table). */
export interface NetworkEngineConfig {
  /** UUID; also the engine id an avatar's voice stores. */
  id: string;
  kind: 'stt' | 'tts';
  name: string;
  /** Up to `/v1`. */
  baseUrl: string;
  model: string;
  /** TTS: the voice names the service offers (the first is the default); STT: empty. */
  voices: string[];
  /** The encrypted API key's row in `secrets` (a system secret), or null for none. */
  secretId: string | null;
  /**
   * The default of its kind while it is ready (one per kind): STT for every call, TTS for avatars
   * that name no engine. Absent in lists stored before it existed (= false).
   */
  useByDefault?: boolean;
  createdAt: string;
  updatedAt: string;
}

export const NETWORK_ENGINE_DEFAULT_MODEL = { stt: 'whisper-1', tts: 'tts-1' } as const;
export const NETWORK_ENGINE_DEFAULT_VOICES: readonly string[] = OPENAI_VOICES;

/**
 * Byte cap of one answer: a 2,000-character sentence is about 2.5 minutes of 24 kHz PCM16 (~7 MB);
 * a transcription is a small JSON document.
 */
export const NETWORK_VOICE_LIMITS = { maxResponseBytes: 32 * 1024 * 1024 } as const;

/**
 * The engine for one stored endpoint. `fetch` is the guarded outbound client's (untrusted: a
 * loopback or private address needs the operator's allow-list, LUMINA_OUTBOUND_ALLOW).
 * @example const engine = createNetworkEngine(config, { fetch: outbound.fetch('untrusted', NETWORK_VOICE_LIMITS), apiKey });
 */
export function createNetworkEngine(
  config: NetworkEngineConfig,
  deps: { fetch: typeof fetch; apiKey?: string | undefined },
): SttEngine | TtsEngine {
  const common = {
    id: config.id,
    label: config.name,
    baseUrl: config.baseUrl,
    model: config.model,
    fetch: deps.fetch,
    ...(deps.apiKey ? { apiKey: deps.apiKey } : {}),
  };
  return config.kind === 'stt'
    ? createOpenAiAudioStt(common)
    : createOpenAiAudioTts({
        ...common,
        voices: config.voices.length > 0 ? config.voices : [...OPENAI_VOICES],
      });
}

export interface ConnectionTest extends EngineReadiness {
  /** Wall time of the test request, when one was made. */
  latencyMs: number | null;
}

/**
 * Whether an endpoint works now: one real request in its wire format — half a second of silence
 * transcribed (an answer with `text`), or one short sentence spoken (WAV audio back). Failures
 * come back as a code and our own sentence; the service's words never do.
 */
export async function testNetworkEngine(
  engine: SttEngine | TtsEngine,
  signal: AbortSignal = AbortSignal.timeout(20_000),
): Promise<ConnectionTest> {
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  try {
    if (engine.kind === 'stt') {
      const stream = await engine.open({ signal });
      stream.onError(() => {});
      stream.write(new Int16Array(8_000)); // 0.5 s at 16 kHz
      await stream.finish();
      stream.close();
      if (signal.aborted)
        return failed('stt_timeout', 'The transcription service did not answer in time', took());
    } else {
      let samples = 0;
      for await (const chunk of engine.synthesize('Hello.', { voice: null, rate: 1, pitch: 1, signal }))
        samples += chunk.samples.length;
      if (signal.aborted) return failed('tts_timeout', 'The speech service did not answer in time', took());
      if (samples === 0) return failed('tts_engine_failed', 'The speech service sent no audio', took());
    }
    return { ready: true, latencyMs: took() };
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'engine_failed';
    const message = err instanceof Error ? err.message : 'The service failed';
    return failed(code, message, took());
  }
}

function failed(code: string, detail: string, latencyMs: number): ConnectionTest {
  return { ready: false, code, detail, latencyMs };
}
