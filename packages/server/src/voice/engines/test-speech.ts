/**
 * Speech for the engine tests, made at test time (no recordings in the repo): flite's `kal16`
 * voice at 16 kHz, which pocketsphinx transcribes almost word for word, plus silence and noise.
 * Used by the conformance suites and the pipeline's tests alike.
 */

import { createFliteTts } from './flite-tts.js';
import { concatSamples, resample } from './resample.js';
import { PIPELINE_SAMPLE_RATE } from './types.js';

const cache = new Map<string, Promise<Int16Array>>();

/** `text` spoken by flite kal16, as 16 kHz mono PCM16. */
export function speech(text: string): Promise<Int16Array> {
  let samples = cache.get(text);
  if (!samples) {
    samples = (async () => {
      const parts: Int16Array[] = [];
      let rate = PIPELINE_SAMPLE_RATE;
      for await (const chunk of createFliteTts().synthesize(text, { voice: 'kal16', rate: 1, pitch: 1 })) {
        parts.push(chunk.samples);
        rate = chunk.sampleRate;
      }
      return resample(concatSamples(parts), rate);
    })();
    cache.set(text, samples);
  }
  return samples;
}

/** Digital silence of `ms` milliseconds at 16 kHz. */
export function silence(ms: number): Int16Array {
  return new Int16Array(Math.round((ms * PIPELINE_SAMPLE_RATE) / 1000));
}

/** Steady white noise at roughly `db` dBFS RMS (deterministic: a fixed-seed generator). */
export function noise(ms: number, db: number, seed = 1): Int16Array {
  const out = new Int16Array(Math.round((ms * PIPELINE_SAMPLE_RATE) / 1000));
  // Uniform noise in [-a, a] has RMS a/√3.
  const amplitude = Math.sqrt(3) * 32768 * 10 ** (db / 20);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = Math.round(((state >>> 0) / 0xffffffff - 0.5) * 2 * amplitude);
  }
  return out;
}

/** Splits audio into frames of `size` samples (the last partial frame dropped). */
export function frames(samples: Int16Array, size: number): Int16Array[] {
  const out: Int16Array[] = [];
  for (let i = 0; i + size <= samples.length; i += size) out.push(samples.subarray(i, i + size));
  return out;
}

/** The words of a transcript, lower case, for word-level comparison. */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z']+/)
    .filter(Boolean);
}
