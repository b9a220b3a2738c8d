import { describe, expect, it } from 'vitest';
import type { Frame } from './frames.js';
import { runProcessor } from './processor.js';
import { ResampleTo16k } from './resample-to-16k.js';

const audio = (sampleRate: number, ms: number): Frame => ({
  kind: 'audio-in',
  at: 0,
  samples: new Int16Array((sampleRate * ms) / 1000).fill(1_000),
  sampleRate,
});

describe('ResampleTo16k', () => {
  it('turns 48 kHz and 8 kHz packets into 16 kHz, continuous across packets', async () => {
    for (const rate of [48_000, 8_000, 44_100]) {
      const out = await runProcessor(new ResampleTo16k(), [
        { kind: 'start', at: 0, sampleRate: rate, mode: 'hands_free' },
        ...Array.from({ length: 10 }, () => audio(rate, 100)),
      ]);
      const total = out.reduce((sum, f) => sum + (f.kind === 'audio-in' ? f.samples.length : 0), 0);
      expect(Math.abs(total - 16_000), `${rate} Hz`).toBeLessThanOrEqual(2);
      expect(out.every((f) => f.kind !== 'audio-in' || f.sampleRate === 16_000)).toBe(true);
    }
  });

  it('passes 16 kHz audio untouched', async () => {
    const frame = audio(16_000, 100);
    const [, out] = await runProcessor(new ResampleTo16k(), [
      { kind: 'start', at: 0, sampleRate: 16_000, mode: 'hands_free' },
      frame,
    ]);
    expect(out).toBe(frame);
  });
});
