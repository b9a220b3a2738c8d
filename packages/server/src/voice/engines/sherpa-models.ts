/**
 * Downloadable speech models (sherpa-onnx, issue 14): what the catalog offers, which are
 * installed in `<data dir>/voice-models/<id>/`, and the download (resume and SHA-256 per file,
 * through models/model-download.ts and the guarded outbound client the caller passes).
 *
 * A model is several files (a streaming zipformer is encoder, decoder, joiner and tokens), each
 * pinned by size and SHA-256. Installed means every file is there at its catalog size (the
 * digest was checked when it was downloaded); a file of another size is `model_corrupt`, a
 * missing one `model_missing` — what readiness and `GET /api/voice/models` report.
 */

import { mkdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError, notFound } from '../../errors.js';
import { type DownloadProgress, downloadModel } from '../../models/model-download.js';
import type { EngineKind, EngineReadiness } from './types.js';

export interface VoiceModelFile {
  /** The name in the model's directory (the URL's last segment). */
  name: string;
  url: string;
  sizeBytes: number;
  sha256: string;
}

export interface VoiceModelEntry {
  /** Stable id: the directory name and `POST /api/admin/voice/models/:id`. */
  id: string;
  kind: EngineKind;
  /** The engine id that loads it. */
  engine: string;
  label: string;
  license: string;
  homepage: string;
  files: VoiceModelFile[];
}

/**
 * The small streaming English zipformer (20 M parameters, int8 encoder and joiner; ~45 MB):
 * partial results while audio arrives, trained on LibriSpeech/GigaSpeech. Apache-2.0 (k2-fsa
 * model zoo). Files from its Hugging Face mirror; sizes and SHA-256 (Git LFS object ids; tokens
 * computed) as another project's model catalog pins them — no download is possible on this
 * development machine, so they were not re-verified here; a mismatch fails the download with
 * `checksum_mismatch` rather than installing unknown bytes.
 */
export const ZIPFORMER_EN_20M: VoiceModelEntry = {
  id: 'sherpa-onnx-streaming-zipformer-en-20M-2023-02-17',
  kind: 'stt',
  engine: 'sherpa-zipformer',
  label: 'Streaming zipformer, English (20M, int8)',
  license: 'Apache-2.0',
  homepage: 'https://huggingface.co/csukuangfj/sherpa-onnx-streaming-zipformer-en-20M-2023-02-17',
  files: [
    {
      name: 'encoder-epoch-99-avg-1.int8.onnx',
      sizeBytes: 42_845_182,
      sha256: '3810755ce7c3ab26b42a8bcf39d191308fa27fb0f53358823ba46141d03b7eb3',
    },
    {
      name: 'decoder-epoch-99-avg-1.onnx',
      sizeBytes: 2_092_272,
      sha256: '45a7f940ecfb53d89fa270ad11b88b961e53a317203eb24b1c8e95ed208b0f30',
    },
    {
      name: 'joiner-epoch-99-avg-1.int8.onnx',
      sizeBytes: 259_572,
      sha256: 'e085d73b593cf9b0707f370dbd656d58327d3fe36d80d849202ef81df02cb01e',
    },
    {
      name: 'tokens.txt',
      sizeBytes: 5_048,
      sha256: '49e3c2646595fd907228b3c6787069658f67b17377c60aeb8619c4551b2316fb',
    },
  ].map((file) => ({
    ...file,
    url: `https://huggingface.co/csukuangfj/sherpa-onnx-streaming-zipformer-en-20M-2023-02-17/resolve/main/${file.name}`,
  })),
};

export const VOICE_MODEL_CATALOG: readonly VoiceModelEntry[] = [ZIPFORMER_EN_20M];

export interface VoiceModelStatus extends EngineReadiness {
  id: string;
  kind: EngineKind;
  engine: string;
  label: string;
  sizeBytes: number;
  /** SHA-256 of the model's largest file (its weights); every file's is in `files`. */
  sha256: string;
  license: string;
  installed: boolean;
  files: { name: string; sizeBytes: number; sha256: string }[];
}

