import { PIPELINE_SAMPLE_RATE } from '../engines/types.js';
import type { Frame } from './frames.js';
import type { Processor, Push } from './processor.js';

/**
 * Transport in → 16 kHz mono: client audio at the rate declared in `start` (8–48 kHz) becomes
 * the pipeline's rate by linear interpolation, continuous across packets (the position between
 * two samples is carried from one packet to the next, so packet edges add no clicks). Audio
 * already at 16 kHz passes untouched.
 */
export class ResampleTo16k implements Processor {
  readonly name = 'resample-to-16k';
  private inputRate = PIPELINE_SAMPLE_RATE;
  /** Position of the next output sample, in input samples, relative to the current packet. */
  private position = 0;
  private last = 0;

  process(frame: Frame, push: Push): void {
    if (frame.kind === 'start') {
      this.inputRate = frame.sampleRate;
      this.position = 0;
      this.last = 0;
    }
    if (frame.kind !== 'audio-in' || frame.sampleRate === PIPELINE_SAMPLE_RATE) {
      push(frame);
      return;
    }
    push({
      ...frame,
      samples: this.resample(frame.samples, frame.sampleRate),
      sampleRate: PIPELINE_SAMPLE_RATE,
    });
  }

  private resample(input: Int16Array, rate: number): Int16Array {
    if (rate !== this.inputRate) {
      this.inputRate = rate;
      this.position = 0;
    }
    const step = rate / PIPELINE_SAMPLE_RATE;
    const out: number[] = [];
    // Index -1 is the previous packet's last sample.
    let position = this.position;
    while (position <= input.length - 1) {
      const index = Math.floor(position);
      const fraction = position - index;
      const a = index < 0 ? this.last : input[index]!;
      const b = index + 1 < input.length ? input[index + 1]! : a;
      out.push(Math.round(a + (b - a) * fraction));
      position += step;
    }
    this.position = position - input.length;
    if (input.length > 0) this.last = input[input.length - 1]!;
    return Int16Array.from(out);
  }
}
