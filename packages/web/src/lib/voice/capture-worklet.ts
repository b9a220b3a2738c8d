/**
 * The mic's AudioWorkletProcessor (loaded by mic-capture.ts through Vite's `?worker&url`, so it
 * is a same-origin script the CSP allows). It runs on the audio thread: every 128-sample render
 * quantum at the device's rate is resampled to 16 kHz, turned into PCM16 and posted in 20 ms
 * frames (the buffer is transferred, not copied), with the input level about every 50 ms.
 */
import { CAPTURE_RATE, FRAME_SAMPLES, FrameChunker, floatToPcm16, LinearResampler, rmsLevel } from './pcm';

// The AudioWorkletGlobalScope is not in TypeScript's DOM library.
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: new () => AudioWorkletProcessor): void;

/** Messages the processor posts: a frame of PCM16 (its ArrayBuffer), or the level 0…1. */
export type CaptureMessage = { type: 'frame'; pcm: ArrayBuffer } | { type: 'level'; level: number };

const LEVEL_EVERY_QUANTA = Math.max(1, Math.round((sampleRate * 0.05) / 128));

class PcmCaptureProcessor extends AudioWorkletProcessor {
  private readonly resampler = new LinearResampler(sampleRate, CAPTURE_RATE);
  private readonly chunker = new FrameChunker(FRAME_SAMPLES);
  private quanta = 0;
  private loudest = 0;

  process(inputs: Float32Array[][]): boolean {
    const channel = inputs[0]?.[0];
    if (!channel) return true;
    this.loudest = Math.max(this.loudest, rmsLevel(channel));
    if (++this.quanta % LEVEL_EVERY_QUANTA === 0) {
      this.port.postMessage({ type: 'level', level: this.loudest } satisfies CaptureMessage);
      this.loudest = 0;
    }
    for (const frame of this.chunker.push(floatToPcm16(this.resampler.process(channel)))) {
      this.port.postMessage({ type: 'frame', pcm: frame.buffer as ArrayBuffer } satisfies CaptureMessage, [
        frame.buffer as ArrayBuffer,
      ]);
    }
    return true;
  }
}

registerProcessor('lumina-pcm-capture', PcmCaptureProcessor);
