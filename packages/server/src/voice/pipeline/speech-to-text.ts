import type { SttEngine, SttStream } from '../engines/types.js';
import type { Frame } from './frames.js';
import type { Processor, Push } from './processor.js';

/**
 * STT: one recogniser stream per utterance, opened ahead of time (the next one is opened as soon
 * as an utterance ends, so the start of speech never waits for an engine). Pushes
 * `partial-transcript` each time the text changes, and `final-transcript` when `speech-stop`
 * ends the utterance.
 */
export class SpeechToText implements Processor {
  readonly name = 'speech-to-text';
  private next: Promise<SttStream> | undefined;
  private current: SttStream | undefined;
  private lastPartial = '';
  private push: Push | undefined;
  private closed = false;

  constructor(
    private readonly engine: SttEngine,
    private readonly language?: string,
  ) {}

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
      case 'speech-start': {
        push(frame);
        this.current?.close();
        this.lastPartial = '';
        const stream = await (this.next ?? this.open());
        this.next = undefined;
        if (this.closed) {
          stream.close();
          return;
        }
        this.current = stream;
        stream.onPartial((text) => {
          if (stream !== this.current || text === this.lastPartial || text === '') return;
          this.lastPartial = text;
          this.push?.({ kind: 'partial-transcript', at: performance.now(), text });
        });
        stream.onError((err) => {
          if (stream !== this.current) return;
          this.push?.({
            kind: 'error',
            at: performance.now(),
            code: err.code ?? 'stt_failed',
            message: `Speech recognition failed: ${err.message}`,
          });
        });
        return;
      }
      case 'speech-audio':
        this.current?.write(frame.samples);
        return;
      case 'speech-stop': {
        push(frame);
        const stream = this.current;
        this.current = undefined;
        if (!stream) return;
        if (!this.closed) this.next ??= this.open();
        try {
          const text = (await stream.finish()).trim();
          push({ kind: 'final-transcript', at: performance.now(), text, speechEndAt: frame.at });
        } finally {
          stream.close();
        }
        return;
      }
      case 'end':
        this.closed = true;
        this.current?.close();
        this.current = undefined;
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
}
