import fs from 'node:fs/promises';
import path from 'node:path';
import { readGgufMetadata } from '../models/gguf-metadata.js';
import { type DownloadProgress, downloadModel } from '../models/model-download.js';
import { installEngine, isEngineInstalled } from '../providers/llama-cpp/engine-install.js';

export interface LocalModelFile {
  file: string;
  sizeBytes: number;
  architecture: string | null;
  contextLength: number | null;
}

/**
 * The embedded engine and the GGUF files in `<data dir>/models`: status, install, download.
 * Installing and downloading change the whole instance, so the routes are admin-only.
 */
export function createLocalModelService(deps: {
  modelsDir: string;
  engineDir?: string | undefined;
  onChange: () => void;
  /** Downloads go through the guarded outbound client (admin-only routes: trusted, capped redirects). */
  fetch?: typeof globalThis.fetch;
}) {
  const engine = deps.engineDir ? { engineDir: deps.engineDir } : {};
  const listModels = async (): Promise<LocalModelFile[]> => {
    const names = await fs.readdir(deps.modelsDir).catch(() => [] as string[]);
    return Promise.all(
      names
        .filter((name) => name.endsWith('.gguf'))
        .map(async (file) => {
          const full = path.join(deps.modelsDir, file);
          const [stat, meta] = await Promise.all([
            fs.stat(full),
            readGgufMetadata(full).catch(() => undefined),
          ]);
          return {
            file,
            sizeBytes: stat.size,
            architecture: meta?.architecture ?? null,
            contextLength: meta?.contextLength ?? null,
          };
        }),
    );
  };
  return {
    async status(): Promise<{ engineInstalled: boolean; modelsDir: string; models: LocalModelFile[] }> {
      const models = await listModels();
      return { engineInstalled: await isEngineInstalled(engine), modelsDir: deps.modelsDir, models };
    },

    /**
     * The GGUF files in the models folder, without asking whether the engine is installed:
     * that imports node-llama-cpp (~0.6 s of CPU), which start-up must not pay (issue 11).
     */
    models: listModels,

    async install(onOutput: (progress: { line: string }) => void, signal?: AbortSignal) {
      const result = await installEngine({
        ...engine,
        onOutput: (line) => onOutput({ line }),
        ...(signal ? { signal } : {}),
      });
      deps.onChange();
      return result;
    },

    async download(
      input: { source: string; sha256?: string | undefined },
      onProgress: (progress: DownloadProgress) => void,
      signal?: AbortSignal,
    ) {
      await fs.mkdir(deps.modelsDir, { recursive: true });
      const result = await downloadModel({
        source: input.source,
        modelsDir: deps.modelsDir,
        ...(input.sha256 ? { sha256: input.sha256 } : {}),
        ...(signal ? { signal } : {}),
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
        onProgress,
      });
      deps.onChange();
      return result;
    },
  };
}

export type LocalModelService = ReturnType<typeof createLocalModelService>;
