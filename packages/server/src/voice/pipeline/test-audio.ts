/** Audio for the pipeline's tests: a 16 kHz tone (voiced for an energy VAD) and quiet noise. */
export function tone(ms: number, amplitude = 8_000, hz = 220): Int16Array {
  const out = new Int16Array(Math.round(16 * ms));
  for (let i = 0; i < out.length; i++)
    out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / 16_000));
  return out;
}

/** Low noise (about -70 dBFS), deterministic. */
export function hush(ms: number): Int16Array {
  const out = new Int16Array(Math.round(16 * ms));
  let seed = 7;
  for (let i = 0; i < out.length; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    out[i] = (seed % 21) - 10;
  }
  return out;
}

/** `samples` cut into 16 kHz `audio-in` frames of `packetMs`, 100 ms apart on the frame clock. */
export function packets(samples: Int16Array, packetMs = 100, startAt = 0) {
  const per = 16 * packetMs;
  const frames = [];
  for (let i = 0, n = 0; i < samples.length; i += per, n++) {
    frames.push({
      kind: 'audio-in' as const,
      at: startAt + n * packetMs,
      samples: samples.slice(i, i + per),
      sampleRate: 16_000,
    });
  }
  return frames;
}

export function join(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
