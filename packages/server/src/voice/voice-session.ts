import { newId } from '../ids.js';
import type { ChatBridge } from './chat-bridge.js';
import type { SttEngine, TtsEngine, TtsOptions, VadEngine, Viseme } from './engines/types.js';
import { PIPELINE_SAMPLE_RATE } from './engines/types.js';
import { heardText, type SpokenSegment } from './heard-text.js';
import { ChatReply } from './pipeline/chat-reply.js';
import { type Frame, now, type VoiceMode } from './pipeline/frames.js';
import { Pipeline } from './pipeline/processor.js';
import { ResampleTo16k } from './pipeline/resample-to-16k.js';
import { SentenceChunker } from './pipeline/sentence-chunker.js';
import { type EndpointingOptions, SpeechDetector } from './pipeline/speech-detector.js';
import { SpeechToText } from './pipeline/speech-to-text.js';
import { TextToSpeech } from './pipeline/text-to-speech.js';
import { TurnAggregator } from './pipeline/turn-aggregator.js';
import type { TurnTiming } from './voice-metrics.js';

/** Server → client JSON events of /ws/voice (docs/voice.md). */
export type VoiceEvent =
  | {
      type: 'ready';
      sessionId: string;
      sampleRate: number;
      mode: VoiceMode;
      engines: { vad: string; stt: string; tts: string };
    }
  | { type: 'vad'; speaking: boolean }
  | { type: 'partial_transcript'; text: string }
  | { type: 'segment_transcript'; index: number; text: string; turnText: string }
  | { type: 'final_transcript'; text: string; messageId: string }
  | { type: 'assistant_delta'; text: string; messageId: string }
  | { type: 'tts_start'; sampleRate: number; messageId: string }
  | { type: 'visemes'; items: Viseme[]; messageId: string }
  | { type: 'tts_end'; messageId: string }
  | { type: 'interrupted'; messageId: string }
  | { type: 'assistant_end'; messageId: string; text: string; interrupted: boolean }
  | ({ type: 'turn_timing' } & TurnTiming)
  | { type: 'error'; code: string; message: string };

export interface VoiceSessionDeps {
  engines: { vad: VadEngine; stt: SttEngine; tts: TtsEngine };
  /** The avatar's voice for its TTS engine. */
  voice: Omit<TtsOptions, 'signal'>;
  chat: ChatBridge;
  /** JSON events and binary audio to the client (the route applies backpressure). */
  send: (event: VoiceEvent | Int16Array) => void;
  endpointing?: Partial<EndpointingOptions>;
  /** The longest a hypothesis goes unrepeated while speech is heard (default 150 ms; SpeechToText). */
  partialIntervalMs?: number;
  /** Data frames one processor may hold before the oldest is dropped (default 200: 20 s of 100 ms packets). */
  maxQueued?: number;
  /** How long to wait for `playback {playedMs}` after an interruption before estimating it (default 1,500 ms). */
  playbackReportWaitMs?: number;
  onTiming?: (timing: TurnTiming) => void;
  /** A segment's final text was sent: milliseconds from the pause that closed it (metrics). */
  onSegmentFinal?: (ms: number) => void;
  /** A turn (its reply, or an interruption's cut) ended: the route may end an expired call now. */
  onTurnEnd?: () => void;
  /** A processor failed with an error the call cannot go on after (the route closes it). */
  onFailure?: (err: unknown) => void;
  /** Something was dropped (a queue overflowed). */
  onDrop?: (where: string) => void;
}

interface SpokenReply {
  messageId: string;
  text: string;
  segments: SpokenSegment[];
  audioMs: number;
  sampleRate: number | null;
  firstSentAt: number | null;
}

/**
 * One call: the pipeline (resample → VAD/endpointing → STT → turns → chat → chunker → TTS) and
 * the transport out, which turns frames into the events of docs/voice.md, keeps what audio of
 * each reply was sent for which characters (to cut the stored reply to what was heard), and
 * measures the turn timings.
 */
export class VoiceSession {
  readonly id = newId();
  private pipeline!: Pipeline;
  private chatReply!: ChatReply;
  private muted = false;
  private closed = false;
  /** The reply whose audio is being sent or played. */
  private speaking: SpokenReply | undefined;
  /** Until when the client is presumably still playing `speaking` (no `playback` report yet). */
  private playingUntil = 0;
  private waitingPlayback: { resolve: (playedMs: number | undefined) => void } | undefined;
  private turn:
    | {
        id: string;
        speechEndAt: number;
        finalAt: number | null;
        segmentAt: number | null;
        llmAt: number | null;
        ttsAt: number | null;
        reported: boolean;
      }
    | undefined;
  private cutting = 0;
  /** When the current utterance's last segment final was sent (for its `turn_timing`). */
  private segmentAt: number | null = null;

  private constructor(private readonly deps: VoiceSessionDeps) {}

