import type { UserMemorySettings } from '../domain/memory.js';
import { AppError } from '../errors.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import type { EmbeddingModel } from '../providers/types.js';
import { isFiniteVector, l2Normalize } from './vector-math.js';

/** Texts per request to the provider: small enough for every vendor's per-call limit. */
export const EMBED_BATCH_SIZE = 64;

/**
 * Characters of one text sent to the model. Messages can be long; embedding models read a few
 * hundred to 8,000 tokens, and a vendor refuses (rather than truncates) a longer input, which
 * would stall the queue on one message. The start of a text carries most of what recall needs.
 */
export const EMBED_TEXT_CHARS = 4_000;

/** How long an opened model (and the user's choice of it) is reused before settings are read again. */
const MODEL_CACHE_MS = 30_000;

export interface EmbedderDeps {
  registry: Pick<ProviderRegistry, 'embeddingModel'>;
  /** The user's memory settings (services/memory-settings.ts); only `embeddingModel` is read. */
  settingsFor: (userId: string) => Promise<Pick<UserMemorySettings, 'embeddingModel'>>;
  /**
   * The dimension of vectors already stored for this user and model, or null when there are
   * none (embedding.repository.ts `storedDimensions`); a process that restarts learns it here.
   */
  storedDimensions?: (userId: string, model: string) => Promise<number | null>;
  log: { warn(fields: object, message: string): void };
  batchSize?: number;
  now?: () => number;
}

export interface EmbeddedQuery {
  /** The model id (`<provider>/<model>`) the vector belongs to: compare only with its vectors. */
  model: string;
  /** Unit length. */
  vector: number[];
}

export interface EmbeddedTexts {
  model: string;
  /** One unit vector per text, in order. */
  vectors: number[][];
}

/**
 * Turns texts into unit vectors with the user's embedding model (user settings
 * `memory.embeddingModel`). Every vector of one model has the same dimension: the first vector
 * seen for a model (or those already stored) fixes it, and a vector of another length is an
 * `embedding_dimension_mismatch` instead of a row that could never be compared.
 *
 * @example
 * const embedder = createEmbedder({ registry, settingsFor, log });
 * const query = await embedder.embedQuery(userId, 'where does Sam live?'); // null: full text only
 */
export function createEmbedder(deps: EmbedderDeps) {
  const now = deps.now ?? Date.now;
  const batchSize = deps.batchSize ?? EMBED_BATCH_SIZE;
  const models = new Map<string, { at: number; modelId: string; model: Promise<EmbeddingModel> }>();
  /** Known dimension per model id: the first vectors seen, or those stored. */
  const dimensions = new Map<string, number>();

  async function open(userId: string): Promise<{ modelId: string; model: Promise<EmbeddingModel> } | null> {
    // The choice is read every time (the settings service caches it), so a changed setting
    // applies at once; only the opened model is reused for a while.
    const modelId = (await deps.settingsFor(userId)).embeddingModel;
    if (!modelId) return null;
    const cached = models.get(userId);
    if (cached && cached.modelId === modelId && now() - cached.at < MODEL_CACHE_MS) return cached;
    const model = deps.registry.embeddingModel(userId, modelId);
    // A refusal (unknown model, local-only) is not remembered: the next call asks again.
    model.catch(() => {
      if (models.get(userId)?.model === model) models.delete(userId);
    });
    const entry = { at: now(), modelId, model };
    models.set(userId, entry);
    return entry;
  }

  async function expectedDimensions(userId: string, modelId: string): Promise<number | null> {
    const known = dimensions.get(modelId);
    if (known !== undefined) return known;
    const stored = (await deps.storedDimensions?.(userId, modelId)) ?? null;
    if (stored !== null) dimensions.set(modelId, stored);
    return stored;
  }

  /** Checks and normalises one answer of the provider. */
  async function accept(
    userId: string,
    modelId: string,
    texts: string[],
    raw: unknown[],
  ): Promise<number[][]> {
    if (raw.length !== texts.length) {
      throw new AppError(
        502,
        'provider_protocol_error',
        `The embedding model ${modelId} answered ${raw.length} vectors for ${texts.length} texts`,
      );
    }
    const vectors = raw.map((vector) => {
      const unit = isFiniteVector(vector) ? l2Normalize(vector) : null;
      if (!unit) {
        throw new AppError(
          502,
          'embedding_invalid',
          `The embedding model ${modelId} answered a vector that is not usable`,
          {
            model: modelId,
          },
        );
      }
      return unit;
    });
    const expected = (await expectedDimensions(userId, modelId)) ?? vectors[0]!.length;
    const wrong = vectors.find((v) => v.length !== expected);
    if (wrong) {
      throw new AppError(
        502,
        'embedding_dimension_mismatch',
        `The embedding model ${modelId} answered a vector of ${wrong.length} dimensions where its vectors have ${expected}: nothing was stored, the items are embedded again later`,
        { model: modelId, expected, received: wrong.length },
      );
    }
    if (!dimensions.has(modelId)) dimensions.set(modelId, expected);
    return vectors;
  }

  const prepare = (text: string) => text.slice(0, EMBED_TEXT_CHARS);

  return {
    /** The user's embedding model id, or null when recall is full text only. */
    async currentModel(userId: string): Promise<string | null> {
      return (await open(userId))?.modelId ?? null;
    },

    /** The dimension vectors of `modelId` have (null until one was seen or stored). */
    async dimensionsOf(userId: string, modelId: string): Promise<number | null> {
      return expectedDimensions(userId, modelId);
    },

    /**
     * The vector of a recall query, or null when the user has no embedding model or the model
     * failed (logged as a warning): recall then ranks by full text alone and the chat goes on.
     */
    async embedQuery(userId: string, text: string, signal?: AbortSignal): Promise<EmbeddedQuery | null> {
      let opened: Awaited<ReturnType<typeof open>> = null;
      try {
        opened = await open(userId);
        if (!opened) return null;
        const model = await opened.model;
        const texts = [prepare(text)];
        const { embeddings } = await model.embed(texts, signal);
        const [vector] = await accept(userId, opened.modelId, texts, embeddings);
        return { model: opened.modelId, vector: vector! };
      } catch (err) {
        deps.log.warn(
          { err, code: (err as { code?: unknown }).code, model: opened?.modelId ?? null, userId },
          'query embedding failed: recall uses full text only',
        );
        return null;
      }
    },

    /**
     * Vectors for `texts` in requests of `batchSize`, or null when the user has no embedding
     * model. Throws (nothing partial is returned) when the provider fails, refuses (local-only,
     * unknown model) or answers vectors of the wrong dimension: the caller keeps the items and
     * tries again later.
     */
    async embedTexts(userId: string, texts: string[], signal?: AbortSignal): Promise<EmbeddedTexts | null> {
      const opened = await open(userId);
      if (!opened) return null;
      const model = await opened.model;
      const vectors: number[][] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        const batch = texts.slice(start, start + batchSize).map(prepare);
        const { embeddings } = await model.embed(batch, signal);
        vectors.push(...(await accept(userId, opened.modelId, batch, embeddings)));
      }
      return { model: opened.modelId, vectors };
    },

    /**
     * Drops what is remembered about a user's model (after the setting changed) and, with
     * `modelId`, the dimension learned for that model (its stored vectors were deleted).
     */
    forget(userId: string, modelId?: string): void {
      models.delete(userId);
      if (modelId) dimensions.delete(modelId);
    },
  };
}

export type Embedder = ReturnType<typeof createEmbedder>;
