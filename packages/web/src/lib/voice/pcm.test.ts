import { describe, expect, it } from 'vitest';
import {
  FRAME_SAMPLES,
  FrameChunker,
  floatToPcm16,
  LinearResampler,
  parseWav,
  pcm16ToFloat,
  rmsLevel,
} from './pcm';
import { wavFile } from './scripted-audio';

const sine = (frequency: number, rate: number, count: number, amplitude = 0.5) =>
  Float32Array.from({ length: count }, (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / rate));

describe('PCM16 encoding', () => {
  it('maps −1…1 to the full 16-bit range and clips what is outside', () => {
    expect(Array.from(floatToPcm16(new Float32Array([0, 1, -1, 0.5, 2, -3])))).toEqual([
      0, 32767, -32768, 16384, 32767, -32768,
    ]);
  });

  it('reads little-endian PCM16 back within one step, ignoring an odd last byte', () => {
    const samples = sine(440, 16_000, 160);
    const pcm = floatToPcm16(samples);
    const bytes = new Uint8Array(pcm.byteLength + 1);
    bytes.set(new Uint8Array(pcm.buffer));
    const back = pcm16ToFloat(bytes.buffer);
    expect(back).toHaveLength(160);
    // Little-endian on the wire: the first sample of a positive ramp has its low byte first.
    expect(new DataView(pcm.buffer).getInt16(2, true)).toBe(pcm[1]);
    const worst = Math.max(...Array.from(back, (value, i) => Math.abs(value - (samples[i] ?? 0))));
    expect(worst).toBeLessThan(1 / 16_000);
  });
});

describe('LinearResampler', () => {
  it('48 kHz in 128-sample render quanta gives the same 16 kHz signal as one pass, a third as long', () => {
    const input = sine(440, 48_000, 48_000);
    const whole = new LinearResampler(48_000, 16_000).process(input);
    const streamed = new LinearResampler(48_000, 16_000);
    const parts: number[] = [];
    for (let i = 0; i < input.length; i += 128) parts.push(...streamed.process(input.subarray(i, i + 128)));
    expect(whole).toHaveLength(16_000);
    expect(parts).toHaveLength(16_000);
    expect(Math.max(...parts.map((value, i) => Math.abs(value - (whole[i] ?? 0))))).toBeLessThan(1e-6);
    // Still a 440 Hz tone at the new rate.
    for (const i of [10, 1234, 9999, 15_999])
      expect(parts[i]).toBeCloseTo(0.5 * Math.sin((2 * Math.PI * 440 * i) / 16_000), 2);
  });

  it('44.1 kHz (a rate that does not divide evenly) keeps the timing across chunk joins', () => {
    const input = sine(300, 44_100, 44_100);
    const streamed = new LinearResampler(44_100, 16_000);
    const out: number[] = [];
    for (let i = 0; i < input.length; i += 128) out.push(...streamed.process(input.subarray(i, i + 128)));
    expect(Math.abs(out.length - 16_000)).toBeLessThanOrEqual(1);
    for (const i of [1, 777, 8000, 15_990])
      expect(out[i]).toBeCloseTo(0.5 * Math.sin((2 * Math.PI * 300 * i) / 16_000), 2);
  });

  it('passes audio already at 16 kHz through unchanged, and refuses a rate of 0', () => {
    const input = sine(200, 16_000, 500);
    expect(Array.from(new LinearResampler(16_000, 16_000).process(input))).toEqual(Array.from(input));
    expect(() => new LinearResampler(0, 16_000)).toThrow(RangeError);
  });
});

describe('FrameChunker', () => {
  it('turns 128-sample blocks into 20 ms frames of exactly 320 samples, losing nothing', () => {
    const chunker = new FrameChunker(FRAME_SAMPLES);
    const frames: Int16Array[] = [];
    let next = 0;
    for (let block = 0; block < 10; block++) {
      const samples = Int16Array.from({ length: 128 }, () => next++);
      frames.push(...chunker.push(samples));
    }
    // 1,280 samples = 4 frames; nothing left over.
    expect(frames.map((f) => f.length)).toEqual([320, 320, 320, 320]);
    expect(frames.flatMap((f) => Array.from(f))).toEqual(Array.from({ length: 1280 }, (_, i) => i));
    // Each frame has its own buffer (it is transferred to the main thread).
    expect(new Set(frames.map((f) => f.buffer)).size).toBe(4);
    expect(chunker.push(new Int16Array(100))).toEqual([]);
  });
});

describe('parseWav and rmsLevel', () => {
  it('reads a PCM16 WAV file back to its samples and rate', () => {
    const samples = sine(500, 22_050, 2205);
    const parsed = parseWav(wavFile(samples, 22_050));
    expect(parsed.sampleRate).toBe(22_050);
    expect(parsed.samples).toHaveLength(2205);
    expect(parsed.samples[100]).toBeCloseTo(samples[100] ?? 0, 3);
    expect(rmsLevel(parsed.samples)).toBeCloseTo(0.5 / Math.SQRT2, 2);
    expect(rmsLevel(new Float32Array(0))).toBe(0);
  });

  it('refuses what is not 16-bit PCM WAV, in words', () => {
    expect(() => parseWav(new TextEncoder().encode('{"error":{}}').buffer as ArrayBuffer)).toThrow(
      'Not a WAV file',
    );
    const float = wavFile(new Float32Array(4), 16_000);
    new DataView(float).setUint16(20, 3, true);
    expect(() => parseWav(float)).toThrow('Only PCM WAV files can be played');
  });
});
