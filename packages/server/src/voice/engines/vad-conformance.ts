/**
 * What every VAD engine must do (issue 14): quiet is not speech, spoken words are, steady
 * background noise stops counting once the detector has heard it, speech ending is seen within
 * a second, and frames of the wrong size are refused. Run by each VAD engine's test file.
 */

import { describe, expect, it } from 'vitest';
import { frames, noise, silence, speech } from './test-speech.js';
import type { VadEngine } from './types.js';

export function describeVadConformance(name: string, create: () => VadEngine | Promise<VadEngine>) {
  describe(`${name} VAD conformance`, () => {
    const open = async () => {
      const engine = await create();
      expect(await engine.readiness()).toMatchObject({ ready: true });
      return { engine, detector: await engine.open() };
    };

    it('describes itself as a local VAD with a whole-number frame size', async () => {
      const engine = await create();
      expect(engine.kind).toBe('vad');
      expect(Number.isInteger(engine.frameSamples) && engine.frameSamples >= 160).toBe(true);
    });

    it('hears no speech in silence', async () => {
      const { engine, detector } = await open();
      const probabilities = frames(silence(2000), engine.frameSamples).map((f) => detector.process(f));
      expect(Math.max(...probabilities)).toBeLessThan(0.5);
      detector.close();
    });

    it('hears speech within half a second of its start, and most of it as speech', async () => {
      const { engine, detector } = await open();
      const words = await speech('Hello, can you tell me what the weather is like today?');
      const lead = frames(silence(1000), engine.frameSamples).map((f) => detector.process(f));
      const spoken = frames(words, engine.frameSamples).map((f) => detector.process(f));
      expect(Math.max(...lead)).toBeLessThan(0.5);
      const firstVoiced = spoken.findIndex((p) => p >= 0.5);
      // flite starts with ~100 ms of its own silence; speech is found soon after.
      expect(firstVoiced).toBeGreaterThanOrEqual(0);
      expect((firstVoiced * engine.frameSamples) / 16).toBeLessThan(500);
      expect(spoken.filter((p) => p >= 0.5).length / spoken.length).toBeGreaterThan(0.4);
      detector.close();
    });

    it('sees the end of speech within a second', async () => {
      const { engine, detector } = await open();
      for (const f of frames(await speech('This is the end of my sentence.'), engine.frameSamples))
        detector.process(f);
      const after = frames(silence(1500), engine.frameSamples).map((f) => detector.process(f));
      const quietFrom = after.findIndex((_p, i) => after.slice(i).every((q) => q < 0.5));
      expect(quietFrom).toBeGreaterThanOrEqual(0);
      expect((quietFrom * engine.frameSamples) / 16).toBeLessThan(1000);
      detector.close();
    });

    it('stops counting steady background noise as speech, and still hears speech over it', async () => {
      const { engine, detector } = await open();
      const hum = frames(noise(3000, -45), engine.frameSamples).map((f) => detector.process(f));
      // The last second of steady noise is background, not speech.
      expect(Math.max(...hum.slice(-Math.round(16000 / engine.frameSamples)))).toBeLessThan(0.5);
      const words = await speech('Is anybody there?');
      const background = noise(words.length / 16, -45, 7);
      const mixed = words.map((s, i) => Math.max(-32768, Math.min(32767, s + (background[i] ?? 0))));
      const spoken = frames(Int16Array.from(mixed), engine.frameSamples).map((f) => detector.process(f));
      expect(spoken.filter((p) => p >= 0.5).length).toBeGreaterThan(3);
      detector.close();
    });

    it('refuses a frame of the wrong size with bad_frame', async () => {
      const { engine, detector } = await open();
      expect(() => detector.process(new Int16Array(engine.frameSamples + 1))).toThrow(
        expect.objectContaining({ code: 'bad_frame' }),
      );
      detector.close();
    });

    it('forgets the call after reset, and detectors do not share state', async () => {
      const { engine, detector } = await open();
      const other = await engine.open();
      for (const f of frames(await speech('Hello there.'), engine.frameSamples)) detector.process(f);
      detector.reset();
      const quiet = frames(silence(500), engine.frameSamples);
      expect(Math.max(...quiet.map((f) => detector.process(f)))).toBeLessThan(0.5);
      expect(Math.max(...quiet.map((f) => other.process(f)))).toBeLessThan(0.5);
      detector.close();
      other.close();
    });
  });
}
