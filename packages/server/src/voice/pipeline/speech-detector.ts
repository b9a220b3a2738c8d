import { PIPELINE_SAMPLE_RATE, type VadDetector } from '../engines/types.js';
import type { Frame, VoiceMode } from './frames.js';
import type { Processor, Push } from './processor.js';

/** Endpointing thresholds (docs/voice.md, "Endpointing"). */
export interface EndpointingOptions {
  /** Speech probability at or above which a frame is voiced (default 0.5). */
  startThreshold: number;
  /** Below this a frame counts as silence inside an utterance (default 0.35): hysteresis. */
  stopThreshold: number;
  /** Voiced audio needed before an utterance begins: shorter sounds (a cough, a click) are ignored (default 200 ms). */
  minSpeechMs: number;
  /** Voiced audio over the avatar's voice that interrupts it (default 60 ms; below `minSpeechMs` so barge-in is fast). */
  bargeInMs: number;
  /** Silence that ends the turn (default 450 ms). */
  endSilenceMs: number;
  /**
   * Silence inside an utterance after which the recogniser finalizes the words so far (a
   * segment), while the turn waits for `endSilenceMs` (default 160 ms). Speech that resumes
   * before the turn ends starts the next segment of the same turn. 0, or a value not below
   * `endSilenceMs`, turns segments off (one segment per turn, final at the turn's end).
   */
  segmentSilenceMs: number;
  /** Unvoiced audio that abandons a candidate utterance shorter than `minSpeechMs` (default 150 ms). */
  candidateGapMs: number;
  /** Audio before the first voiced frame handed to the recogniser, so the first word is whole (default 300 ms). */
  preRollMs: number;
  /** An utterance longer than this is ended (default 30 s). */
  maxUtteranceMs: number;
}

export const DEFAULT_ENDPOINTING: EndpointingOptions = {
  startThreshold: 0.5,
  stopThreshold: 0.35,
  minSpeechMs: 200,
  bargeInMs: 60,
  endSilenceMs: 450,
  segmentSilenceMs: 160,
  candidateGapMs: 150,
  preRollMs: 300,
  maxUtteranceMs: 30_000,
};

/**
 * VAD and endpointing: turns 16 kHz audio into utterances. Hands-free: an utterance begins after
 * `minSpeechMs` of voiced audio and ends after `endSilenceMs` of silence. Push-to-talk: it begins
 * with the first audio and ends with `end-of-utterance` (the button released). Voiced audio while
 * `avatarSpeaking()` pushes an `interruption` (barge-in) after `bargeInMs`, before the utterance
 * is confirmed. Passes on: `vad`, `speech-start`, `speech-audio` (pre-roll first), `speech-stop`.
 *
 * Segments (hands-free): after `segmentSilenceMs` of silence inside an utterance it pushes
 * `segment-stop` (the recogniser finalizes what it heard) and holds the silence that follows;
 * if a voiced frame comes before `endSilenceMs`, `segment-start` and the held silence (up to
 * the pre-roll) go first, then the speech — the same turn goes on. Push-to-talk has one segment
 * per press: the release ends segment and turn together.
 */
export class SpeechDetector implements Processor {
  readonly name = 'speech-detector';
  private readonly options: EndpointingOptions;
  private readonly frameMs: number;
  private mode: VoiceMode = 'hands_free';
  private pending = new Int16Array(0);
  private state: 'silence' | 'candidate' | 'speech' = 'silence';
  /** Recent audio before an utterance (pre-roll), then the candidate's frames. */
  private held: Int16Array[] = [];
  private voicedMs = 0;
  private silenceMs = 0;
  private utteranceMs = 0;
  private firstVoicedAt = 0;
  private interrupted = false;
  /** Inside an utterance, after a `segment-stop`: the pause's frames are held, not sent. */
  private paused = false;

  constructor(
    private readonly vad: VadDetector,
    private readonly frameSamples: number,
    private readonly avatarSpeaking: () => boolean,
    options: Partial<EndpointingOptions> = {},
  ) {
    this.options = { ...DEFAULT_ENDPOINTING, ...options };
    this.frameMs = (frameSamples / PIPELINE_SAMPLE_RATE) * 1000;
  }

  process(frame: Frame, push: Push): void {
    switch (frame.kind) {
      case 'start':
        this.mode = frame.mode;
        this.reset();
        push(frame);
        return;
      case 'end-of-utterance':
        push(frame);
        if (this.state === 'speech') this.stop(push, frame.at);
        else this.reset();
        return;
      case 'end':
        this.vad.close();
        push(frame);
        return;
      case 'audio-in':
        if (this.mode === 'push_to_talk') this.pushToTalk(frame.samples, frame.at, push);
        else this.handsFree(frame.samples, frame.at, push);
        return;
      default:
        push(frame);
    }
  }

