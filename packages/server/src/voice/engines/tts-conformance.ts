/**
 * What every TTS engine must do (issue 14): list voices, speak a sentence as PCM16 at a
 * plausible rate and length, honour the rate multiplier, stop at once when aborted (no error,
 * no process left), and refuse options outside the avatar API's ranges with a stable code.
 */

import { describe, expect, it } from 'vitest';
import { frameDb } from './energy-vad.js';
import { concatSamples } from './resample.js';
import type { TtsChunk, TtsEngine, TtsOptions } from './types.js';

async function collect(
  chunks: AsyncIterable<TtsChunk>,
): Promise<{ samples: Int16Array; sampleRate: number; count: number }> {
  const parts: Int16Array[] = [];
  let sampleRate = 0;
  for await (const chunk of chunks) {
    parts.push(chunk.samples);
    sampleRate = chunk.sampleRate;
  }
  return { samples: concatSamples(parts), sampleRate, count: parts.length };
}

export function describeTtsConformance(name: string, create: () => TtsEngine | Promise<TtsEngine>) {
  describe(`${name} TTS conformance`, () => {
    const options = (more: Partial<TtsOptions> = {}): TtsOptions => ({
      voice: null,
      rate: 1,
      pitch: 1,
      ...more,
    });
    const sentence = 'The quick brown fox jumps over the lazy dog.';

    it('is ready and lists voices with ids and labels', async () => {
      const engine = await create();
      expect(engine.kind).toBe('tts');
      expect(await engine.readiness()).toMatchObject({ ready: true });
      const voices = await engine.voices();
      expect(voices.length).toBeGreaterThan(0);
      for (const voice of voices) {
        expect(voice.id).toMatch(/\S/);
        expect(voice.label).toMatch(/\S/);
      }
      expect(new Set(voices.map((v) => v.id)).size).toBe(voices.length);
    });

    it('speaks a sentence as audible PCM16 of plausible length', async () => {
      const engine = await create();
      const { samples, sampleRate } = await collect(engine.synthesize(sentence, options()));
      expect(sampleRate).toBeGreaterThanOrEqual(8000);
      expect(sampleRate).toBeLessThanOrEqual(48000);
      const seconds = samples.length / sampleRate;
      expect(seconds).toBeGreaterThan(1);
      expect(seconds).toBeLessThan(8);
      expect(frameDb(samples)).toBeGreaterThan(-40);
    });

    it('speaks with each listed voice it is given (the first three)', async () => {
      const engine = await create();
      for (const voice of (await engine.voices()).slice(0, 3)) {
        const { samples } = await collect(engine.synthesize('Hello.', options({ voice: voice.id })));
        expect(samples.length).toBeGreaterThan(0);
      }
    });

    it('speaks faster at a higher rate', async () => {
      const engine = await create();
      const slow = await collect(engine.synthesize(sentence, options({ rate: 0.5 })));
      const fast = await collect(engine.synthesize(sentence, options({ rate: 2 })));
      expect(fast.samples.length / fast.sampleRate).toBeLessThan(
        (slow.samples.length / slow.sampleRate) * 0.75,
      );
    });

    it('stops at once without an error when aborted', async () => {
      const engine = await create();
      const controller = new AbortController();
      const long = Array.from({ length: 20 }, () => sentence).join(' ');
      const started = performance.now();
      let chunks = 0;
      for await (const _chunk of engine.synthesize(long, options({ signal: controller.signal }))) {
        chunks++;
        controller.abort();
      }
      expect(chunks).toBe(1);
      expect(performance.now() - started).toBeLessThan(15_000);
      // Already aborted: nothing at all.
      const none = await collect(engine.synthesize(sentence, options({ signal: controller.signal })));
      expect(none.count).toBe(0);
    });

    it('refuses rate or pitch outside 0.25–4 with bad_tts_option', async () => {
      const engine = await create();
      for (const bad of [options({ rate: 0 }), options({ pitch: 5 }), options({ rate: Number.NaN })]) {
        await expect(collect(engine.synthesize('Hi.', bad))).rejects.toMatchObject({
          code: 'bad_tts_option',
        });
      }
    });

    it('speaks text that starts with a dash rather than reading it as an option', async () => {
      const engine = await create();
      const { samples } = await collect(engine.synthesize('-v is not an option here', options()));
      expect(samples.length).toBeGreaterThan(0);
    });
  });
}
