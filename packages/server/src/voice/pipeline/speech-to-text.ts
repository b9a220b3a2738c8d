import type { SttEngine, SttStream } from '../engines/types.js';
import type { Frame } from './frames.js';
import type { Processor, Push } from './processor.js';

export interface SpeechToTextOptions {
  language?: string;
  /**
   * While a segment is being heard, the latest hypothesis is sent again when no partial went out
   * for this long (default 150 ms; checked every quarter of it, so the longest gap is about 190 ms), so the client hears of the recogniser at a steady cadence
   * even while a long word leaves the text unchanged. 0 turns the repeat off.
   */
  partialIntervalMs?: number;
}

/** The segments of one turn: their texts by index (a segment's last partial until its final arrives). */
interface Turn {
  texts: string[];
  /** Segment finishes in order: each pushes its `segment-transcript` after the ones before it. */
  done: Promise<void>;
  /** The first recogniser failure of the turn, rethrown when the turn ends. */
  failure: unknown;
}

const merge = (texts: readonly string[]) => texts.filter((t) => t !== '').join(' ');

/**
 * STT: one recogniser stream per segment, opened ahead of time (the next one is opened as soon as
 * a segment ends, so resumed speech never waits for an engine). A turn (`speech-start` …
 * `speech-stop`) is one or more segments, split where the speech detector saw a short pause
 * (`segment-stop` / `segment-start`).
 *
 * Pushes `partial-transcript` (the turn so far: finished segments and the current hypothesis)
 * each time the text changes and at least every `partialIntervalMs` while a segment is heard;
 * `segment-transcript` as soon as a segment's recogniser finishes — without holding up the
 * frames behind it (the next segment is written to its own stream meanwhile); and at
 * `speech-stop`, once every segment is final, `final-transcript` with the turn's merged text.
 */
export class SpeechToText implements Processor {
  readonly name = 'speech-to-text';
  private next: Promise<SttStream> | undefined;
  private current: { stream: SttStream; index: number; turn: Turn } | undefined;
  private turn: Turn | undefined;
  private lastPartial = '';
  private lastPartialAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private push: Push | undefined;
  private closed = false;
  private readonly language: string | undefined;
  private readonly partialIntervalMs: number;

  constructor(
    private readonly engine: SttEngine,
    options: SpeechToTextOptions | string = {},
  ) {
    const o = typeof options === 'string' ? { language: options } : options;
    this.language = o.language;
    this.partialIntervalMs = o.partialIntervalMs ?? 150;
  }

  private open(): Promise<SttStream> {
    const opened = this.engine.open(this.language ? { language: this.language } : {});
    // A failure surfaces when the stream is used; never as an unhandled rejection.
    opened.catch(() => {});
    return opened;
  }

  async process(frame: Frame, push: Push): Promise<void> {
    this.push = push;
    switch (frame.kind) {
      case 'start':
        push(frame);
        this.next ??= this.open();
        return;
      case 'speech-start':
        push(frame);
        // A segment left open (no speech-stop came) is dropped, as a new utterance begins.
        this.current?.stream.close();
        this.current = undefined;
        this.stopTimer();
        this.turn = { texts: [], done: Promise.resolve(), failure: undefined };
        this.lastPartial = '';
        await this.beginSegment();
        return;
      case 'segment-start':
        push(frame);
        await this.beginSegment();
        return;
      case 'speech-audio':
        this.current?.stream.write(frame.samples);
        return;
      case 'segment-stop':
        push(frame);
        this.endSegment(frame.at);
        return;
      case 'speech-stop': {
        push(frame);
        this.endSegment(frame.at);
        const turn = this.turn;
        this.turn = undefined;
        if (!turn) return;
        await turn.done;
        if (turn.failure !== undefined) throw turn.failure;
        push({
          kind: 'final-transcript',
          at: performance.now(),
          text: merge(turn.texts),
          speechEndAt: frame.at,
        });
        return;
      }
      case 'end':
        this.closed = true;
        this.stopTimer();
        this.current?.stream.close();
        this.current = undefined;
        this.turn = undefined;
        void this.next?.then(
          (stream) => stream.close(),
          () => {},
        );
        this.next = undefined;
        push(frame);
        return;
      default:
        push(frame);
    }
  }

  private async beginSegment(): Promise<void> {
    const turn = this.turn;
    if (!turn || this.current) return;
    const stream = await (this.next ?? this.open());
    this.next = undefined;
    if (this.closed || this.turn !== turn) {
      stream.close();
      return;
    }
    const segment = { stream, index: turn.texts.length, turn };
    turn.texts.push('');
    this.current = segment;
    stream.onPartial((text) => {
      if (this.current !== segment || text === '') return;
      turn.texts[segment.index] = text;
      const merged = merge(turn.texts);
      if (merged !== this.lastPartial) this.sendPartial(merged);
    });
    stream.onError((err) => {
      if (this.current !== segment) return;
      this.push?.({
        kind: 'error',
        at: performance.now(),
        code: err.code ?? 'stt_failed',
        message: `Speech recognition failed: ${err.message}`,
      });
    });
    this.startTimer(segment);
  }

  /** The current segment ends at `at`: its final text follows when the recogniser has it. */
  private endSegment(at: number): void {
    const segment = this.current;
    this.current = undefined;
    this.stopTimer();
    if (!segment) return;
    if (!this.closed) this.next ??= this.open();
    const { stream, index, turn } = segment;
    const finished = stream.finish().finally(() => stream.close());
    finished.catch(() => {});
    turn.done = turn.done.then(async () => {
      let text: string;
      try {
        text = (await finished).trim();
      } catch (err) {
        turn.failure ??= err;
        turn.texts[index] = '';
        return;
      }
      turn.texts[index] = text;
      if (text === '' || this.closed) return;
      this.push?.({
        kind: 'segment-transcript',
        at: performance.now(),
        index,
        text,
        turnText: merge(turn.texts.slice(0, index + 1)),
        speechEndAt: at,
      });
    });
  }

  private sendPartial(text: string): void {
    this.lastPartial = text;
    this.lastPartialAt = performance.now();
    this.push?.({ kind: 'partial-transcript', at: this.lastPartialAt, text });
  }

  /** The steady cadence: the latest hypothesis again when nothing was sent for `partialIntervalMs`. */
  private startTimer(segment: NonNullable<SpeechToText['current']>): void {
    this.stopTimer();
    if (this.partialIntervalMs <= 0) return;
    const tick = Math.max(20, Math.round(this.partialIntervalMs / 4));
    this.timer = setInterval(() => {
      if (this.current !== segment) return this.stopTimer();
      const merged = merge(segment.turn.texts);
      if (merged === '' || performance.now() - this.lastPartialAt < this.partialIntervalMs) return;
      this.sendPartial(merged);
    }, tick);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
