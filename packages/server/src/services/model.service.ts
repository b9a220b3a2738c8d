import type { FastifyBaseLogger } from 'fastify';
import type { JSONSchema7 } from 'json-schema';
import type { GenerationSettings } from '../domain/generation-settings.js';
import type { UsageEvent } from '../domain/usage.js';
import { AppError, notFound } from '../errors.js';
import type { CircuitBreaker } from '../providers/circuit-breaker.js';
import { type FallbackPart, streamWithFallback } from '../providers/fallback.js';
import { chatRequestSettings } from '../providers/generation-support.js';
import { costOf, priceFor } from '../providers/pricing.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import type { ChatMessage, ChatModel, ModelInfo, ToolDefinition } from '../providers/types.js';
import type { CallSummaryPart } from '../providers/usage-recorder.js';
import type { UsageRepository } from '../repositories/usage.repository.js';
import type { SettingsService } from './settings.service.js';

/** A provider that can download models on request (Ollama). */
export interface PullableProvider {
  pullModel(
    name: string,
    signal?: AbortSignal,
  ): AsyncIterable<{ status: string; completed?: number; total?: number }>;
}

/** Which model answers when nothing more specific was chosen, and who chose it. */
export interface DefaultModel {
  id: string;
  source: 'user' | 'instance' | 'automatic';
}

export const noModelConfigured = () =>
  new AppError(
    409,
    'no_model_configured',
    'No model is set up yet. Connect Ollama, add a provider key, or download a model in Settings → Models.',
  );

/**
 * The model catalogue and model calls for a user: picks the model chain (explicit model, or
 * the user's default plus fallbacks), streams with retries and fallback, records usage.
 */
