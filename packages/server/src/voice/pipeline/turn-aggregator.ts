import type { Frame } from './frames.js';
import type { Processor, Push } from './processor.js';

/**
 * Final transcripts → user turns for the chat engine. An utterance in which the recogniser heard
 * no words (a noise that passed the minimum speech) makes no turn. Everything else passes on.
 */
export class TurnAggregator implements Processor {
  readonly name = 'turn-aggregator';

  process(frame: Frame, push: Push): void {
    push(frame);
    if (frame.kind === 'final-transcript' && frame.text !== '') {
      push({ kind: 'user-turn', at: frame.at, text: frame.text, speechEndAt: frame.speechEndAt });
    }
  }
}
