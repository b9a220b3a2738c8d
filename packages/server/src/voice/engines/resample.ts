/**
 * PCM helpers of the voice loop: PCM16LE bytes ↔ samples, a resampler to the pipeline's 16 kHz,
 * and WAV encode/decode with bounds. Pure functions, no dependencies: the transport resamples
 * every client frame through them and the TTS engines decode their subprocess output with them.
 */

import { PIPELINE_SAMPLE_RATE } from './types.js';

export const MIN_SAMPLE_RATE = 8_000;
export const MAX_SAMPLE_RATE = 48_000;

/** An error with a stable `code` (`bad_sample_rate`, `bad_frame`, `bad_wav`). */
export class PcmError extends Error {
  override name = 'PcmError';
  constructor(
    readonly code: 'bad_sample_rate' | 'bad_frame' | 'bad_wav',
    message: string,
  ) {
    super(message);
  }
}

/** Throws `bad_sample_rate` unless `rate` is a whole number of Hz within 8–48 kHz. */
export function assertSampleRate(rate: number): void {
  if (!Number.isInteger(rate) || rate < MIN_SAMPLE_RATE || rate > MAX_SAMPLE_RATE) {
    throw new PcmError(
      'bad_sample_rate',
      `Sample rate ${rate} is outside ${MIN_SAMPLE_RATE}–${MAX_SAMPLE_RATE} Hz`,
    );
  }
}

/**
 * PCM16LE bytes → samples. Copies (the source buffer may be unaligned or reused by the socket).
 * Throws `bad_frame` on an odd length: half a sample means the client's framing is broken.
 */
export function pcm16FromBytes(bytes: Uint8Array): Int16Array {
  if (bytes.byteLength % 2 !== 0) {
    throw new PcmError(
      'bad_frame',
      `PCM16 frame of ${bytes.byteLength} bytes is not a whole number of samples`,
    );
  }
  const samples = new Int16Array(bytes.byteLength / 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true);
  return samples;
}

/** Samples → PCM16LE bytes (a view when the platform is little-endian, which Node's are). */
export function pcm16ToBytes(samples: Int16Array): Buffer {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
}

/**
 * A streaming linear-interpolation resampler from `fromRate` (8–48 kHz) to `toRate` (16 kHz by
 * default). It keeps the last input sample and the fractional position between calls, so
 * frames of any length give the same output as one long buffer (no clicks at frame edges).
 * Downsampling by 2× or more first averages over the step (a box filter) so 44.1/48 kHz input
 * does not alias badly into the speech band; good enough for STT and VAD, which is all it feeds.
 */
export class Resampler {
  private readonly step: number;
  /** Width of the box pre-filter when downsampling (1 = none). */
  private readonly width: number;
  /** The last `width - 1` raw input samples, for the box filter across chunk edges. */
  private history: number[] = [];
  /** Position of the next output sample, in input samples from the current chunk's start (≥ -1). */
  private position = 0;
  /** The previous chunk's last (filtered) sample: index -1 of the current chunk. */
  private previous = 0;

  constructor(
    readonly fromRate: number,
    readonly toRate: number = PIPELINE_SAMPLE_RATE,
  ) {
    assertSampleRate(fromRate);
    assertSampleRate(toRate);
    this.step = fromRate / toRate;
    this.width = this.step >= 2 ? Math.round(this.step) : 1;
  }

  process(input: Int16Array): Int16Array {
    if (this.fromRate === this.toRate) return input.slice();
    if (input.length === 0) return new Int16Array(0);
    const filtered = this.width > 1 ? this.boxFilter(input) : input;
    const last = filtered.length - 1;
    const at = (i: number) => (i < 0 ? this.previous : filtered[i]!);
    const out = new Int16Array(Math.ceil((filtered.length + 1) / this.step) + 1);
    let count = 0;
    let position = this.position;
    // Interpolate between samples base and base + 1; stop when base + 1 is in the next chunk.
    while (Math.floor(position) < last) {
      const base = Math.floor(position);
      const a = at(base);
      const value = a + (at(base + 1) - a) * (position - base);
      out[count++] = Math.max(-32768, Math.min(32767, Math.round(value)));
      position += this.step;
    }
    this.position = position - filtered.length;
    this.previous = filtered[last]!;
    return out.slice(0, count);
  }

  /** Moving average over `width` input samples, continuous across chunks. */
  private boxFilter(input: Int16Array): Float64Array {
    const width = this.width;
    const extended = [...this.history, ...input];
    const pad = this.history.length;
    const out = new Float64Array(input.length);
    let sum = 0;
    for (let i = 0; i < extended.length; i++) {
      sum += extended[i]!;
      if (i >= width) sum -= extended[i - width]!;
      if (i >= pad) out[i - pad] = sum / Math.min(width, i + 1);
    }
    this.history = extended.slice(Math.max(0, extended.length - (width - 1)));
    return out;
  }
}