export function createModelService(deps: {
  registry: ProviderRegistry;
  settings: SettingsService;
  usage: UsageRepository;
  breaker: CircuitBreaker;
  /** Where a usage event that could not be stored is reported (recording never fails a call). */
  log?: Pick<FastifyBaseLogger, 'warn'>;
}) {
  const known = new Map<string, ModelInfo>();
  // Prices change rarely (an admin edits them); every call reads them to cost the answer.
  const prices = () => deps.usage.cachedPrices(5000);

  async function listModels(userId: string): Promise<ModelInfo[]> {
    const models = await deps.registry.listModels(userId);
    for (const model of models) known.set(model.id, model);
    return models;
  }

  /**
   * The model a conversation answers with when neither it nor its avatar names one: the user's
   * default, else the instance's (an admin's choice), else the first chat model the user can
   * use now (a local one before a cloud one; providers that fail are not listed), so a new
   * member on an instance with one model can chat without touching settings. Null: no model.
   */
  async function defaultModel(userId: string): Promise<DefaultModel | null> {
    const own = (await deps.settings.get(userId)).defaultModel;
    if (own) return { id: own, source: 'user' };
    const instance = await deps.settings.instanceDefaultModel();
    if (instance) return { id: instance, source: 'instance' };
    const usable = (await listModels(userId)).filter((m) => !m.capabilities.embeddings);
    const first = usable.find((m) => m.local) ?? usable[0];
    return first ? { id: first.id, source: 'automatic' } : null;
  }

  /** The models to try in order; cloud ones are refused in local-only mode before any request. */
  async function chain(
    userId: string,
    explicit: string | undefined,
    fallbacks: string[] = [],
  ): Promise<ChatModel[]> {
    const settings = await deps.settings.get(userId);
    const first = explicit ?? (await defaultModel(userId))?.id;
    const ids = [...new Set([first, ...(explicit ? fallbacks : settings.fallbackModels)])].filter(
      (id): id is string => Boolean(id),
    );
    if (ids.length === 0) throw noModelConfigured();
    const opened = await deps.registry.chatModels(userId, ids);
    const models = opened.filter((m): m is ChatModel => !(m instanceof Error));
    if (models.length === 0) throw opened[0];
    return models;
  }

  async function recordCall(
    userId: string,
    model: ChatModel,
    purpose: string,
    started: number,
    outcome: { usage?: { inputTokens: number; outputTokens: number; reported: boolean }; errorCode?: string },
  ) {
    // Best-effort, as for streams: the answer is the caller's whatever its accounting does.
    try {
      const usage = outcome.usage;
      const price = priceFor(model.info.id, await prices());
      await deps.usage.record({
        userId,
        provider: model.info.provider,
        model: model.info.id,
        purpose,
        inputTokens: usage?.inputTokens ?? 0,
        outputTokens: usage?.outputTokens ?? 0,
        tokensReported: usage?.reported ?? false,
        costUsd: usage ? costOf(usage, price, model.info.local) : null,
        timeToFirstTokenMs: null,
        durationMs: Math.round(performance.now() - started),
        status: outcome.errorCode ? 'error' : 'complete',
        errorCode: outcome.errorCode ?? null,
      });
    } catch (err) {
      deps.log?.warn({ err, purpose }, 'usage not recorded; the call went on');
    }
  }

  /**
   * Whether a model can see pictures. An opened model knows only what its name tells (the
   * built-in table); what the provider's listing said (Ollama's `vision` capability, OpenRouter's
   * input modalities, Mistral's `vision`) is looked up in the listing, read when not yet known
   * (cached by the registry). Asked only when a turn has pictures.
   */
  async function canSee(userId: string, model: ChatModel): Promise<boolean> {
    if (model.info.capabilities.vision) return true;
    const listed = known.get(model.info.id) ?? (await listModels(userId)).find((m) => m.id === model.info.id);
    return listed?.capabilities.vision ?? false;
  }

  return {
    listModels,
    defaultModel,
    chain,
    canSee,

    /**
     * Streams a reply from the first working model of the chain and records the call.
     * @example for await (const part of models.stream(userId, { messages, purpose: 'chat' })) …
     */
    stream(
      userId: string,
      input: {
        messages: ChatMessage[];
        model?: string;
        fallbacks?: string[];
        purpose: string;
        maxOutputTokens?: number;
        /** Effective generation settings (each adapter sends those it takes); maxTokens caps maxOutputTokens. */
        settings?: GenerationSettings;
        signal?: AbortSignal;
        /** The avatar the call speaks for (kept with the usage record). */
        avatarId?: string;
        /** A chain already resolved by the caller (skips resolving `model` again). */
        chain?: ChatModel[];
        /** Tools the model may call (a reply run's step loop answers the calls). */
        tools?: ToolDefinition[];
        /**
         * Takes the call's usage event instead of the usage log: a reply run stores it with its
         * finish, in the same statement (one round trip less per turn).
         */
        recordUsage?: (event: UsageEvent) => void;
      },
    ): AsyncGenerator<FallbackPart | CallSummaryPart> {
      // One generator from the model to the caller: the fallback loop resolves the chain on the
      // first read and records usage itself (no forwarding layers on the per-token path).
      let models: ChatModel[] = input.chain ?? [];
      return streamWithFallback(
        input.chain ??
          (async () => {
            models = await chain(userId, input.model, input.fallbacks);
            return models;
          }),
        {
          messages: input.messages,
          ...(input.tools?.length ? { tools: input.tools } : {}),
          ...(input.settings
            ? chatRequestSettings(input.settings, input.maxOutputTokens)
            : input.maxOutputTokens
              ? { maxOutputTokens: input.maxOutputTokens }
              : {}),
          ...(input.signal ? { signal: input.signal } : {}),
        },
        {
          breaker: deps.breaker,
          usage: {
            userId,
            purpose: input.purpose,
            ...(input.avatarId ? { avatarId: input.avatarId } : {}),
            modelInfo: (id) => known.get(id) ?? models.find((m) => m.info.id === id)?.info,
            prices,
            usage: input.recordUsage ? handOver(input.recordUsage) : deps.usage,
            onRecordFailed: (err) =>
              deps.log?.warn({ err, purpose: input.purpose }, 'usage not recorded; the call went on'),
          },
        },
      );
    },

    /**
     * Structured output from the first model of the chain that answers, validated against the
     * schema by the adapter; every attempt is recorded in usage.
     */
    async generateObject<T>(
      userId: string,
      input: {
        messages: ChatMessage[];
        schema: JSONSchema7;
        schemaName: string;
        model?: string;
        purpose: string;
        signal?: AbortSignal;
      },
    ): Promise<{ object: T; modelId: string }> {
      const models = await chain(userId, input.model);
      let lastError: unknown;
      for (const model of models) {
        const started = performance.now();
        try {
          const result = await model.generateObject<T>({
            messages: input.messages,
            schema: input.schema,
            schemaName: input.schemaName,
            ...(input.signal ? { signal: input.signal } : {}),
          });
          await recordCall(userId, model, input.purpose, started, { usage: result.usage });
          return { object: result.object, modelId: model.info.id };
        } catch (err) {
          lastError = err;
          await recordCall(userId, model, input.purpose, started, {
            errorCode: (err as { code?: string }).code ?? 'error',
          });
          if (input.signal?.aborted) break;
        }
      }
      throw lastError;
    },

    /** Downloads a model into a provider that supports it (Ollama), with progress. */
    async *pull(userId: string, providerId: string, model: string, signal: AbortSignal) {
      const registered = (await deps.registry.providersFor(userId)).find((r) => r.spec.id === providerId);
      if (!registered) throw notFound('provider');
      const provider = registered.provider as Partial<PullableProvider>;
      if (typeof provider.pullModel !== 'function') {
        throw new AppError(400, 'pull_not_supported', `${registered.spec.name} cannot download models`);
      }
      yield* provider.pullModel(model, signal);
      deps.registry.forget(providerId); // the model list changed
    },
  };
}

export type ModelService = ReturnType<typeof createModelService>;

/** A usage sink that hands each event to `take` (which stores it later) instead of writing it. */
const handOver = (take: (event: UsageEvent) => void) => ({
  record: async (event: UsageEvent) => take(event),
});
