/**
 * Streaming speech recognition with a sherpa-onnx transducer (the streaming zipformer of the
 * model catalog, `sherpa-models.ts`), once its files are downloaded. Partials after every write
 * that changes the text, the final text on `finish` (with 0.3 s of silence appended so the
 * last word is flushed out of the model's look-ahead).
 *
 * One recognizer (the weights) is shared by every stream. Decoding runs on the calling thread in
 * the small steps `write` feeds (a 100 ms packet decodes in a few milliseconds for a 20 M model);
 * a worker thread would be the next step for many concurrent calls. As with Silero, a model is
 * first loaded in a child process (ONNX aborts the process on a broken file): `model_corrupt`.
 *
 * No real weights can be downloaded on the development machines, so this engine is tested for
 * readiness (missing, corrupt) only; its recognition path has not run here.
 */

import fs from 'node:fs';
import path from 'node:path';
import { sttError } from './pocketsphinx-stt.js';
import { type VoiceModels, ZIPFORMER_EN_20M } from './sherpa-models.js';
import {
  loadSherpa,
  loadsInChildProcess,
  type SherpaOnlineRecognizer,
  type SherpaOnlineStream,
} from './sherpa-vad.js';
import { type EngineReadiness, PIPELINE_SAMPLE_RATE, type SttEngine, type SttStream } from './types.js';

export interface SherpaSttOptions {
  models: VoiceModels;
  /** A catalog entry of kind `stt` with encoder, decoder, joiner and tokens files. */
  modelId?: string;
}

/** The transducer's files, found by name in the model's directory. */
function transducerConfig(dir: string, files: string[]) {
  const find = (part: string) => path.join(dir, files.find((f) => f.startsWith(part)) ?? `${part}.onnx`);
  return {
    featConfig: { sampleRate: PIPELINE_SAMPLE_RATE, featureDim: 80 },
    modelConfig: {
      transducer: { encoder: find('encoder'), decoder: find('decoder'), joiner: find('joiner') },
      tokens: path.join(dir, 'tokens.txt'),
      numThreads: 1,
      provider: 'cpu',
      debug: 0,
    },
    decodingMethod: 'greedy_search',
    enableEndpoint: false,
  };
}

export function createSherpaStt(options: SherpaSttOptions): SttEngine {
  const modelId = options.modelId ?? ZIPFORMER_EN_20M.id;
  let recognizer: SherpaOnlineRecognizer | null = null;

  async function readiness(): Promise<EngineReadiness> {
    const sherpa = loadSherpa();
    if ('error' in sherpa) {
      return {
        ready: false,
        code: 'engine_not_installed',
        detail: `sherpa-onnx-node does not load here (${sherpa.error})`,
      };
    }
    const status = await options.models.status(modelId);
    if (!status.ready) return { ready: false, code: status.code, detail: status.detail };
    const dir = options.models.modelDir(modelId);
    const config = transducerConfig(
      dir,
      status.files.map((f) => f.name),
    );
    const key = status.files
      .map((f) => {
        const stats = fs.statSync(path.join(dir, f.name));
        return `${f.name}:${stats.size}:${stats.mtimeMs}`;
      })
      .join('|');
    if (!(await loadsInChildProcess(`${dir}|${key}`, `new s.OnlineRecognizer(${JSON.stringify(config)})`))) {
      return {
        ready: false,
        code: 'model_corrupt',
        detail: `${status.label} does not load; download it again`,
      };
    }
    return { ready: true };
  }

  return {
    id: 'sherpa-zipformer',
    kind: 'stt',
    family: 'sherpa',
    label: 'Streaming zipformer (sherpa-onnx)',
    remote: false,
    streaming: true,
    readiness,
    async open({ language, signal }): Promise<SttStream> {
      if (language && !/^en\b/i.test(language)) {
        throw sttError('stt_language_unsupported', `This model recognises English only, not ${language}`);
      }
      const state = await readiness();
      if (!state.ready) throw sttError(state.code ?? 'stt_engine_unavailable', state.detail ?? 'Not ready');
      if (!recognizer) {
        const sherpa = loadSherpa() as {
          module: { OnlineRecognizer: new (c: object) => SherpaOnlineRecognizer };
        };
        const status = await options.models.status(modelId);
        recognizer = new sherpa.module.OnlineRecognizer(
          transducerConfig(
            options.models.modelDir(modelId),
            status.files.map((f) => f.name),
          ),
        );
      }
      const stream = new SherpaStream(recognizer);
      if (signal?.aborted) stream.close();
      else signal?.addEventListener('abort', () => stream.close(), { once: true });
      return stream;
    },
  };
}

class SherpaStream implements SttStream {
  private stream: SherpaOnlineStream;
  private readonly partialListeners: Array<(text: string) => void> = [];
  private last = '';
  private wrote = false;
  private closed = false;

  constructor(private readonly recognizer: SherpaOnlineRecognizer) {
    this.stream = recognizer.createStream();
  }

  write(samples: Int16Array): void {
    if (this.closed || samples.length === 0) return;
    this.wrote = true;
    const floats = new Float32Array(samples.length);
    for (let i = 0; i < samples.length; i++) floats[i] = samples[i]! / 32768;
    this.stream.acceptWaveform({ samples: floats, sampleRate: PIPELINE_SAMPLE_RATE });
    const text = this.decode();
    if (text !== this.last) {
      this.last = text;
      for (const listener of this.partialListeners) listener(text);
    }
  }

  private decode(): string {
    while (this.recognizer.isReady(this.stream)) this.recognizer.decode(this.stream);
    return this.recognizer.getResult(this.stream).text.trim().toLowerCase();
  }

  onPartial(listener: (text: string) => void): void {
    this.partialListeners.push(listener);
  }

  onError(): void {
    // Decoding is in-process and synchronous: failures throw from write/finish.
  }

  async finish(): Promise<string> {
    if (this.closed || !this.wrote) return '';
    this.stream.acceptWaveform({
      samples: new Float32Array(PIPELINE_SAMPLE_RATE * 0.3),
      sampleRate: PIPELINE_SAMPLE_RATE,
    });
    this.stream.inputFinished();
    const text = this.decode();
    // A fresh stream for the next utterance (an input-finished stream takes no more audio).
    this.stream = this.recognizer.createStream();
    this.last = '';
    this.wrote = false;
    return text;
  }

  close(): void {
    this.closed = true;
  }
}
