import type { EmbeddingModel, ModelInfo } from '../types.js';
import { ProviderError } from '../types.js';
import { requestJson } from './http-json.js';

export interface OllamaEmbeddingModelOptions {
  info: ModelInfo;
  baseUrl: string;
  keepAlive?: string | number;
  timeoutMs: number;
  fetch: typeof globalThis.fetch;
}

/**
 * An Ollama embedding model through `POST /api/embed` (one call for the whole batch).
 * @example const { embeddings } = await model.embed(['first text', 'second text']);
 */
export class OllamaEmbeddingModel implements EmbeddingModel {
  readonly info: ModelInfo;
  private knownDimensions: number | null = null;

  constructor(private readonly options: OllamaEmbeddingModelOptions) {
    this.info = options.info;
  }

  get dimensions(): number | null {
    return this.knownDimensions;
  }

  async embed(texts: string[], signal?: AbortSignal) {
    if (texts.length === 0) return { embeddings: [], usage: { inputTokens: 0 } };
    const answer = await requestJson<{ embeddings?: number[][]; prompt_eval_count?: number }>(
      `${this.options.baseUrl}/api/embed`,
      {
        method: 'POST',
        body: {
          model: this.info.name,
          input: texts,
          ...(this.options.keepAlive !== undefined && { keep_alive: this.options.keepAlive }),
        },
        signal,
        timeoutMs: this.options.timeoutMs,
        fetch: this.options.fetch,
      },
    );
    const embeddings = answer.embeddings ?? [];
    if (embeddings.length !== texts.length) {
      throw new ProviderError(
        'provider_protocol_error',
        `asked for ${texts.length} embeddings, got ${embeddings.length}`,
        false,
      );
    }
    this.knownDimensions = embeddings[0]?.length ?? this.knownDimensions;
    return { embeddings, usage: { inputTokens: answer.prompt_eval_count ?? 0 } };
  }
}
