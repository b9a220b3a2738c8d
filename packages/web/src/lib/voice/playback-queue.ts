import { pcm16ToFloat } from './pcm';

/**
 * Where the avatar's audio is played. The browser's is Web Audio (audio-sink.ts); the queue
 * below only needs a clock and a way to play a buffer at a time on it.
 */
export interface AudioSink {
  /** The output clock, in seconds. */
  now(): number;
  /** Plays `samples` at `when` on the clock; `onEnded` runs when they have played (or were stopped). */
  schedule(samples: Float32Array, sampleRate: number, when: number, onEnded: () => void): { stop(): void };
  /** How loud the output is right now, 0…1 (drives the talking face). */
  level(): number;
  close(): void;
}

interface Scheduled {
  start: number;
  duration: number;
  ended: boolean;
  stop(): void;
}

/** A little headroom before the first chunk so the audio thread is not starved at once. */
const LEAD_SECONDS = 0.05;

/**
 * The avatar's reply audio, played gap-free as chunks arrive (`tts_start` → binary PCM16 →
 * `tts_end`). Knows how much of the reply the person has actually heard (`playedMs`), which
 * the server needs to cut the stored reply on a barge-in; `interrupt()` silences everything
 * queued at once.
 * @example
 * const queue = new PlaybackQueue(sink, { onDrained: (ms) => send({ type: 'playback', playedMs: ms }) });
 * queue.begin(id, 22050); queue.push(chunk); queue.finish(id);
 */
export class PlaybackQueue {
  private chunks: Scheduled[] = [];
  private nextAt = 0;
  private sampleRate = 16_000;
  private messageId: string | null = null;
  private finished = false;
  /** Bumped on interrupt, so the stopped sources' `ended` callbacks are ignored. */
  private generation = 0;
  private visemes: { atMs: number; shape: string }[] = [];
  /** False after an interruption until the next `begin`: audio still in flight is dropped. */
  private accepting = true;

  constructor(
    private readonly sink: AudioSink,
    private readonly events: { onDrained?: (playedMs: number, messageId: string | null) => void } = {},
  ) {}

  /** `tts_start`: audio of `messageId` at `sampleRate` follows. A new reply starts its count at 0. */
  begin(messageId: string | null, sampleRate: number): void {
    if (messageId !== this.messageId) {
      // The previous reply's chunks may still be sounding: they stay scheduled, only the count restarts.
      this.chunks = this.chunks.filter((chunk) => !chunk.ended);
      for (const chunk of this.chunks) chunk.duration = 0;
      this.visemes = [];
      this.messageId = messageId;
    }
    this.sampleRate = sampleRate;
    this.finished = false;
    this.accepting = true;
  }

  /** One binary chunk of PCM16LE at the rate of the last `begin`. */
  push(pcm: ArrayBuffer): void {
    this.pushSamples(pcm16ToFloat(pcm));
  }

  /** Float samples at the rate of the last `begin` (a decoded WAV file, for read-aloud). */
  pushSamples(samples: Float32Array): void {
    if (samples.length === 0 || !this.accepting) return;
    const now = this.sink.now();
    // After a gap (the server was slower than real time) start again a little ahead of now.
    const start = this.nextAt > now ? this.nextAt : now + LEAD_SECONDS;
    const duration = samples.length / this.sampleRate;
    const generation = this.generation;
    const entry: Scheduled = { start, duration, ended: false, stop: () => {} };
    entry.stop = this.sink.schedule(samples, this.sampleRate, start, () => {
      if (generation !== this.generation) return;
      entry.ended = true;
      this.checkDrained();
    }).stop;
    this.chunks.push(entry);
    this.nextAt = start + duration;
  }

  /** `tts_end`: no more audio for this reply; `onDrained` runs once what is queued has played. */
  finish(messageId: string | null): void {
    if (!this.accepting) return;
    if (messageId !== null && this.messageId !== null && messageId !== this.messageId) return;
    this.finished = true;
    this.checkDrained();
  }

  /** `visemes`: mouth shapes timed from the start of this reply's audio (the server adds the offset). */
  addVisemes(items: readonly { atMs: number; shape: string }[]): void {
    for (const item of items) this.visemes.push({ atMs: item.atMs, shape: item.shape });
    this.visemes.sort((a, b) => a.atMs - b.atMs);
  }

  /** The mouth shape for what is being heard now, or null (no visemes, or silence). */
  currentViseme(): string | null {
    if (!this.playing) return null;
    const played = this.playedMs();
    let shape: string | null = null;
    for (const item of this.visemes) {
      if (item.atMs > played) break;
      shape = item.shape;
    }
    return shape;
  }

  /** Milliseconds of this reply's audio that have come out of the speakers so far. */
  playedMs(): number {
    const now = this.sink.now();
    let seconds = 0;
    for (const chunk of this.chunks) seconds += Math.min(Math.max(now - chunk.start, 0), chunk.duration);
    return Math.round(seconds * 1000);
  }

  /** Milliseconds of this reply's audio received so far. */
  scheduledMs(): number {
    return Math.round(this.chunks.reduce((sum, chunk) => sum + chunk.duration, 0) * 1000);
  }

  /** Audio is queued or playing. */
  get playing(): boolean {
    return this.chunks.some((chunk) => !chunk.ended);
  }

  /**
   * `interrupted` (or the person's own cancel): every queued and playing chunk stops now.
   * Returns how much had been heard, for the `playback {playedMs}` answer. Audio of this reply
   * still on its way is dropped until the next `begin`.
   */
  interrupt(): number {
    const played = this.playedMs();
    this.generation++;
    this.accepting = false;
    for (const chunk of this.chunks) chunk.stop();
    this.chunks = [];
    this.visemes = [];
    this.nextAt = 0;
    this.finished = false;
    return played;
  }

  level(): number {
    return this.playing ? this.sink.level() : 0;
  }

  close(): void {
    this.interrupt();
    this.sink.close();
  }

  private checkDrained(): void {
    if (!this.finished || this.playing) return;
    this.finished = false;
    this.events.onDrained?.(this.playedMs(), this.messageId);
  }
}
