/**
 * The builtin voice activity detector: frame energy against an adaptive noise floor, with
 * hysteresis. No model, no native code, so it is always ready — the fallback when Silero VAD
 * (sherpa-onnx) is not installed, and the reference the VAD conformance suite checks first.
 *
 * Why this shape: a fixed energy threshold fails both in a quiet room (breathing counts as
 * speech) and with a fan running (everything counts). The noise floor is the quietest frame of
 * the last two seconds ("minimum statistics"): speech always has dips between syllables and
 * words that reach the background, steady noise never rises above itself, so the floor follows
 * a fan switched on within two seconds and is not pulled up by talking. The threshold is a
 * margin above it; hysteresis (a lower margin once speaking) keeps the trailing, quieter end of
 * words from flickering to silence.
 */

import { PcmError } from './resample.js';
import type { EngineReadiness, VadDetector, VadEngine } from './types.js';

export interface EnergyVadOptions {
  /** Samples per frame at 16 kHz (default 320 = 20 ms: barge-in reacts within one frame). */
  frameSamples?: number;
  /** dB above the noise floor where speech becomes likely when silent (default 12). */
  onsetMarginDb?: number;
  /** dB above the floor that still counts as speech once speaking (default 6). */
  holdMarginDb?: number;
  /** Frames below -55 dBFS are never speech however quiet the floor (default -55). */
  absoluteFloorDb?: number;
}

const SILENCE_DB = -100;
/** The floor assumed before any history (a quiet room): the window starts filled with it. */
const INITIAL_FLOOR_DB = -60;
/** Frames of history the floor is the minimum of: two seconds. */
const floorWindowFrames = (frameSamples: number) => Math.max(10, Math.round((2 * 16_000) / frameSamples));

export function createEnergyVad(options: EnergyVadOptions = {}): VadEngine {
  const frameSamples = options.frameSamples ?? 320;
  const onset = options.onsetMarginDb ?? 12;
  const hold = options.holdMarginDb ?? 6;
  const absoluteFloor = options.absoluteFloorDb ?? -55;
  return {
    id: 'energy',
    kind: 'vad',
    family: 'builtin',
    label: 'Energy VAD (builtin)',
    remote: false,
    frameSamples,
    async readiness(): Promise<EngineReadiness> {
      return { ready: true };
    },
    async open(): Promise<VadDetector> {
      return new EnergyDetector(frameSamples, onset, hold, absoluteFloor);
    },
  };
}

/** Frame level in dBFS (RMS relative to full scale). */
export function frameDb(frame: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < frame.length; i++) sum += frame[i]! * frame[i]!;
  if (sum === 0 || frame.length === 0) return SILENCE_DB;
  return Math.max(SILENCE_DB, 10 * Math.log10(sum / frame.length / (32768 * 32768)));
}

class EnergyDetector implements VadDetector {
  /** Ring of recent frame levels (dBFS). */
  private readonly history: Float64Array;
  private cursor = 0;
  private speaking = false;
  /** Consecutive frames on the other side of 0.5 than the current state. */
  private flips = 0;
  private closed = false;

  constructor(
    private readonly frameSamples: number,
    private readonly onset: number,
    private readonly hold: number,
    private readonly absoluteFloor: number,
  ) {
    this.history = new Float64Array(floorWindowFrames(frameSamples)).fill(INITIAL_FLOOR_DB);
  }

  process(frame: Int16Array): number {
    if (this.closed) throw new Error('VAD detector is closed');
    if (frame.length !== this.frameSamples) {
      throw new PcmError('bad_frame', `VAD frame has ${frame.length} samples, expected ${this.frameSamples}`);
    }
    const db = frameDb(frame);
    this.history[this.cursor] = db;
    this.cursor = (this.cursor + 1) % this.history.length;
    let floorDb = Number.POSITIVE_INFINITY;
    for (const level of this.history) floorDb = Math.min(floorDb, level);
    floorDb = Math.max(floorDb, -90);
    const margin = this.speaking ? this.hold : this.onset;
    const snr = db - floorDb;
    // A logistic around the margin: 0.5 exactly at it, ~0.95 six dB above.
    let probability = 1 / (1 + Math.exp(-(snr - margin) / 2));
    if (db < this.absoluteFloor) probability = Math.min(probability, 0.05);

    // Hysteresis: 2 frames (40 ms) to start speaking, 10 frames (200 ms) to stop.
    const voiced = probability >= 0.5;
    if (voiced !== this.speaking) {
      this.flips++;
      if (this.flips >= (this.speaking ? 10 : 2)) {
        this.speaking = voiced;
        this.flips = 0;
      }
    } else {
      this.flips = 0;
    }
    return probability;
  }

  reset(): void {
    this.history.fill(INITIAL_FLOOR_DB);
    this.cursor = 0;
    this.speaking = false;
    this.flips = 0;
  }

  close(): void {
    this.closed = true;
  }
}
