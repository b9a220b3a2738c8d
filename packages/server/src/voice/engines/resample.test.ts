import { describe, expect, it } from 'vitest';
import {
  assertSampleRate,
  concatSamples,
  decodeWav,
  encodeWav,
  parseWavHeader,
  pcm16FromBytes,
  pcm16ToBytes,
  Resampler,
  resample,
} from './resample.js';

/** A sine of `hz` at `rate` for `seconds`. */
function sine(hz: number, rate: number, seconds: number, amplitude = 10_000): Int16Array {
  return Int16Array.from({ length: Math.round(rate * seconds) }, (_, i) =>
    Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate)),
  );
}

/** Frequency estimated from zero crossings. */
function frequency(samples: Int16Array, rate: number): number {
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) crossings++;
  return crossings / 2 / (samples.length / rate);
}

describe('sample rates', () => {
  it('accepts 8–48 kHz and refuses anything else with bad_sample_rate', () => {
    for (const ok of [8000, 16000, 22050, 44100, 48000]) expect(() => assertSampleRate(ok)).not.toThrow();
    for (const bad of [7999, 48001, 0, -16000, 16000.5, Number.NaN, 96000]) {
      expect(() => assertSampleRate(bad)).toThrow(expect.objectContaining({ code: 'bad_sample_rate' }));
    }
    expect(() => new Resampler(96000)).toThrow(expect.objectContaining({ code: 'bad_sample_rate' }));
  });
});

describe('resampler', () => {
  it.each([8000, 11025, 22050, 24000, 32000, 44100, 48000])(
    'keeps a 440 Hz tone at 440 Hz from %i Hz',
    (rate) => {
      const out = resample(sine(440, rate, 1), rate);
      expect(out.length).toBeGreaterThan(15_980);
      expect(out.length).toBeLessThan(16_020);
      expect(frequency(out, 16000)).toBeGreaterThan(435);
      expect(frequency(out, 16000)).toBeLessThan(445);
    },
  );

  it('gives the same output for a stream of odd-sized frames as for one buffer', () => {
    const input = sine(300, 44100, 0.5);
    const whole = resample(input, 44100);
    const streaming = new Resampler(44100);
    const parts: Int16Array[] = [];
    for (let i = 0, size = 1; i < input.length; i += size, size = (size * 7) % 997 || 1) {
      parts.push(streaming.process(input.subarray(i, i + size)));
    }
    const joined = concatSamples(parts);
    expect(joined.length).toBe(whole.length);
    expect(Array.from(joined)).toEqual(Array.from(whole));
  });

  it('attenuates content above the new Nyquist frequency when downsampling 48 → 16 kHz', () => {
    const rms = (s: Int16Array) => Math.sqrt(s.reduce((a, v) => a + v * v, 0) / s.length);
    const high = resample(sine(15_000, 48000, 0.5), 48000);
    const low = resample(sine(1_000, 48000, 0.5), 48000);
    expect(rms(high)).toBeLessThan(rms(low) * 0.5);
  });

  it('passes 16 kHz through unchanged and empty input as empty', () => {
    const input = sine(200, 16000, 0.1);
    expect(Array.from(resample(input, 16000))).toEqual(Array.from(input));
    expect(new Resampler(8000).process(new Int16Array(0)).length).toBe(0);
  });
});

describe('PCM16 bytes', () => {
  it('round-trips samples through little-endian bytes, from an unaligned buffer too', () => {
    const samples = Int16Array.from([0, 1, -1, 32767, -32768, 12345]);
    const bytes = pcm16ToBytes(samples);
    const unaligned = new Uint8Array(bytes.length + 1);
    unaligned.set(bytes, 1);
    expect(Array.from(pcm16FromBytes(unaligned.subarray(1)))).toEqual(Array.from(samples));
  });

  it('refuses an odd number of bytes with bad_frame', () => {
    expect(() => pcm16FromBytes(new Uint8Array(3))).toThrow(expect.objectContaining({ code: 'bad_frame' }));
  });
});

describe('WAV', () => {
  it('round-trips mono PCM16', () => {
    const samples = sine(440, 22050, 0.2);
    const decoded = decodeWav(encodeWav(samples, 22050));
    expect(decoded.sampleRate).toBe(22050);
    expect(Array.from(decoded.samples)).toEqual(Array.from(samples));
  });

  it('reads a streamed WAV whose header sizes are placeholders, and downmixes stereo', () => {
    const wav = encodeWav(Int16Array.from([100, 300, -100, -300]), 8000);
    wav.writeUInt16LE(2, 22); // stereo: 2 frames
    wav.writeUInt32LE(0x7fffffff, 40);
    const decoded = decodeWav(wav);
    expect(Array.from(decoded.samples)).toEqual([200, -200]);
  });

  it('waits for more bytes on a partial header and refuses what is not PCM16 WAV with bad_wav', () => {
    const wav = encodeWav(new Int16Array(10), 16000);
    expect(parseWavHeader(wav.subarray(0, 20))).toBeNull();
    expect(parseWavHeader(wav)).toMatchObject({ sampleRate: 16000, channels: 1, dataOffset: 44 });
    expect(() => decodeWav(Buffer.from('not a wav file at all, just text'))).toThrow(
      expect.objectContaining({ code: 'bad_wav' }),
    );
    const float = Buffer.from(wav);
    float.writeUInt16LE(3, 20);
    float.writeUInt16LE(32, 34);
    expect(() => decodeWav(float)).toThrow(expect.objectContaining({ code: 'bad_wav' }));
    expect(() => decodeWav(wav.subarray(0, 30))).toThrow(expect.objectContaining({ code: 'bad_wav' }));
  });
});