  /** Opens the engines for a call and sends `ready`. */
  static async start(
    deps: VoiceSessionDeps,
    start: { sampleRate: number; mode: VoiceMode },
  ): Promise<VoiceSession> {
    const session = new VoiceSession(deps);
    const detector = await deps.engines.vad.open();
    session.chatReply = new ChatReply(deps.chat, (err) => session.fail(err));
    session.pipeline = new Pipeline(
      [
        new ResampleTo16k(),
        new SpeechDetector(
          detector,
          deps.engines.vad.frameSamples,
          () => session.avatarSpeaking(),
          deps.endpointing,
        ),
        new SpeechToText(deps.engines.stt, { partialIntervalMs: deps.partialIntervalMs }),
        new TurnAggregator(),
        session.chatReply,
        new SentenceChunker(),
        new TextToSpeech(deps.engines.tts, deps.voice),
      ],
      (frame) => session.out(frame),
      {
        maxQueued: deps.maxQueued ?? 200,
        onDrop: (processor) => session.deps.onDrop?.(processor),
        onError: (_processor, err) => session.fail(err),
      },
    );
    session.pipeline.push({ kind: 'start', at: now(), ...start });
    deps.send({
      type: 'ready',
      sessionId: session.id,
      sampleRate: PIPELINE_SAMPLE_RATE,
      mode: start.mode,
      engines: { vad: deps.engines.vad.id, stt: deps.engines.stt.id, tts: deps.engines.tts.id },
    });
    return session;
  }

  /** Whether a turn is being answered or its interruption is being settled (not: audio still playing). */
  get turnInProgress(): boolean {
    return this.chatReply.replying || this.cutting > 0;
  }

  audio(samples: Int16Array, sampleRate: number): void {
    if (this.muted || this.closed) return;
    this.pipeline.push({ kind: 'audio-in', at: now(), samples, sampleRate });
  }

  endOfUtterance(): void {
    this.pipeline.push({ kind: 'end-of-utterance', at: now() });
  }

  cancel(): void {
    if (this.avatarSpeaking()) this.pipeline.push({ kind: 'interruption', at: now(), reason: 'cancel' });
  }

  mute(muted: boolean): void {
    this.muted = muted;
  }

  /** The client's report of how much of the current reply's audio it played. */
  playback(playedMs: number): void {
    if (this.waitingPlayback) {
      this.waitingPlayback.resolve(playedMs);
      return;
    }
    // Playback ended normally: the avatar is no longer speaking.
    this.playingUntil = 0;
    if (this.speaking && !this.chatReply.replying) this.speaking = undefined;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pipeline.push({ kind: 'end', at: now() });
    this.waitingPlayback?.resolve(undefined);
  }

  /** Resolves once every processor is idle (tests). */
  idle(): Promise<void> {
    return this.pipeline.idle();
  }

  private avatarSpeaking(): boolean {
    return this.chatReply.replying || (this.speaking !== undefined && now() < this.playingUntil);
  }

  private fail(err: unknown) {
    this.deps.onFailure?.(err);
  }

  private send(event: VoiceEvent | Int16Array) {
    if (!this.closed) this.deps.send(event);
  }

  /** The transport out: frames → events. */
  private out(frame: Frame): void {
    switch (frame.kind) {
      case 'vad':
        this.send({ type: 'vad', speaking: frame.speaking });
        return;
      case 'partial-transcript':
        this.send({ type: 'partial_transcript', text: frame.text });
        return;
      case 'speech-start':
        // A turn ended by a failure leaves no final: its segment time is not the next turn's.
        this.segmentAt = null;
        return;
      case 'segment-transcript':
        this.segmentAt = frame.at;
        this.send({
          type: 'segment_transcript',
          index: frame.index,
          text: frame.text,
          turnText: frame.turnText,
        });
        this.deps.onSegmentFinal?.(frame.at - frame.speechEndAt);
        return;
      case 'final-transcript':
        if (frame.text !== '') {
          this.turn = {
            id: newId(),
            speechEndAt: frame.speechEndAt,
            finalAt: frame.at,
            segmentAt: this.segmentAt,
            llmAt: null,
            ttsAt: null,
            reported: false,
          };
        }
        this.segmentAt = null;
        return;
      case 'user-stored':
        if (this.turn) this.turn.id = frame.messageId;
        this.send({ type: 'final_transcript', text: frame.text, messageId: frame.messageId });
        this.speaking = {
          messageId: frame.replyId,
          text: '',
          segments: [],
          audioMs: 0,
          sampleRate: null,
          firstSentAt: null,
        };
        return;
      case 'llm-text': {
        if (this.turn && this.turn.llmAt === null) this.turn.llmAt = frame.at;
        const reply = this.reply(frame.messageId);
        if (reply) reply.text += frame.text;
        this.send({ type: 'assistant_delta', text: frame.text, messageId: frame.messageId });
        return;
      }
      case 'tts-audio':
        this.sendAudio(frame);
        return;
      case 'llm-end': {
        const reply = this.reply(frame.messageId);
        if (reply?.sampleRate) this.send({ type: 'tts_end', messageId: frame.messageId });
        this.send({
          type: 'assistant_end',
          messageId: frame.messageId,
          text: frame.text,
          // `cancelled`: stopped before it was spoken (talked over while it started).
          interrupted: frame.status === 'cancelled',
        });
        this.reportTiming();
        if (reply && reply.firstSentAt === null) this.speaking = undefined;
        this.deps.onTurnEnd?.();
        return;
      }
      case 'interruption':
        this.interrupted(frame.messageId ?? this.speaking?.messageId);
        return;
      case 'error':
        this.send({ type: 'error', code: frame.code, message: frame.message });
        return;
      default:
        return;
    }
  }

