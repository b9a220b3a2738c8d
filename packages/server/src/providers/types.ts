import type { JSONSchema7 } from 'json-schema';
import type { PROVIDER_ERROR_CODES } from '../domain/error-codes.js';
import type { GenerationSettingKey } from '../domain/generation-settings.js';

/**
 * The one interface every chat model implements (cloud adapters over the Vercel AI SDK
 * provider packages, Ollama's native API, the embedded llama.cpp engine). Streams are tagged
 * unions; failures inside a stream travel as `error` parts, never as thrown exceptions after
 * the stream has started.
 */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** For role `tool`: the call this answers. */
  toolCallId?: string;
  /** For role `tool`: the tool that answered (the call may be outside the messages sent). */
  toolName?: string;
  /** For role `tool`: the tool failed and `content` says why. */
  isError?: boolean;
  /** For role `assistant`: the tool calls it made. */
  toolCalls?: ToolCall[];
  /**
   * For role `user`: pictures sent with the text (only to models whose `capabilities.vision` is
   * true; context assembly turns the others into a short note in `content`). Documents are never
   * here: their text is in `content` (prompt/message-attachments.ts).
   */
  images?: ChatImage[];
}

/** A picture in a chat message: its bytes as stored (PNG, JPEG, WebP), with their type. */
export interface ChatImage {
  mediaType: string;
  data: Uint8Array;
}

export interface ToolDefinition {
  name: string;
  description: string;
  /** JSON Schema of the tool's input. */
  inputSchema: JSONSchema7;
}

export interface ToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** True when the provider reported the counts; false when we counted with a tokenizer. */
  reported: boolean;
}

export type FinishReason =
  | 'stop'
  | 'length'
  | 'tool-calls'
  | 'content-filter'
  | 'cancelled'
  | 'error'
  | 'other';

/** Stable error codes a model call can end with (also used as AppError codes; domain/error-codes.ts). */
export type ProviderErrorCode = (typeof PROVIDER_ERROR_CODES)[number];

export type ChatStreamPart =
  | { type: 'text-delta'; delta: string }
  /** The model's thinking, when the vendor streams it (stored as a `reasoning` message part, never sent back). */
  | { type: 'reasoning-delta'; delta: string }
  | { type: 'tool-call'; toolCallId: string; toolName: string; input: unknown }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; finishReason: FinishReason }
  | { type: 'error'; code: ProviderErrorCode; message: string; retryable: boolean };

export interface ChatRequest {
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  /**
   * Sampling settings (domain/generation-settings.ts; `maxTokens` is `maxOutputTokens`). Each
   * adapter sends those its wire takes, under the vendor's names, and leaves the rest out
   * (docs/providers.md, "Generation settings").
   */
  temperature?: number;
  topP?: number;
  topK?: number;
  minP?: number;
  repetitionPenalty?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  seed?: number;
  maxOutputTokens?: number;
  stop?: string[];
  /** Cancels the request; the stream then ends with finish `cancelled`. */
  signal?: AbortSignal;
}

export interface ObjectRequest {
  messages: ChatMessage[];
  /** The JSON Schema the answer must satisfy (the result is validated against it). */
  schema: JSONSchema7;
  schemaName?: string;
  signal?: AbortSignal;
}

export interface ObjectResult<T = unknown> {
  object: T;
  usage: Usage;
}

export interface Capabilities {
  tools: boolean;
  vision: boolean;
  json: boolean;
  embeddings: boolean;
}

export interface ModelInfo {
  /** `<provider id>/<model name>`, unique across the catalogue. */
  id: string;
  provider: string;
  name: string;
  contextWindow: number | null;
  capabilities: Capabilities;
  local: boolean;
  /** The generation settings its adapter sends (the registry's listing fills this in). */
  settings?: readonly GenerationSettingKey[];
}

export interface ChatModel {
  readonly info: ModelInfo;
  /** Streams a reply. Never throws after returning: failures arrive as an `error` part. */
  stream(request: ChatRequest): AsyncIterable<ChatStreamPart>;
  /** Structured output validated against `schema`; throws a ProviderError on failure. */
  generateObject<T = unknown>(request: ObjectRequest): Promise<ObjectResult<T>>;
  /**
   * Counts tokens with the model's own tokenizer, when the adapter has it (the embedded engine).
   * Without it, context assembly estimates with tiktoken.
   */
  countTokens?(text: string): Promise<number>;
}

export interface EmbeddingModel {
  readonly info: ModelInfo;
  readonly dimensions: number | null;
  embed(
    texts: string[],
    signal?: AbortSignal,
  ): Promise<{ embeddings: number[][]; usage: { inputTokens: number } }>;
}

/** A configured provider: lists its models, opens them, answers a health probe. */
export interface ModelProvider {
  readonly id: string;
  readonly kind: ProviderKind;
  readonly local: boolean;
  listModels(signal?: AbortSignal): Promise<ModelInfo[]>;
  chatModel(name: string): ChatModel;
  embeddingModel?(name: string): EmbeddingModel;
  /** A cheap request that proves the provider answers and the key works. */
  probe(signal?: AbortSignal): Promise<void>;
}

export type ProviderKind =
  | 'ollama'
  | 'openai'
  | 'anthropic'
  | 'google'
  | 'groq'
  | 'mistral'
  | 'openai-compatible'
  | 'llama-cpp';

/** An error with a stable code, thrown by non-streaming calls (probe, listModels, generateObject). */
export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(
    readonly code: ProviderErrorCode,
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}
