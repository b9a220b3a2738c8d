/**
 * The three engine interfaces of the voice loop (issue 14) and what they exchange. Every engine
 * family (system: pocketsphinx, espeak-ng, flite; sherpa-onnx; network: whisper.cpp server and
 * OpenAI-compatible audio) implements these, and one conformance suite per interface
 * (engines/*-conformance.ts) runs against each implementation.
 *
 * Audio inside the pipeline is 16 kHz mono PCM16 (`Int16Array`), whatever the client sends:
 * the transport resamples on the way in. TTS output keeps the engine's own rate, announced per
 * chunk, and is sent to the client at that rate (`tts_start {sampleRate}`).
 */

/** The pipeline's internal sample rate. */
export const PIPELINE_SAMPLE_RATE = 16_000;

export type EngineKind = 'vad' | 'stt' | 'tts';
export type EngineFamily = 'system' | 'sherpa' | 'network' | 'builtin';

/** What `/health`, the status page and Settings → Voice show for one engine. */
export interface EngineReadiness {
  ready: boolean;
  /** Stable code when not ready: `engine_not_installed`, `model_missing`, `model_corrupt`, … */
  code?: string;
  /** One sentence a person understands ("pocketsphinx-en-us is not installed: apt-get install …"). */
  detail?: string;
}

export interface EngineInfo {
  /** Stable id stored in an avatar's voice (`espeak-ng`, `flite`, `pocketsphinx`, `sherpa-kokoro`, …). */
  id: string;
  kind: EngineKind;
  family: EngineFamily;
  /** Display name. */
  label: string;
  /** True when audio leaves the machine (a cloud endpoint): refused in local-only mode. */
  remote: boolean;
}

/* ------------------------------------------------------------------ VAD */

export interface VadEngine extends EngineInfo {
  kind: 'vad';
  /** Samples (at 16 kHz) per frame `process` takes; the caller buffers to this size. */
  frameSamples: number;
  readiness(): Promise<EngineReadiness>;
  /** One detector per session: it keeps state between frames. */
  open(): Promise<VadDetector>;
}

export interface VadDetector {
  /** Probability (0–1) that this frame of exactly `frameSamples` 16 kHz samples is speech. */
  process(frame: Int16Array): number;
  reset(): void;
  close(): void;
}

/* ------------------------------------------------------------------ STT */

export interface SttEngine extends EngineInfo {
  kind: 'stt';
  /** True when `partial` events arrive while audio is written (streaming recognisers). */
  streaming: boolean;
  readiness(): Promise<EngineReadiness>;
  /** One recogniser per utterance (or per session, `finish` resets it for the next). */
  open(options: { language?: string; signal?: AbortSignal }): Promise<SttStream>;
}

export interface SttStream {
  /** Feeds 16 kHz mono PCM16. Never blocks; the engine buffers or drops with an error event. */
  write(samples: Int16Array): void;
  /** Text recognised so far in this utterance, each time it changes. */
  onPartial(listener: (text: string) => void): void;
  /** An engine failure (process died, model error): the stream is unusable afterwards. */
  onError(listener: (error: Error & { code?: string }) => void): void;
  /** Ends the utterance and resolves its final transcript ('' for no words). */
  finish(): Promise<string>;
  /** Drops the utterance and frees the engine (hang-up, cancel). Idempotent. */
  close(): void;
}

/* ------------------------------------------------------------------ TTS */

export interface TtsVoice {
  /** Stored in the avatar's voice (`voice.voice`). */
  id: string;
  label: string;
  language: string | null;
  gender: 'female' | 'male' | null;
}

export interface TtsOptions {
  /** A voice id of this engine, or null for its default. */
  voice: string | null;
  /** Multiplier of the engine's normal speed, 0.25–4 (the avatar API's range). */
  rate: number;
  /** Multiplier of the engine's normal pitch, 0.25–4. */
  pitch: number;
  signal?: AbortSignal;
}

/** A mouth shape at a time within the chunk, when the engine reports phoneme timings. */
export interface Viseme {
  /** Milliseconds from the start of the utterance being synthesized. */
  atMs: number;
  /** `rest`, `a`, `e`, `i`, `o`, `u`, `m` (closed: m/b/p), `f` (f/v), `l`, `s` (s/z/t/d/…). */
  shape: 'rest' | 'a' | 'e' | 'i' | 'o' | 'u' | 'm' | 'f' | 'l' | 's';
}

export interface TtsChunk {
  /** Mono PCM16 at `sampleRate`. */
  samples: Int16Array;
  sampleRate: number;
  visemes?: Viseme[];
}

export interface TtsEngine extends EngineInfo {
  kind: 'tts';
  readiness(): Promise<EngineReadiness>;
  voices(): Promise<TtsVoice[]>;
  /**
   * Speaks one sentence or clause; chunks arrive as the engine produces them (first audio as
   * early as the engine allows). Aborting `signal` stops the engine at once and ends the
   * iteration without an error.
   */
  synthesize(text: string, options: TtsOptions): AsyncIterable<TtsChunk>;
}

export type VoiceEngine = VadEngine | SttEngine | TtsEngine;
