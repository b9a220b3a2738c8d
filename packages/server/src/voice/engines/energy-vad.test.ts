import { describe, expect, it } from 'vitest';
import { createEnergyVad, frameDb } from './energy-vad.js';
import { noise, silence } from './test-speech.js';
import { describeVadConformance } from './vad-conformance.js';

describeVadConformance('energy (builtin)', () => createEnergyVad());

describe('energy VAD', () => {
  it('measures frame level in dBFS', () => {
    expect(frameDb(silence(20))).toBe(-100);
    expect(frameDb(noise(20, -30))).toBeCloseTo(-30, 0);
    expect(frameDb(new Int16Array(320).fill(32767))).toBeCloseTo(0, 1);
  });

  it('is always ready: it needs nothing installed', async () => {
    expect(await createEnergyVad().readiness()).toEqual({ ready: true });
  });

  it('refuses frames after close', async () => {
    const detector = await createEnergyVad().open();
    detector.close();
    expect(() => detector.process(silence(20))).toThrow(/closed/);
  });
});