  private reset() {
    this.state = 'silence';
    this.paused = false;
    this.held = [];
    this.voicedMs = 0;
    this.silenceMs = 0;
    this.utteranceMs = 0;
    this.interrupted = false;
    this.pending = new Int16Array(0);
    this.vad.reset();
  }

  private pushToTalk(samples: Int16Array, at: number, push: Push) {
    if (this.state !== 'speech') {
      this.state = 'speech';
      this.utteranceMs = 0;
      if (this.avatarSpeaking()) push({ kind: 'interruption', at, reason: 'speech' });
      push({ kind: 'vad', at, speaking: true });
      push({ kind: 'speech-start', at, firstVoicedAt: at });
    }
    push({ kind: 'speech-audio', at, samples });
  }

  private handsFree(samples: Int16Array, at: number, push: Push) {
    const joined = new Int16Array(this.pending.length + samples.length);
    joined.set(this.pending);
    joined.set(samples, this.pending.length);
    let offset = 0;
    for (; offset + this.frameSamples <= joined.length; offset += this.frameSamples) {
      this.frame(joined.slice(offset, offset + this.frameSamples), at, push);
    }
    this.pending = joined.slice(offset);
  }

  private frame(frame: Int16Array, at: number, push: Push) {
    const probability = this.vad.process(frame);
    const o = this.options;
    if (this.state === 'speech') {
      this.utteranceMs += this.frameMs;
      if (this.paused && probability >= o.startThreshold) {
        // Speech again before the turn ended: the next segment, with the pause as its pre-roll.
        this.paused = false;
        push({ kind: 'segment-start', at });
        this.held.push(frame);
        push({ kind: 'speech-audio', at, samples: concat(this.held) });
        this.held = [];
      } else if (this.paused) {
        this.held.push(frame);
        const keep = Math.ceil(o.preRollMs / this.frameMs);
        if (this.held.length > keep) this.held.splice(0, this.held.length - keep);
      } else {
        push({ kind: 'speech-audio', at, samples: frame });
      }
      this.silenceMs = probability < o.stopThreshold ? this.silenceMs + this.frameMs : 0;
      if (this.silenceMs >= o.endSilenceMs || this.utteranceMs >= o.maxUtteranceMs) {
        this.stop(push, at);
        return;
      }
      if (
        !this.paused &&
        o.segmentSilenceMs > 0 &&
        o.segmentSilenceMs < o.endSilenceMs &&
        this.silenceMs >= o.segmentSilenceMs
      ) {
        this.paused = true;
        push({ kind: 'segment-stop', at });
      }
      return;
    }
    this.held.push(frame);
    if (probability >= o.startThreshold) {
      if (this.state === 'silence') {
        this.state = 'candidate';
        this.firstVoicedAt = at;
        this.voicedMs = 0;
        this.silenceMs = 0;
      }
      this.voicedMs += this.frameMs;
      this.silenceMs = 0;
      if (!this.interrupted && this.voicedMs >= o.bargeInMs && this.avatarSpeaking()) {
        this.interrupted = true;
        push({ kind: 'interruption', at, reason: 'speech' });
      }
      if (this.voicedMs >= o.minSpeechMs) {
        this.state = 'speech';
        this.utteranceMs = this.held.length * this.frameMs;
        push({ kind: 'vad', at, speaking: true });
        push({ kind: 'speech-start', at, firstVoicedAt: this.firstVoicedAt });
        push({ kind: 'speech-audio', at, samples: concat(this.held) });
        this.held = [];
      }
      return;
    }
    if (this.state === 'candidate') {
      this.silenceMs += this.frameMs;
      if (this.silenceMs >= o.candidateGapMs) {
        this.state = 'silence';
        this.interrupted = false;
      }
    }
    // Keep only the pre-roll (plus a live candidate's frames).
    const keep =
      Math.ceil(o.preRollMs / this.frameMs) +
      (this.state === 'candidate' ? Math.ceil((this.voicedMs + this.silenceMs) / this.frameMs) : 0);
    if (this.held.length > keep) this.held.splice(0, this.held.length - keep);
  }

  private stop(push: Push, at: number) {
    push({ kind: 'vad', at, speaking: false });
    push({ kind: 'speech-stop', at });
    this.state = 'silence';
    this.paused = false;
    this.held = [];
    this.voicedMs = 0;
    this.silenceMs = 0;
    this.utteranceMs = 0;
    this.interrupted = false;
  }
}

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
