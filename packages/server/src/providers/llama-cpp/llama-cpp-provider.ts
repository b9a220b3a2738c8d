import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { readGgufMetadata } from '../../models/gguf-metadata.js';
import { modelFilePath } from '../../models/model-file-name.js';
import type { ModelInfo, ModelProvider } from '../types.js';
import { ProviderError } from '../types.js';
import { loadEngine } from './engine-install.js';
import { createLlamaCppChatModel } from './llama-cpp-chat-model.js';
import { createLlamaCppEmbeddingModel } from './llama-cpp-embedding-model.js';
import { toProviderError } from './llama-cpp-errors.js';
import type { LoadedLlamaModel } from './llama-cpp-generation.js';
import { createLoadedModels } from './loaded-models.js';
import type { Llama } from './node-llama-cpp-api.js';

export interface LlamaCppProviderOptions {
  /** Provider id, the prefix of every model id. Defaults to `llama-cpp`. */
  id?: string;
  /** `<data dir>/models`: every `.gguf` file in it is a model. */
  modelsDir: string;
  /** Tokens of context to open per model, capped by what the model was trained for. */
  contextSize: number;
  /** CPU threads for inference; 0 or unset: one less than the cores, at least one. */
  threads?: number;
  /** CPU only: the install carries no GPU build. */
  gpu: false;
  /** How many models stay in memory; the least recently used is unloaded past it. Default 1. */
  maxLoadedModels?: number;
  /** Where `installEngine` put node-llama-cpp (defaults to its default). */
  engineDir?: string;
  /** Called after each model load, for logs and tests. */
  onModelLoaded?: (event: { name: string; loadMs: number; sizeBytes: number; contextSize: number }) => void;
}

export type LlamaCppProvider = ModelProvider & {
  /** Names of the models currently in memory. */
  loadedModels(): string[];
  /** Unloads every model and releases the engine; call on shutdown. */
  close(): Promise<void>;
};

const CAPABILITIES = { tools: false, vision: false, json: true, embeddings: false };
/** Encoder architectures: embedding models that cannot chat (the model lists mark them so). */
const EMBEDDING_CAPABILITIES = { tools: false, vision: false, json: false, embeddings: true };
const EMBEDDING_ARCHITECTURES = new Set([
  'bert',
  'nomic-bert',
  'nomic-bert-moe',
  'jina-bert-v2',
  'jina-bert-v3',
  'neo-bert',
  'modern-bert',
  't5encoder',
]);

/** True for a GGUF whose architecture only makes embeddings (BERT and its kin). */
export const isEmbeddingArchitecture = (architecture: string | null): boolean =>
  architecture !== null && EMBEDDING_ARCHITECTURES.has(architecture);

/**
 * The embedded llama.cpp engine (node-llama-cpp, CPU build) as a ModelProvider over the GGUF
 * files of one directory. Nothing is loaded until the first request for a model.
 *
 * @example
 * const provider = createLlamaCppProvider({ modelsDir: 'data/models', contextSize: 4096, gpu: false });
 * const [first] = await provider.listModels();
 * const model = provider.chatModel(first.name);
 */
