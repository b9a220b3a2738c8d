import { Histogram, type Registry } from 'prom-client';

/** One turn's timings, milliseconds from the end of the user's speech (docs/voice.md `turn_timing`). */
export interface TurnTiming {
  turnId: string;
  speechEndMs: number;
  /**
   * The turn's last segment final (`segment_transcript`), from the end of the turn like the
   * others: negative when it was sent before the turn ended (the usual case: a segment ends at
   * a short pause, the turn only after the end-of-turn silence). Null when no segment had words.
   */
  segmentFinalMs: number | null;
  finalTranscriptMs: number | null;
  llmFirstTokenMs: number | null;
  firstTtsByteMs: number | null;
  firstAudioSentMs: number | null;
}

const STAGES = ['finalTranscriptMs', 'llmFirstTokenMs', 'firstTtsByteMs', 'firstAudioSentMs'] as const;

/**
 * `lumina_voice_turn_seconds{stage}`: per voice turn, the time from the end of speech to each
 * stage. One metric object for the process, registered into each app's registry
 * (http/metrics.ts), so every session observes into it without being handed a registry.
 */
const turnSeconds = new Histogram({
  name: 'lumina_voice_turn_seconds',
  help: 'Voice turns: seconds from the end of the user speech to the final transcript, the model first token, the first TTS byte and the first audio sent',
  labelNames: ['stage'] as const,
  buckets: [0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2.5, 5],
  registers: [],
});

/**
 * `lumina_voice_segment_final_seconds`: per segment, the time from the pause that closed it (the
 * speech detector's segment silence, or the end of the turn) to its final text sent.
 */
const segmentFinalSeconds = new Histogram({
  name: 'lumina_voice_segment_final_seconds',
  help: 'Voice segments: seconds from the pause that ended a segment to its final transcript',
  buckets: [0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5],
  registers: [],
});

export function registerVoiceMetrics(registry: Registry): void {
  registry.registerMetric(turnSeconds);
  registry.registerMetric(segmentFinalSeconds);
}

export function observeSegmentFinal(ms: number): void {
  segmentFinalSeconds.observe(Math.max(0, ms) / 1000);
}

export function observeTurnTiming(timing: TurnTiming): void {
  for (const stage of STAGES) {
    const ms = timing[stage];
    if (ms !== null) turnSeconds.observe({ stage: stage.replace(/Ms$/, '') }, ms / 1000);
  }
}
