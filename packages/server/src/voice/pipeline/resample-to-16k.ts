import { Resampler } from '../engines/resample.js';
import { PIPELINE_SAMPLE_RATE } from '../engines/types.js';
import type { Frame } from './frames.js';
import type { Processor, Push } from './processor.js';

/**
 * Transport in → 16 kHz mono: client audio at the rate declared in `start` (8–48 kHz) becomes
 * the pipeline's rate through the engines' streaming resampler (continuous across packets, so
 * packet edges add no clicks). Audio already at 16 kHz passes untouched.
 */
export class ResampleTo16k implements Processor {
  readonly name = 'resample-to-16k';
  private resampler: Resampler | undefined;

  process(frame: Frame, push: Push): void {
    if (frame.kind === 'start') this.resampler = undefined;
    if (frame.kind !== 'audio-in' || frame.sampleRate === PIPELINE_SAMPLE_RATE) {
      push(frame);
      return;
    }
    if (this.resampler?.fromRate !== frame.sampleRate) this.resampler = new Resampler(frame.sampleRate);
    push({ ...frame, samples: this.resampler.process(frame.samples), sampleRate: PIPELINE_SAMPLE_RATE });
  }
}