  private reply(messageId: string): SpokenReply | undefined {
    return this.speaking?.messageId === messageId ? this.speaking : undefined;
  }

  private sendAudio(frame: Extract<Frame, { kind: 'tts-audio' }>) {
    const reply = this.reply(frame.messageId);
    if (!reply) return;
    if (this.turn && this.turn.ttsAt === null) this.turn.ttsAt = frame.at;
    if (reply.sampleRate === null) {
      reply.sampleRate = frame.sampleRate;
      this.send({ type: 'tts_start', sampleRate: frame.sampleRate, messageId: reply.messageId });
    }
    if (frame.visemes?.length) {
      const offset = reply.audioMs;
      this.send({
        type: 'visemes',
        messageId: reply.messageId,
        items: frame.visemes.map((v) => ({ atMs: Math.round(v.atMs + offset), shape: v.shape })),
      });
    }
    const ms = (frame.samples.length / frame.sampleRate) * 1000;
    const last = reply.segments.at(-1);
    if (last && last.startChar === frame.startChar) last.endMs += ms;
    else
      reply.segments.push({
        startChar: frame.startChar,
        endChar: frame.endChar,
        startMs: reply.audioMs,
        endMs: reply.audioMs + ms,
      });
    reply.audioMs += ms;
    this.send(frame.samples);
    const sentAt = now();
    if (reply.firstSentAt === null) {
      reply.firstSentAt = sentAt;
      this.reportTiming(sentAt);
    }
    // Playback runs in real time from the first audio sent; a little slack for the client's buffer.
    this.playingUntil = reply.firstSentAt + reply.audioMs + 300;
  }

  private reportTiming(firstAudioSentAt?: number) {
    const turn = this.turn;
    if (!turn || turn.reported) return;
    turn.reported = true;
    const since = (at: number | null | undefined) => (at == null ? null : Math.round(at - turn.speechEndAt));
    const timing: TurnTiming = {
      turnId: turn.id,
      speechEndMs: 0,
      segmentFinalMs: since(turn.segmentAt),
      finalTranscriptMs: since(turn.finalAt),
      llmFirstTokenMs: since(turn.llmAt),
      firstTtsByteMs: since(turn.ttsAt),
      firstAudioSentMs: since(firstAudioSentAt),
    };
    this.send({ type: 'turn_timing', ...timing });
    this.deps.onTiming?.(timing);
  }

  /**
   * Barge-in: the client is told at once; then, once it reports how much it played (or after a
   * wait, estimated from the clock), the stored reply is cut to what was heard.
   */
  private interrupted(messageId: string | undefined) {
    const reply = messageId ? this.speaking : undefined;
    this.speaking = undefined;
    this.playingUntil = 0;
    this.reportTiming();
    if (!messageId) return;
    this.send({ type: 'interrupted', messageId });
    const spoken: SpokenReply =
      reply?.messageId === messageId
        ? reply
        : { messageId, text: '', segments: [], audioMs: 0, sampleRate: null, firstSentAt: null };
    const estimate = spoken.firstSentAt === null ? 0 : Math.min(spoken.audioMs, now() - spoken.firstSentAt);
    this.cutting += 1;
    const reported = new Promise<number | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), this.deps.playbackReportWaitMs ?? 1_500);
      this.waitingPlayback = {
        resolve: (ms) => {
          clearTimeout(timer);
          resolve(ms);
        },
      };
    });
    void reported
      .then(async (playedMs) => {
        this.waitingPlayback = undefined;
        const played = Math.max(0, Math.min(playedMs ?? estimate, spoken.audioMs));
        const heard = heardText(spoken.text, spoken.segments, played);
        await this.deps.chat.cut(messageId, heard);
        this.send({ type: 'assistant_end', messageId, text: heard, interrupted: true });
      })
      .catch((err) => this.fail(err))
      .finally(() => {
        this.cutting -= 1;
        this.deps.onTurnEnd?.();
      });
  }
}
