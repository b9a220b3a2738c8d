/**
 * Audio sample helpers shared by the mic worklet (Float32 at the device's rate → PCM16 at
 * 16 kHz in 20 ms frames) and the players (PCM16 or WAV from the server → Float32). Pure code:
 * no Web Audio here, so it runs (and is tested) anywhere, the AudioWorklet scope included.
 */

/** The rate the mic is sent at: what the server's pipeline works in (docs/voice.md `ready`). */
export const CAPTURE_RATE = 16_000;
/** Samples per frame sent: 20 ms at 16 kHz (640 bytes), small enough for quick barge-in. */
export const FRAME_SAMPLES = 320;

/**
 * Float samples (−1…1) to signed 16-bit; out-of-range values are clipped, not wrapped.
 * @example floatToPcm16(new Float32Array([0, 1, -1, 2])) // Int16Array [0, 32767, -32768, 32767]
 */
export function floatToPcm16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i] ?? 0));
    out[i] = s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff);
  }
  return out;
}

/**
 * PCM16LE bytes to float samples. An odd trailing byte (never sent by a correct server) is
 * ignored rather than read as half a sample.
 */
export function pcm16ToFloat(bytes: ArrayBuffer): Float32Array {
  const view = new DataView(bytes);
  const count = Math.floor(bytes.byteLength / 2);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true) / 0x8000;
  return out;
}

/**
 * A streaming linear-interpolation resampler: chunks of any length go in, and the output is
 * the same as resampling the whole signal at once (the position between chunks is carried
 * over, so 128-sample render quanta do not click at their joins).
 * @example const r = new LinearResampler(48_000, 16_000); r.process(block) // ⅓ as many samples
 */
export class LinearResampler {
  /** Input samples per output sample. */
  private readonly step: number;
  /** Where the next output sample falls, in input samples from the start of the next chunk (−1 = the previous chunk's last sample). */
  private position = 0;
  private previous = 0;

  constructor(
    readonly inputRate: number,
    readonly outputRate: number,
  ) {
    if (!(inputRate > 0) || !(outputRate > 0)) throw new RangeError('Sample rates must be positive');
    this.step = inputRate / outputRate;
  }

  process(input: Float32Array): Float32Array {
    if (this.inputRate === this.outputRate) return input.slice();
    const n = input.length;
    if (n === 0) return new Float32Array(0);
    const out = new Float32Array(Math.max(0, Math.floor((n - 1 - this.position) / this.step) + 1));
    let written = 0;
    let position = this.position;
    while (position <= n - 1 && written < out.length) {
      const index = Math.floor(position);
      const fraction = position - index;
      const a = index < 0 ? this.previous : (input[index] ?? 0);
      const b = input[index + 1] ?? a;
      out[written++] = a + (b - a) * fraction;
      position += this.step;
    }
    this.position = position - n;
    this.previous = input[n - 1] ?? 0;
    return written === out.length ? out : out.slice(0, written);
  }
}

/**
 * Collects samples into frames of exactly `size`; what is left waits for the next push.
 * @example const c = new FrameChunker(320); c.push(samples).forEach(send)
 */
export class FrameChunker {
  private pending: Int16Array;
  private filled = 0;

  constructor(readonly size: number) {
    this.pending = new Int16Array(size);
  }

  push(samples: Int16Array): Int16Array[] {
    const frames: Int16Array[] = [];
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(this.size - this.filled, samples.length - offset);
      this.pending.set(samples.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.size) {
        frames.push(this.pending);
        this.pending = new Int16Array(this.size);
        this.filled = 0;
      }
    }
    return frames;
  }
}

/** Root-mean-square level of float samples, 0…1: how loud a block is (meters, the talking face). */
export function rmsLevel(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] ?? 0;
    sum += s * s;
  }
  return Math.sqrt(sum / samples.length);
}

/**
 * Reads a PCM16 WAV file (what POST /api/voice/speak answers) into float samples, mixing
 * channels down to mono. Throws on anything else, so a wrong answer is an error, not noise.
 */
export function parseWav(bytes: ArrayBuffer): { sampleRate: number; samples: Float32Array } {
  const view = new DataView(bytes);
  const tag = (at: number) =>
    String.fromCharCode(
      view.getUint8(at),
      view.getUint8(at + 1),
      view.getUint8(at + 2),
      view.getUint8(at + 3),
    );
  if (bytes.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('Not a WAV file');
  let offset = 12;
  let channels = 0;
  let sampleRate = 0;
  let bits = 0;
  while (offset + 8 <= bytes.byteLength) {
    const id = tag(offset);
    // A streamed WAV may say 0 or 0xffffffff for its data size: read to the end then.
    const declared = view.getUint32(offset + 4, true);
    const size = Math.min(declared, bytes.byteLength - offset - 8);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (view.getUint16(body, true) !== 1) throw new Error('Only PCM WAV files can be played');
      channels = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
      bits = view.getUint16(body + 14, true);
    } else if (id === 'data') {
      if (bits !== 16 || channels < 1 || sampleRate <= 0)
        throw new Error('Only 16-bit PCM WAV files can be played');
      const frames = Math.floor(size / (2 * channels));
      const samples = new Float32Array(frames);
      for (let i = 0; i < frames; i++) {
        let sum = 0;
        for (let c = 0; c < channels; c++) sum += view.getInt16(body + (i * channels + c) * 2, true);
        samples[i] = sum / channels / 0x8000;
      }
      return { sampleRate, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('The WAV file has no audio data');
}