export function createLlamaCppProvider(options: LlamaCppProviderOptions): LlamaCppProvider {
  const id = options.id ?? 'llama-cpp';
  const threads = options.threads && options.threads > 0 ? options.threads : defaultThreads();
  const engine = () => loadEngine({ ...(options.engineDir ? { engineDir: options.engineDir } : {}) });

  let llamaPromise: Promise<Llama> | null = null;
  const llama = (): Promise<Llama> => {
    llamaPromise ??= engine()
      .then((module) =>
        module.getLlama({
          gpu: false,
          // Never download or compile at run time: the prebuilt CPU binary or a clear error.
          build: 'never',
          skipDownload: true,
          logLevel: 'error',
          maxThreads: threads,
        }),
      )
      .catch((error) => {
        llamaPromise = null;
        throw toProviderError(error);
      });
    return llamaPromise;
  };

  const models = createLoadedModels<LoadedLlamaModel>({
    maxLoaded: options.maxLoadedModels ?? 1,
    async load(name) {
      const modelPath = resolveModelPath(options.modelsDir, name);
      const [metadata, file] = await Promise.all([readGgufMetadata(modelPath), stat(modelPath)]);
      const started = performance.now();
      const model = await (await llama()).loadModel({ modelPath, gpuLayers: 0 });
      try {
        const contextSize = Math.min(options.contextSize, model.trainContextSize);
        const context = await model.createContext({ contextSize, sequences: 1, threads });
        options.onModelLoaded?.({
          name,
          loadMs: Math.round(performance.now() - started),
          sizeBytes: file.size,
          contextSize: context.contextSize,
        });
        return {
          name,
          model,
          sequence: context.getSequence(),
          hasChatTemplate: metadata.chatTemplate !== null,
        };
      } catch (error) {
        await model.dispose();
        throw error;
      }
    },
    // Disposing the model disposes its contexts and frees the weights.
    unload: (loaded) => loaded.model.dispose(),
  });

  const modelInfo = (name: string, contextWindow: number | null, embeddings = false): ModelInfo => ({
    id: `${id}/${name}`,
    provider: id,
    name,
    contextWindow,
    capabilities: embeddings ? EMBEDDING_CAPABILITIES : CAPABILITIES,
    local: true,
  });

  return {
    id,
    kind: 'llama-cpp',
    local: true,

    async listModels(): Promise<ModelInfo[]> {
      const names = await readdir(options.modelsDir).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [] as string[];
        throw new ProviderError(
          'provider_unavailable',
          `Cannot read ${options.modelsDir}: ${error.message}`,
          false,
        );
      });
      const infos = await Promise.all(
        names
          .filter((name) => modelFilePath(options.modelsDir, name) !== null)
          .sort()
          .map(async (name) => {
            // A half-written or foreign file is left out rather than failing the whole list.
            const metadata = await readGgufMetadata(resolveModelPath(options.modelsDir, name)).catch(
              () => null,
            );
            return metadata
              ? modelInfo(name, metadata.contextLength, isEmbeddingArchitecture(metadata.architecture))
              : null;
          }),
      );
      return infos.filter((info) => info !== null);
    },

    chatModel(name: string) {
      resolveModelPath(options.modelsDir, name);
      return createLlamaCppChatModel({
        info: modelInfo(name, options.contextSize),
        fileName: name,
        models,
        engine,
        llama,
      });
    },

    /**
     * Any GGUF embeds (a decoder gives its last token's state); the lists offer only encoders
     * (`capabilities.embeddings`), which is what the default embedding model is.
     */
    embeddingModel(name: string) {
      resolveModelPath(options.modelsDir, name);
      return createLlamaCppEmbeddingModel({
        info: modelInfo(name, options.contextSize, true),
        fileName: name,
        models,
        contextSize: options.contextSize,
        threads,
      });
    },

    async probe(): Promise<void> {
      await engine();
      await access(options.modelsDir, constants.R_OK).catch(() => {
        throw new ProviderError(
          'provider_unavailable',
          `The models directory ${options.modelsDir} is missing or not readable: pull a model with "lumina models pull"`,
          false,
        );
      });
    },

    loadedModels: () => models.names(),

    async close(): Promise<void> {
      await models.close();
      const pending = llamaPromise;
      llamaPromise = null;
      await pending?.then((instance) => instance.dispose()).catch(() => undefined);
    },
  };
}

// One core stays free for the event loop: on the 2-core machines we measured, 2 threads ran
// stories260K at ~100 tokens/s against ~1500 with 1 thread, the workers spinning against the
// main thread (docs/engines.md).
const defaultThreads = () => Math.max(1, availableParallelism() - 1);

function resolveModelPath(modelsDir: string, name: string): string {
  const file = modelFilePath(modelsDir, name);
  if (!file) throw new ProviderError('model_not_found', `"${name}" is not a .gguf file name`, false);
  return file;
}
