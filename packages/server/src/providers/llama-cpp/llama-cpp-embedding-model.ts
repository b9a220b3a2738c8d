import type { EmbeddingModel, ModelInfo } from '../types.js';
import { ProviderError } from '../types.js';
import { toProviderError } from './llama-cpp-errors.js';
import type { LoadedLlamaModel } from './llama-cpp-generation.js';
import type { LoadedModels } from './loaded-models.js';
import type { LlamaEmbeddingContext } from './node-llama-cpp-api.js';

/**
 * Characters of one text given to the tokenizer. Tokenizing is linear in the text and runs under
 * the engine lock, so a megabyte of text must not reach it; the memory embedder already sends
 * at most 4,000 characters (memory/embedder.ts), this bounds every other caller.
 */
export const LLAMA_EMBED_MAX_CHARS = 16_000;

/** Texts per call: each is one decode of up to a context of tokens, under the engine lock. */
export const LLAMA_EMBED_MAX_TEXTS = 256;

/** Embedding models read short passages; a bigger context only costs memory. */
export const LLAMA_EMBED_MAX_CONTEXT = 8192;

export interface LlamaCppEmbeddingModelDeps {
  info: ModelInfo;
  /** The GGUF file name inside the models directory. */
  fileName: string;
  /** The chat models' pool: the same loaded weights and the same lock. */
  models: LoadedModels<LoadedLlamaModel>;
  /** Tokens of context for the embedding context, capped by the model's training context. */
  contextSize: number;
  threads: number;
}

// The embedding context of each loaded model, made on its first embedding. Keyed by the pool's
// entry, so a model unloaded (which disposes its contexts) and loaded again gets a new one.
const contexts = new WeakMap<LoadedLlamaModel, LlamaEmbeddingContext>();

// The last known vector size per file, so `dimensions` is known after the first embedding of
// any model object made for that file (model objects are made per request).
const knownDimensions = new Map<string, number>();

/**
 * One GGUF model of the embedded engine as an EmbeddingModel: node-llama-cpp's embedding
 * context (a second context on the weights the chat path loads, pooled as the GGUF says: mean
 * for nomic-embed-text, CLS for BGE, last token for a decoder). Texts are embedded one after the
 * other under the engine lock, so an embedding never runs beside a generation on the 1–2 cores
 * the engine has; a text longer than the context is cut to fit (its start is kept), and an
 * abort stops between two texts.
 *
 * @example
 * const model = provider.embeddingModel('nomic-embed-text-v1.5.Q8_0.gguf');
 * const { embeddings } = await model.embed(['search_document: Sam lives in Lyon']);
 */
export function createLlamaCppEmbeddingModel(deps: LlamaCppEmbeddingModelDeps): EmbeddingModel {
  return {
    info: deps.info,

    get dimensions(): number | null {
      return knownDimensions.get(deps.fileName) ?? null;
    },

    async embed(texts: string[], signal?: AbortSignal) {
      if (texts.length === 0) return { embeddings: [], usage: { inputTokens: 0 } };
      if (texts.length > LLAMA_EMBED_MAX_TEXTS) {
        throw new ProviderError(
          'provider_bad_request',
          `The embedded engine embeds at most ${LLAMA_EMBED_MAX_TEXTS} texts per call; got ${texts.length}`,
          false,
        );
      }
      const cancelled = () => new ProviderError('cancelled', 'The request was cancelled', false);
      if (signal?.aborted) throw cancelled();
      try {
        return await deps.models.use(deps.fileName, signal, async (loaded) => {
          const context = await embeddingContext(loaded, deps);
          const embeddings: number[][] = [];
          let inputTokens = 0;
          for (const text of texts) {
            if (signal?.aborted) throw cancelled();
            const tokens = fitToContext(loaded, context, text, deps.contextSize);
            inputTokens += tokens.length;
            const { vector } = await context.getEmbeddingFor(tokens);
            embeddings.push([...vector]);
          }
          const size = embeddings.find((vector) => vector.length > 0)?.length;
          if (size !== undefined) knownDimensions.set(deps.fileName, size);
          return { embeddings, usage: { inputTokens } };
        });
      } catch (error) {
        if (signal?.aborted) throw cancelled();
        throw toProviderError(error);
      }
    },
  };
}

async function embeddingContext(
  loaded: LoadedLlamaModel,
  deps: Pick<LlamaCppEmbeddingModelDeps, 'contextSize' | 'threads'>,
): Promise<LlamaEmbeddingContext> {
  const existing = contexts.get(loaded);
  if (existing && !existing.disposed) return existing;
  const contextSize = embeddingContextSize(loaded, deps.contextSize);
  const context = await loaded.model.createEmbeddingContext({
    contextSize,
    // An encoder reads its whole input in one batch; llama.cpp refuses a longer input otherwise.
    batchSize: contextSize,
    threads: deps.threads,
  });
  contexts.set(loaded, context);
  return context;
}

const embeddingContextSize = (loaded: LoadedLlamaModel, wanted: number) =>
  Math.max(16, Math.min(wanted, loaded.model.trainContextSize, LLAMA_EMBED_MAX_CONTEXT));

/**
 * The tokens of a text cut to what the context holds with the BOS/EOS tokens the engine adds
 * (node-llama-cpp throws on a longer input; the start of a text carries most of its meaning).
 * An empty text becomes one space: the engine answers an empty vector for no tokens, which no
 * caller can store.
 */
function fitToContext(
  loaded: LoadedLlamaModel,
  context: LlamaEmbeddingContext,
  text: string,
  wantedContext: number,
): number[] {
  const contextSize = embeddingContextSize(loaded, wantedContext);
  let tokens = loaded.model.tokenize(text.slice(0, LLAMA_EMBED_MAX_CHARS) || ' ');
  if (tokens.length === 0) tokens = loaded.model.tokenize(' ');
  const added = context.calculateInputLength(tokens.slice(0, 1)) - 1;
  const room = contextSize - 1 - Math.max(0, added);
  return tokens.length > room ? tokens.slice(0, room) : tokens;
}
