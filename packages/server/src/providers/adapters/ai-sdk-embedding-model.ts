import { type EmbeddingModel as AiEmbeddingModel, embedMany } from 'ai';
import type { EmbeddingModel, ModelInfo } from '../types.js';
import { ProviderError } from '../types.js';
import { toProviderError } from './provider-errors.js';

export interface AiSdkEmbeddingModelOptions {
  info: ModelInfo;
  /**
   * An embedding model from an AI SDK provider package (`createOpenAI(…).embedding(…)`), or how
   * to get it on first use (see AiSdkChatModelOptions.model).
   */
  model: Exclude<AiEmbeddingModel, string> | (() => Promise<Exclude<AiEmbeddingModel, string>>);
  /** Known up front for well-known models; otherwise learned from the first answer. */
  dimensions?: number | null;
  timeoutMs?: number;
}

/**
 * Any AI SDK embedding model behind our EmbeddingModel contract (batched by `embedMany`,
 * which splits large inputs into the vendor's per-call limit).
 * @example const { embeddings } = await new AiSdkEmbeddingModel({ info, model }).embed(['a', 'b']);
 */
export class AiSdkEmbeddingModel implements EmbeddingModel {
  readonly info: ModelInfo;
  private readonly model: () => Promise<Exclude<AiEmbeddingModel, string>>;
  private readonly timeoutMs: number;
  private knownDimensions: number | null;

  constructor(options: AiSdkEmbeddingModelOptions) {
    this.info = options.info;
    const { model } = options;
    this.model = typeof model === 'function' ? model : async () => model;
    this.knownDimensions = options.dimensions ?? null;
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  get dimensions(): number | null {
    return this.knownDimensions;
  }

  async embed(texts: string[], signal?: AbortSignal) {
    if (texts.length === 0) return { embeddings: [], usage: { inputTokens: 0 } };
    const deadline = AbortSignal.timeout(this.timeoutMs);
    try {
      const result = await embedMany({
        model: await this.model(),
        values: texts,
        maxRetries: 0,
        abortSignal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      });
      this.knownDimensions = result.embeddings[0]?.length ?? this.knownDimensions;
      return { embeddings: result.embeddings, usage: { inputTokens: result.usage.tokens ?? 0 } };
    } catch (error) {
      if (signal?.aborted) throw new ProviderError('cancelled', 'the request was cancelled', false);
      if (deadline.aborted)
        throw new ProviderError('provider_timeout', `no embeddings within ${this.timeoutMs} ms`, true);
      throw toProviderError(error);
    }
  }
}