/** One-shot resampling of a whole buffer (TTS output for a WAV reply, tests). */
export function resample(
  input: Int16Array,
  fromRate: number,
  toRate: number = PIPELINE_SAMPLE_RATE,
): Int16Array {
  return new Resampler(fromRate, toRate).process(input);
}

/* ------------------------------------------------------------------ WAV */

/** The largest WAV `decodeWav` accepts (10 minutes of 48 kHz PCM16 stereo is ~110 MB). */
export const MAX_WAV_BYTES = 64 * 1024 * 1024;

/** A mono PCM16 WAV file (44-byte canonical header). */
export function encodeWav(samples: Int16Array, sampleRate: number): Buffer {
  const dataBytes = samples.byteLength;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return Buffer.concat([header, pcm16ToBytes(samples)]);
}

export interface WavHeader {
  sampleRate: number;
  channels: number;
  /** Byte offset of the first sample. */
  dataOffset: number;
  /** Bytes of sample data the header declares (streams write 0 or 0x7fffffff: use what arrives). */
  declaredDataBytes: number;
}

/**
 * Parses a PCM16 WAV header from the start of `bytes`; null when more bytes are needed (a stream
 * that has not sent the whole header yet). Throws `bad_wav` for anything that is not PCM16.
 */
export function parseWavHeader(bytes: Uint8Array): WavHeader | null {
  if (bytes.byteLength < 12) return null;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new PcmError('bad_wav', 'Not a RIFF/WAVE file');
  }
  let offset = 12;
  let format: { sampleRate: number; channels: number } | null = null;
  // Chunks are bounded by the input; at most 64 chunks before `data` (a header is never longer).
  for (let chunks = 0; chunks < 64; chunks++) {
    if (offset + 8 > buf.length) return null;
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    if (id === 'fmt ') {
      if (offset + 8 + 16 > buf.length) return null;
      const audioFormat = buf.readUInt16LE(offset + 8);
      const channels = buf.readUInt16LE(offset + 10);
      const sampleRate = buf.readUInt32LE(offset + 12);
      const bits = buf.readUInt16LE(offset + 22);
      // 0xfffe (WAVE_FORMAT_EXTENSIBLE) with 16-bit samples is PCM too.
      if ((audioFormat !== 1 && audioFormat !== 0xfffe) || bits !== 16 || channels < 1 || channels > 8) {
        throw new PcmError('bad_wav', `Only PCM16 WAV is supported (format ${audioFormat}, ${bits} bits)`);
      }
      if (sampleRate < 1000 || sampleRate > 384_000) {
        throw new PcmError('bad_wav', `WAV sample rate ${sampleRate} is not plausible`);
      }
      format = { sampleRate, channels };
    } else if (id === 'data') {
      if (!format) throw new PcmError('bad_wav', 'WAV data chunk before its fmt chunk');
      return { ...format, dataOffset: offset + 8, declaredDataBytes: size };
    }
    offset += 8 + size + (size % 2);
    if (offset > MAX_WAV_BYTES) throw new PcmError('bad_wav', 'WAV header is implausibly long');
  }
  throw new PcmError('bad_wav', 'WAV has no data chunk');
}

/** Decodes a whole PCM16 WAV to mono samples (channels averaged). */
export function decodeWav(bytes: Uint8Array): { samples: Int16Array; sampleRate: number } {
  if (bytes.byteLength > MAX_WAV_BYTES) {
    throw new PcmError('bad_wav', `WAV of ${bytes.byteLength} bytes is over the ${MAX_WAV_BYTES}-byte limit`);
  }
  const header = parseWavHeader(bytes);
  if (!header) throw new PcmError('bad_wav', 'WAV header is truncated');
  const available = bytes.byteLength - header.dataOffset;
  const declared = header.declaredDataBytes;
  // Streamed WAVs declare 0 or 0xffffffff-ish sizes: trust the bytes present, never more.
  const dataBytes = declared > 0 && declared <= available ? declared : available;
  const frameBytes = 2 * header.channels;
  const frames = Math.floor(dataBytes / frameBytes);
  const interleaved = pcm16FromBytes(
    bytes.subarray(header.dataOffset, header.dataOffset + frames * frameBytes),
  );
  return { samples: downmix(interleaved, header.channels), sampleRate: header.sampleRate };
}

/** Interleaved → mono by averaging. */
export function downmix(interleaved: Int16Array, channels: number): Int16Array {
  if (channels === 1) return interleaved;
  const frames = Math.floor(interleaved.length / channels);
  const mono = new Int16Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[f * channels + c]!;
    mono[f] = Math.round(sum / channels);
  }
  return mono;
}

/** Concatenates sample buffers. */
export function concatSamples(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
