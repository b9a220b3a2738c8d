import type { EmbeddingModelV3, LanguageModelV3 } from '@ai-sdk/provider';
import type { GenerationSettingKey } from '../../domain/generation-settings.js';
import { directRequest, type RequestFunction } from '../../net/outbound-client.js';
import { PROVIDER_LIMITS } from '../../net/outbound-limits.js';
import type { ChatModel, EmbeddingModel, ModelInfo, ModelProvider } from '../types.js';
import { ProviderError } from '../types.js';
import { AiSdkChatModel } from './ai-sdk-chat-model.js';
import { AiSdkEmbeddingModel } from './ai-sdk-embedding-model.js';
import { describeModel, knownModel } from './model-catalog.js';
import { OpenAiChatModel } from './openai-chat-model.js';
import { observeResponses } from './response-observer.js';
import { resolveTimeouts, type StreamTimeouts } from './stream-timeouts.js';
import { type CloudProviderKind, listVendorModels } from './vendor-model-lists.js';

export type { CloudProviderKind } from './vendor-model-lists.js';

export interface CloudProviderOptions {
  /** Our id for this configured provider; model ids become `<id>/<model name>`. */
  id: string;
  kind: CloudProviderKind;
  apiKey?: string;
  /** The vendor's API root including its version (`https://api.openai.com/v1`). Required for openai-compatible. */
  baseUrl?: string;
  fetch?: typeof globalThis.fetch;
  /**
   * The Node-stream request the `openai` and `openai-compatible` kinds stream chat replies with
   * (`outbound.request(trust, PROVIDER_LIMITS)`, beside `fetch` from the same guarded client).
   * Without either, a direct request as `fetch` defaults to the global one; with only `fetch`,
   * those kinds stream through the AI SDK over that fetch, so a guard given is never bypassed.
   */
  request?: RequestFunction;
  timeouts?: Partial<StreamTimeouts>;
}

/**
 * The generation settings each vendor's AI SDK package sends (its own warnings name the rest
 * "unsupported" and drop them; we do not hand them over at all). The AI SDK has no min-p or
 * repetition penalty. The OpenAI wire's chat streams use openai-chat-model.ts's own lists.
 */
export const AI_SDK_GENERATION_SETTINGS: Record<CloudProviderKind, readonly GenerationSettingKey[]> = {
  // temperature, top_p, top_k, stop_sequences, max_tokens
  anthropic: ['temperature', 'topP', 'topK', 'maxTokens', 'stop'],
  // generationConfig: temperature, topP, topK, frequencyPenalty, presencePenalty, seed, maxOutputTokens, stopSequences
  google: ['temperature', 'topP', 'topK', 'frequencyPenalty', 'presencePenalty', 'maxTokens', 'stop', 'seed'],
  // temperature, top_p, frequency_penalty, presence_penalty, seed, max_tokens, stop
  groq: ['temperature', 'topP', 'frequencyPenalty', 'presencePenalty', 'maxTokens', 'stop', 'seed'],
  // temperature, top_p, frequency_penalty, presence_penalty, random_seed, max_tokens, stop
  mistral: ['temperature', 'topP', 'frequencyPenalty', 'presencePenalty', 'maxTokens', 'stop', 'seed'],
  openai: ['temperature', 'topP', 'frequencyPenalty', 'presencePenalty', 'maxTokens', 'stop', 'seed'],
  'openai-compatible': [
    'temperature',
    'topP',
    'frequencyPenalty',
    'presencePenalty',
    'maxTokens',
    'stop',
    'seed',
  ],
};

/** Where each vendor's API lives, in the form its AI SDK package expects. */
const DEFAULT_BASE_URLS: Record<Exclude<CloudProviderKind, 'openai-compatible'>, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
  google: 'https://generativelanguage.googleapis.com/v1beta',
  groq: 'https://api.groq.com/openai/v1',
  mistral: 'https://api.mistral.ai/v1',
};

interface VendorModels {
  chat(name: string): LanguageModelV3;
  embedding?(name: string): EmbeddingModelV3;
}

/**
 * A ModelProvider for a cloud vendor or an OpenAI-compatible server (OpenRouter, Together,
 * vLLM, LM Studio, llama.cpp server), built on the vendor's AI SDK provider package.
 * @example
 * const openai = createCloudProvider({ id: 'openai', kind: 'openai', apiKey: config.OPENAI_API_KEY });
 * await openai.probe();
 * const chat = openai.chatModel('gpt-4o-mini');
 */
