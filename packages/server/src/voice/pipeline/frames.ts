import type { Viseme } from '../engines/types.js';

/**
 * The frames of the voice loop (issue 14, after pipecat's frames): everything that passes from
 * one processor to the next is one of these. Every frame carries `at`, the moment it was made on
 * the server's monotonic clock (`performance.now()`), so the per-turn timings are measured where
 * things happen, not where they are sent.
 *
 * System frames steer the pipeline and jump every queue; data frames wait their turn and are
 * dropped from queues on `interruption`.
 */

export type VoiceMode = 'hands_free' | 'push_to_talk';

export type SystemFrame =
  /** The call begins: the client's sample rate and mode. */
  | { kind: 'start'; at: number; sampleRate: number; mode: VoiceMode }
  /**
   * The user spoke (or pressed stop) over the avatar: everything in flight is dropped. The chat
   * processor names the reply it cancelled (`messageId`) on the way down.
   */
  | { kind: 'interruption'; at: number; reason: 'speech' | 'cancel'; messageId?: string }
  /** The call ends: processors free their engines. */
  | { kind: 'end'; at: number };

export type DataFrame =
  /**
   * Push-to-talk released: the utterance is complete. A data frame, so it stays behind the audio
   * sent before it (as a system frame it could overtake the last packets still queued).
   */
  | { kind: 'end-of-utterance'; at: number }
  /** Client audio, PCM16 mono at `sampleRate`. */
  | { kind: 'audio-in'; at: number; samples: Int16Array; sampleRate: number }
  /** Audio of the current utterance at 16 kHz (pre-roll included), for the recogniser. */
  | { kind: 'speech-audio'; at: number; samples: Int16Array }
  /** Speech detection changed (`vad` event). */
  | { kind: 'vad'; at: number; speaking: boolean }
  /** An utterance began (after the minimum speech); `firstVoicedAt` is when its first voiced frame arrived. */
  | { kind: 'speech-start'; at: number; firstVoicedAt: number }
  /** The utterance ended (end-of-turn silence, or push-to-talk released). */
  | { kind: 'speech-stop'; at: number }
  /**
   * A short pause inside the utterance (`segmentSilenceMs`): the recogniser finalizes the words
   * so far now; the turn goes on until the end-of-turn silence.
   */
  | { kind: 'segment-stop'; at: number }
  /** Speech resumed after a `segment-stop`, before the turn ended: a new segment of the same turn. */
  | { kind: 'segment-start'; at: number }
  /** What the recogniser hears so far: the turn's finished segments and the current one's hypothesis. */
  | { kind: 'partial-transcript'; at: number; text: string }
  /**
   * One segment's final words (`text`, never ''), sent as soon as the segment ends; `turnText`
   * is every segment of the turn so far, merged. `index` counts the turn's segments from 0
   * (segments with no words are skipped, so indexes may jump). `speechEndAt` is the time of the
   * pause (or turn end) that closed the segment.
   */
  | {
      kind: 'segment-transcript';
      at: number;
      index: number;
      text: string;
      turnText: string;
      speechEndAt: number;
    }
  /** What the recogniser heard in the whole utterance (its segments merged; '' for nothing). `speechEndAt` is the speech-stop's time. */
  | { kind: 'final-transcript'; at: number; text: string; speechEndAt: number }
  /** A user turn ready for the chat engine. */
  | { kind: 'user-turn'; at: number; text: string; speechEndAt: number }
  /** The user turn was stored as `messageId`; the reply `replyId` starts. */
  | { kind: 'user-stored'; at: number; text: string; messageId: string; replyId: string; speechEndAt: number }
  | { kind: 'llm-text'; at: number; messageId: string; text: string }
  /** The reply ended; `text` is all the model wrote. */
  | { kind: 'llm-end'; at: number; messageId: string; text: string; status: string }
  /** One sentence or long clause to speak: characters [startChar, endChar) of the reply's text. */
  | { kind: 'tts-text'; at: number; messageId: string; text: string; startChar: number; endChar: number }
  /** Synthesized audio of the sentence [startChar, endChar). */
  | {
      kind: 'tts-audio';
      at: number;
      messageId: string;
      samples: Int16Array;
      sampleRate: number;
      startChar: number;
      endChar: number;
      visemes?: Viseme[];
    }
  /** A sentence's audio is complete (so the transport can close the message's audio after `llm-end`). */
  | { kind: 'tts-done'; at: number; messageId: string; startChar: number; endChar: number }
  /** Something failed that the client should hear of; the call goes on unless `fatal`. */
  | { kind: 'error'; at: number; code: string; message: string; fatal?: boolean };

export type Frame = SystemFrame | DataFrame;
export type FrameKind = Frame['kind'];
export type FrameOf<K extends FrameKind> = Extract<Frame, { kind: K }>;

const SYSTEM_KINDS: ReadonlySet<FrameKind> = new Set(['start', 'interruption', 'end']);

export const isSystemFrame = (frame: Frame): frame is SystemFrame => SYSTEM_KINDS.has(frame.kind);

/** The pipeline's clock: monotonic milliseconds. */
export const now = (): number => performance.now();