export interface VoiceModels {
  /** `<data dir>/voice-models`. */
  readonly dir: string;
  list(): Promise<VoiceModelStatus[]>;
  /** Installed, missing (`model_missing`) or damaged (`model_corrupt`); unknown id → 404. */
  status(id: string): Promise<VoiceModelStatus>;
  /** The directory of an installed model's files. */
  modelDir(id: string): string;
  /**
   * Downloads every file not yet there (resuming partial ones), each checked against its
   * SHA-256; progress counts bytes across the whole model.
   */
  download(
    id: string,
    onProgress?: (progress: DownloadProgress) => void,
    signal?: AbortSignal,
  ): Promise<{ id: string; sizeBytes: number; files: number }>;
}

export function createVoiceModels(options: {
  dataDir: string;
  /** The guarded outbound client's fetch (downloads are admin-only: trusted). */
  fetch?: typeof fetch;
  catalog?: readonly VoiceModelEntry[];
}): VoiceModels {
  const dir = path.join(options.dataDir, 'voice-models');
  const catalog = options.catalog ?? VOICE_MODEL_CATALOG;
  const entry = (id: string) => {
    const found = catalog.find((e) => e.id === id);
    if (!found) throw notFound('model');
    return found;
  };
  const modelDir = (id: string) => path.join(dir, entry(id).id);

  async function status(id: string): Promise<VoiceModelStatus> {
    const model = entry(id);
    const sizes = await Promise.all(
      model.files.map((file) =>
        stat(path.join(modelDir(id), file.name)).then(
          (s) => s.size,
          () => null,
        ),
      ),
    );
    const largest = [...model.files].sort((a, b) => b.sizeBytes - a.sizeBytes)[0]!;
    const base = {
      id: model.id,
      kind: model.kind,
      engine: model.engine,
      label: model.label,
      sizeBytes: model.files.reduce((n, f) => n + f.sizeBytes, 0),
      sha256: largest.sha256,
      license: model.license,
      files: model.files.map(({ name, sizeBytes, sha256 }) => ({ name, sizeBytes, sha256 })),
    };
    const wrong = model.files.find((file, i) => sizes[i] !== null && sizes[i] !== file.sizeBytes);
    if (wrong) {
      return {
        ...base,
        installed: false,
        ready: false,
        code: 'model_corrupt',
        detail: `${model.label}: ${wrong.name} is damaged (wrong size); download the model again`,
      };
    }
    const missing = model.files.filter((_, i) => sizes[i] === null);
    if (missing.length > 0) {
      return {
        ...base,
        installed: false,
        ready: false,
        code: 'model_missing',
        detail: `${model.label} is not downloaded (Settings → Voice, or POST /api/admin/voice/models/${model.id})`,
      };
    }
    return { ...base, installed: true, ready: true };
  }

  return {
    dir,
    modelDir,
    status,
    list: () => Promise.all(catalog.map((e) => status(e.id))),
    async download(id, onProgress, signal) {
      const model = entry(id);
      const target = modelDir(id);
      await mkdir(target, { recursive: true });
      const total = model.files.reduce((n, f) => n + f.sizeBytes, 0);
      let done = 0;
      for (const file of model.files) {
        const size = await stat(path.join(target, file.name)).then(
          (s) => s.size,
          () => null,
        );
        if (size === file.sizeBytes) {
          done += file.sizeBytes;
          continue;
        }
        if (size !== null) {
          // A damaged file is set aside (not deleted: it may be someone's own), then fetched anew.
          await rename(path.join(target, file.name), path.join(target, `${file.name}.damaged`));
        }
        const before = done;
        const downloaded = await downloadModel({
          source: file.url,
          modelsDir: target,
          sha256: file.sha256,
          kind: 'voice',
          signal,
          fetch: options.fetch,
          onProgress: (p) =>
            onProgress?.({
              receivedBytes: before + p.receivedBytes,
              totalBytes: total,
              bytesPerSecond: p.bytesPerSecond,
            }),
        });
        if (downloaded.fileName !== file.name) {
          throw new AppError(502, 'download_failed', `${file.url} did not name the file ${file.name}`);
        }
        done += downloaded.sizeBytes;
        onProgress?.({ receivedBytes: done, totalBytes: total, bytesPerSecond: 0 });
      }
      return { id: model.id, sizeBytes: done, files: model.files.length };
    },
  };
}