export function createCloudProvider(options: CloudProviderOptions): ModelProvider {
  const baseUrl = (options.baseUrl ?? defaultBaseUrl(options.kind)).replace(/\/+$/, '');
  const timeouts = resolveTimeouts(options.timeouts);
  // The vendor's AI SDK package is imported when one of its models is first called, not at
  // start-up: the six packages cost CPU before /health could answer (docs/performance.md).
  let loading: Promise<VendorModels> | undefined;
  const vendor = () =>
    (loading ??= vendorModels(options, baseUrl).catch((err: unknown) => {
      loading = undefined; // a failed import is tried again by the next call
      throw err;
    }));
  const info = (name: string): ModelInfo =>
    describeModel({ providerId: options.id, name, local: false, defaults: { tools: true, json: true } });
  const listModels = (signal?: AbortSignal) =>
    listVendorModels({
      providerId: options.id,
      kind: options.kind,
      baseUrl,
      apiKey: options.apiKey,
      fetch: options.fetch,
      signal,
      timeoutMs: timeouts.connectTimeoutMs,
    });
  const request = options.request ?? (options.fetch ? undefined : directRequest(PROVIDER_LIMITS));
  const onAiSdk = (name: string) =>
    new AiSdkChatModel({
      info: info(name),
      model: async () => (await vendor()).chat(name),
      timeouts,
      systemMessages: options.kind === 'anthropic' || options.kind === 'google' ? 'leading' : 'anywhere',
      generationSettings: AI_SDK_GENERATION_SETTINGS[options.kind],
    });
  const embedding = EMBEDDING_KINDS.has(options.kind)
    ? async (name: string) => (await vendor()).embedding!(name)
    : undefined;

  return {
    id: options.id,
    kind: options.kind,
    local: false,
    listModels,
    chatModel: (name: string): ChatModel =>
      // The OpenAI wire streams through our own lean adapter (the per-token path of most turns);
      // its structured output, and every other vendor, stay on the AI SDK.
      (options.kind === 'openai' || options.kind === 'openai-compatible') && request
        ? new OpenAiChatModel({
            info: info(name),
            dialect: options.kind,
            baseUrl,
            ...(options.apiKey ? { apiKey: options.apiKey } : {}),
            request,
            timeouts,
            objects: onAiSdk(name),
          })
        : onAiSdk(name),
    ...(embedding && {
      embeddingModel: (name: string): EmbeddingModel =>
        new AiSdkEmbeddingModel({
          info: info(name),
          model: () => embedding(name),
          dimensions: knownModel(name)?.dimensions ?? null,
          timeoutMs: timeouts.connectTimeoutMs + timeouts.firstTokenTimeoutMs,
        }),
    }),
    // Listing models is free on every vendor and fails with 401 on a bad key.
    probe: async (signal?: AbortSignal) => {
      await listModels(signal);
    },
  };
}

function defaultBaseUrl(kind: CloudProviderKind): string {
  if (kind === 'openai-compatible') {
    throw new ProviderError('provider_bad_request', 'an openai-compatible provider needs a baseUrl', false);
  }
  return DEFAULT_BASE_URLS[kind];
}

/** The vendors whose packages make embedding models (vendorModels gives them `embedding`). */
const EMBEDDING_KINDS = new Set<CloudProviderKind>(['openai', 'google', 'mistral', 'openai-compatible']);

async function vendorModels(options: CloudProviderOptions, baseURL: string): Promise<VendorModels> {
  // An empty key rather than undefined: the packages would otherwise read OPENAI_API_KEY & co.
  // from the environment, and configuration only comes from config.ts.
  const apiKey = options.apiKey ?? '';
  const fetch = observeResponses(options.fetch ?? globalThis.fetch);
  switch (options.kind) {
    case 'openai': {
      const { createOpenAI } = await import('@ai-sdk/openai');
      const openai = createOpenAI({ apiKey, baseURL, fetch });
      // Chat Completions rather than Responses: the wire every OpenAI-style server shares.
      return { chat: (name) => openai.chat(name), embedding: (name) => openai.embedding(name) };
    }
    case 'anthropic': {
      const { createAnthropic } = await import('@ai-sdk/anthropic');
      const anthropic = createAnthropic({ apiKey, baseURL, fetch });
      return { chat: (name) => anthropic.messages(name) };
    }
    case 'google': {
      const { createGoogleGenerativeAI } = await import('@ai-sdk/google');
      const google = createGoogleGenerativeAI({ apiKey, baseURL, fetch });
      return { chat: (name) => google.chat(name), embedding: (name) => google.embedding(name) };
    }
    case 'groq': {
      const { createGroq } = await import('@ai-sdk/groq');
      const groq = createGroq({ apiKey, baseURL, fetch });
      return { chat: (name) => groq.languageModel(name) };
    }
    case 'mistral': {
      const { createMistral } = await import('@ai-sdk/mistral');
      const mistral = createMistral({ apiKey, baseURL, fetch });
      return { chat: (name) => mistral.chat(name), embedding: (name) => mistral.embedding(name) };
    }
    case 'openai-compatible': {
      const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
      const compatible = createOpenAICompatible({
        name: options.id,
        baseURL,
        apiKey: options.apiKey,
        fetch,
        // vLLM, LM Studio, llama.cpp and OpenRouter all honour include_usage and json_schema.
        includeUsage: true,
        supportsStructuredOutputs: true,
      });
      return {
        chat: (name) => compatible.chatModel(name),
        embedding: (name) => compatible.embeddingModel(name),
      };
    }
  }
}
