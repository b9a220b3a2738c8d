/**
 * The builtin voice activity detector: frame energy against an adaptive noise floor, with
 * hysteresis. No model, no native code, so it is always ready — the fallback when Silero VAD
 * (sherpa-onnx) is not installed, and the reference the VAD conformance suite checks first.
 *
 * Why this shape: a fixed energy threshold fails both in a quiet room (breathing counts as
 * speech) and with a fan running (everything counts). Tracking the floor — down at once when the
 * room gets quieter, up slowly while nobody talks, barely at all during speech — keeps the
 * threshold a margin above whatever the background is. Hysteresis (a lower margin once speaking)
 * keeps the trailing, quieter end of words from flickering to silence.
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
  private floorDb = -60;
  private speaking = false;
  /** Consecutive frames on the other side of 0.5 than the current state. */
  private flips = 0;
  private closed = false;

  constructor(
    private readonly frameSamples: number,
    private readonly onset: number,
    private readonly hold: number,
    private readonly absoluteFloor: number,
  ) {}

  process(frame: Int16Array): number {
    if (this.closed) throw new Error('VAD detector is closed');
    if (frame.length !== this.frameSamples) {
      throw new PcmError('bad_frame', `VAD frame has ${frame.length} samples, expected ${this.frameSamples}`);
    }
    const db = frameDb(frame);
    const margin = this.speaking ? this.hold : this.onset;
    const snr = db - this.floorDb;
    // A logistic around the margin: 0.5 exactly at it, ~0.95 six dB above.
    let probability = 1 / (1 + Math.exp(-(snr - margin) / 2));
    if (db < this.absoluteFloor) probability = Math.min(probability, 0.05);

    // Noise floor: falls fast, rises slowly in non-speech and very slowly during speech.
    if (db < this.floorDb) this.floorDb += (db - this.floorDb) * 0.3;
    else this.floorDb += (db - this.floorDb) * (probability < 0.5 ? 0.05 : 0.004);
    this.floorDb = Math.max(this.floorDb, -90);

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
    this.floorDb = -60;
    this.speaking = false;
    this.flips = 0;
  }

  close(): void {
    this.closed = true;
  }
}
