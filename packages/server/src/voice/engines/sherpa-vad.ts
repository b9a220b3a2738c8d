/**
 * Silero VAD through sherpa-onnx (`sherpa-onnx-node`, Apache-2.0, its own ONNX runtime inside
 * the npm package: nothing downloaded at install). A neural detector: it tells speech from
 * noise and music where the energy VAD only sees loudness. Needs the Silero VAD model
 * (`silero_vad.onnx`, v4 or v5, MIT, ~2 MB) in `<data dir>/voice-models/silero-vad/` or at the
 * path given; without it the registry falls back to the builtin energy VAD.
 *
 * A model ONNX cannot parse does not throw in sherpa: it aborts the process. So a model file is
 * first loaded once in a child Node process (keyed by path, size and modification time); only a
 * model that loaded there is loaded in the server.
 *
 * sherpa's detector reports a decision (`isDetected`) per 512-sample window rather than a
 * probability, with its own short smoothing (100 ms here, so the pipeline's endpointing stays in
 * charge); `process` returns 1 or 0. Segments it collects are dropped at once: only the
 * decision is used.
 */

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { PcmError } from './resample.js';
import type { EngineReadiness, VadDetector, VadEngine } from './types.js';

const WINDOW = 512;

interface SherpaVad {
  acceptWaveform(samples: Float32Array): void;
  isDetected(): boolean;
  isEmpty(): boolean;
  pop(): void;
  reset(): void;
}
export interface SherpaOnlineStream {
  acceptWaveform(input: { samples: Float32Array; sampleRate: number }): void;
  inputFinished(): void;
}
export interface SherpaOnlineRecognizer {
  createStream(): SherpaOnlineStream;
  isReady(stream: SherpaOnlineStream): boolean;
  decode(stream: SherpaOnlineStream): void;
  reset(stream: SherpaOnlineStream): void;
  getResult(stream: SherpaOnlineStream): { text: string };
}
export interface SherpaModule {
  Vad: new (config: Record<string, unknown>, bufferSizeInSeconds: number) => SherpaVad;
  OnlineRecognizer: new (config: Record<string, unknown>) => SherpaOnlineRecognizer;
}

let loaded: { module: SherpaModule } | { error: string } | null = null;

/**
 * Loads the native addon once. Through `createRequire` so the server bundle leaves it (a
 * CommonJS package with a platform-specific `.node` file) to Node's own resolution.
 */
export function loadSherpa(): { module: SherpaModule } | { error: string } {
  if (!loaded) {
    try {
      loaded = { module: createRequire(import.meta.url)('sherpa-onnx-node') as SherpaModule };
    } catch (err) {
      loaded = { error: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
    }
  }
  return loaded;
}

export interface SherpaVadOptions {
  /** Path of silero_vad.onnx. */
  model: string;
  /** Speech above this (0–1) counts (default 0.5). */
  threshold?: number;
}

/** Models that loaded in a child process: `path|size|mtime` → the outcome. */
const probed = new Map<string, Promise<boolean>>();

function vadConfig(model: string, threshold: number) {
  return {
    sileroVad: { model, threshold, minSpeechDuration: 0.1, minSilenceDuration: 0.1, windowSize: WINDOW },
    sampleRate: 16_000,
    numThreads: 1,
    debug: false,
    provider: 'cpu',
  };
}

/**
 * Runs `construct` (a sherpa-onnx constructor call on `s`, the module) in a throwaway Node
 * process: true when it returned (exit 0) within 20 s. Results are kept per `key` (paths, sizes
 * and modification times of the files), so a model is probed once until it changes.
 */
export function loadsInChildProcess(key: string, construct: string): Promise<boolean> {
  let result = probed.get(key);
  if (!result) {
    const addon = createRequire(import.meta.url).resolve('sherpa-onnx-node');
    const script = `const s = require(${JSON.stringify(addon)}); ${construct};`;
    result = new Promise<boolean>((resolve) => {
      execFile(process.execPath, ['-e', script], { timeout: 20_000 }, (err) => resolve(!err));
    });
    probed.set(key, result);
  }
  return result;
}

function probeModel(model: string, stats: fs.Stats): Promise<boolean> {
  return loadsInChildProcess(
    `${model}|${stats.size}|${stats.mtimeMs}`,
    `new s.Vad(${JSON.stringify(vadConfig(model, 0.5))}, 1)`,
  );
}

export function createSherpaVad(options: SherpaVadOptions): VadEngine {
  const readiness = async (): Promise<EngineReadiness> => {
    const sherpa = loadSherpa();
    if ('error' in sherpa) {
      return {
        ready: false,
        code: 'engine_not_installed',
        detail: `sherpa-onnx-node does not load here (${sherpa.error}): npm install sherpa-onnx-node`,
      };
    }
    let stats: fs.Stats;
    try {
      stats = fs.statSync(options.model);
    } catch {
      return {
        ready: false,
        code: 'model_missing',
        detail: `The Silero VAD model is not at ${options.model} (silero_vad.onnx, MIT, from the silero-vad project)`,
      };
    }
    // Both published versions are 0.6–2.5 MB; anything far off is a broken copy.
    if (stats.size < 100_000 || stats.size > 10_000_000 || !(await probeModel(options.model, stats))) {
      return {
        ready: false,
        code: 'model_corrupt',
        detail: `${options.model} is not a Silero VAD model ONNX can load; replace it`,
      };
    }
    return { ready: true };
  };

  return {
    id: 'sherpa-silero',
    kind: 'vad',
    family: 'sherpa',
    label: 'Silero VAD (sherpa-onnx)',
    remote: false,
    frameSamples: WINDOW,
    readiness,
    async open(): Promise<VadDetector> {
      const state = await readiness();
      if (!state.ready) {
        throw Object.assign(new Error(state.detail ?? 'Silero VAD is not ready'), { code: state.code });
      }
      const sherpa = loadSherpa() as { module: SherpaModule };
      let vad: SherpaVad;
      try {
        vad = new sherpa.module.Vad(vadConfig(options.model, options.threshold ?? 0.5), 5);
      } catch (err) {
        // A file of the right size that ONNX cannot read.
        throw Object.assign(new Error(`The Silero VAD model does not load: ${(err as Error).message}`), {
          code: 'model_corrupt',
        });
      }
      const floats = new Float32Array(WINDOW);
      let closed = false;
      return {
        process(frame: Int16Array): number {
          if (closed) throw new Error('VAD detector is closed');
          if (frame.length !== WINDOW) {
            throw new PcmError('bad_frame', `VAD frame has ${frame.length} samples, expected ${WINDOW}`);
          }
          for (let i = 0; i < WINDOW; i++) floats[i] = frame[i]! / 32768;
          vad.acceptWaveform(floats);
          while (!vad.isEmpty()) vad.pop();
          return vad.isDetected() ? 1 : 0;
        },
        reset() {
          vad.reset();
        },
        close() {
          closed = true;
        },
      };
    },
  };
}
