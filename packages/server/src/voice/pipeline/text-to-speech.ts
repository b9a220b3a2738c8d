import type { TtsEngine, TtsOptions } from '../engines/types.js';
import type { Frame } from './frames.js';
import type { Processor, Push } from './processor.js';

/**
 * TTS with the avatar's voice: each `tts-text` is synthesized as it arrives (the first sentence
 * while the model still writes the rest), its chunks pushed as `tts-audio` the moment the engine
 * yields them, then `tts-done`. An interruption aborts the synthesis in flight at once and drops
 * whatever else of that reply still reaches it.
 */
export class TextToSpeech implements Processor {
  readonly name = 'text-to-speech';
  private inFlight: AbortController | undefined;
  private speaking: string | undefined;
  private readonly dropped = new Set<string>();

  constructor(
    private readonly engine: TtsEngine,
    private readonly voice: Omit<TtsOptions, 'signal'>,
  ) {}

  async process(frame: Frame, push: Push): Promise<void> {
    if (frame.kind === 'interruption' || frame.kind === 'end') {
      if (this.speaking) this.dropped.add(this.speaking);
      this.inFlight?.abort();
      push(frame);
      return;
    }
    if ('messageId' in frame && frame.kind !== 'user-stored' && this.dropped.has(frame.messageId)) return;
    if (frame.kind !== 'tts-text') {
      if (frame.kind === 'llm-text') this.speaking = frame.messageId;
      push(frame);
      return;
    }
    this.speaking = frame.messageId;
    const controller = new AbortController();
    this.inFlight = controller;
    const { messageId, startChar, endChar } = frame;
    try {
      for await (const chunk of this.engine.synthesize(frame.text, {
        ...this.voice,
        signal: controller.signal,
      })) {
        if (controller.signal.aborted) break;
        push({
          kind: 'tts-audio',
          at: performance.now(),
          messageId,
          samples: chunk.samples,
          sampleRate: chunk.sampleRate,
          startChar,
          endChar,
          ...(chunk.visemes ? { visemes: chunk.visemes } : {}),
        });
      }
    } catch (err) {
      if (controller.signal.aborted) return;
      const code = (err as { code?: string }).code ?? 'tts_failed';
      push({
        kind: 'error',
        at: performance.now(),
        code,
        message: `Speech synthesis failed: ${(err as Error).message}`,
      });
    } finally {
      if (this.inFlight === controller) this.inFlight = undefined;
    }
    if (!controller.signal.aborted)
      push({ kind: 'tts-done', at: performance.now(), messageId, startChar, endChar });
  }
}
