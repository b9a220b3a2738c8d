import { AppError } from '../errors.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { generationSettingsFor } from './generation-support.js';
import { isLocalSpec, type ProviderSpec } from './provider-spec.js';
import {
  type ChatModel,
  type EmbeddingModel,
  type ModelInfo,
  type ModelProvider,
  ProviderError,
} from './types.js';

export type ProviderFactory = (spec: ProviderSpec) => ModelProvider;

export interface ProviderHealth {
  status: 'ok' | 'error' | 'unknown';
  code: string | null;
  message: string | null;
  latencyMs: number | null;
  checkedAt: string | null;
}

export interface RegisteredProvider {
  spec: ProviderSpec;
  provider: ModelProvider;
  local: boolean;
}

export interface ProviderRegistryDeps {
  factory: ProviderFactory;
  systemSpecs: () => ProviderSpec[];
  userSpecs: (userId: string) => Promise<ProviderSpec[]>;
  /** True when this user (or the whole instance) allows only local providers. */
  isLocalOnly: (userId: string) => Promise<boolean>;
  breaker: CircuitBreaker;
  modelListTtlMs?: number;
  probeTimeoutMs?: number;
  now?: () => number;
}

export const localOnlyRefused = (name: string) =>
  new AppError(
    403,
    'local_only',
    `${name} is a cloud provider, and local-only mode is on: nothing may leave this machine.`,
  );

/**
 * Every provider a user can use (the instance's and their own), their models, and their health.
 * Provider instances are cached per spec; model lists for a minute; health comes from probes.
 */
export function createProviderRegistry(deps: ProviderRegistryDeps) {
  const now = deps.now ?? Date.now;
  const ttl = deps.modelListTtlMs ?? 60_000;
  const instances = new Map<string, { key: string; provider: ModelProvider }>();
  const modelLists = new Map<string, { at: number; models: ModelInfo[] }>();
  const health = new Map<string, ProviderHealth>();

  function instantiate(spec: ProviderSpec): RegisteredProvider {
    const key = JSON.stringify(spec);
    let entry = instances.get(spec.id);
    if (!entry || entry.key !== key) {
      entry = { key, provider: deps.factory(spec) };
      instances.set(spec.id, entry);
      modelLists.delete(spec.id);
    }
    return { spec, provider: entry.provider, local: isLocalSpec(spec) };
  }

  async function providersFor(userId: string): Promise<RegisteredProvider[]> {
    const specs = [...deps.systemSpecs(), ...(await deps.userSpecs(userId))];
    return specs.map(instantiate);
  }

  async function probe(registered: RegisteredProvider): Promise<ProviderHealth> {
    const started = now();
    const signal = AbortSignal.timeout(deps.probeTimeoutMs ?? 5000);
    let result: ProviderHealth;
    try {
      await registered.provider.probe(signal);
      deps.breaker.success(registered.spec.id);
      result = {
        status: 'ok',
        code: null,
        message: null,
        latencyMs: now() - started,
        checkedAt: new Date().toISOString(),
      };
    } catch (err) {
      const code =
        err instanceof ProviderError
          ? err.code
          : signal.aborted
            ? 'provider_timeout'
            : 'provider_unavailable';
      const message = signal.aborted ? 'The provider did not answer in time' : healthMessage(err);
      deps.breaker.failure(registered.spec.id, message);
      result = {
        status: 'error',
        code,
        message,
        latencyMs: now() - started,
        checkedAt: new Date().toISOString(),
      };
    }
    health.set(registered.spec.id, result);
    return result;
  }

  return {
    providersFor,

    /** Probes one provider now and remembers the result. */
    probe,

    /** The last known health (probing once if never checked). */
    async healthOf(registered: RegisteredProvider): Promise<ProviderHealth> {
      return health.get(registered.spec.id) ?? probe(registered);
    },

    /** Probes every system provider (the background health monitor calls this). */
    async probeSystem(): Promise<Record<string, ProviderHealth>> {
      const results = await Promise.all(deps.systemSpecs().map((spec) => probe(instantiate(spec))));
      return Object.fromEntries(deps.systemSpecs().map((spec, i) => [spec.id, results[i]!]));
    },

    /** Last known health of the system providers, for /health (never probes). */
    systemHealth(): Record<string, ProviderHealth> {
      return Object.fromEntries(
        deps.systemSpecs().map((spec) => [
          spec.id,
          health.get(spec.id) ?? {
            status: 'unknown',
            code: null,
            message: null,
            latencyMs: null,
            checkedAt: null,
          },
        ]),
      );
    },

    /** Every usable model across the user's providers; a provider that fails is skipped (and marked). */
    async listModels(userId: string): Promise<ModelInfo[]> {
      const localOnly = await deps.isLocalOnly(userId);
      const registered = (await providersFor(userId)).filter((r) => !localOnly || r.local);
      const lists = await Promise.all(
        registered.map(async (r) => {
          const cached = modelLists.get(r.spec.id);
          if (cached && now() - cached.at < ttl) return cached.models;
          try {
            const models = (
              await r.provider.listModels(AbortSignal.timeout(deps.probeTimeoutMs ?? 5000))
            ).map((model) => ({ ...model, settings: generationSettingsFor(r.spec.kind, model.name) }));
            modelLists.set(r.spec.id, { at: now(), models });
            health.set(r.spec.id, {
              status: 'ok',
              code: null,
              message: null,
              latencyMs: null,
              checkedAt: new Date().toISOString(),
            });
            return models;
          } catch (err) {
            const code = err instanceof ProviderError ? err.code : 'provider_unavailable';
            health.set(r.spec.id, {
              status: 'error',
              code,
              message: healthMessage(err),
              latencyMs: null,
              checkedAt: new Date().toISOString(),
            });
            return [];
          }
        }),
      );
      return lists.flat();
    },

    /**
     * Opens a model by id (`<provider>/<model>`), refusing cloud providers in local-only mode
     * before any connection is made.
     */
    async chatModel(userId: string, modelId: string): Promise<ChatModel> {
      const slash = modelId.indexOf('/');
      const providerId = slash > 0 ? modelId.slice(0, slash) : '';
      const registered = (await providersFor(userId)).find((r) => r.spec.id === providerId);
      if (!registered || slash === modelId.length - 1) {
        throw new AppError(404, 'model_not_found', `No provider serves the model "${modelId}"`);
      }
      if (!registered.local && (await deps.isLocalOnly(userId))) throw localOnlyRefused(registered.spec.name);
      return registered.provider.chatModel(modelId.slice(slash + 1));
    },

    /**
     * Opens an embedding model by id (`<provider>/<model>`), with the same checks as `chatModel`;
     * a provider whose adapter cannot embed (Anthropic, Groq, …) is a 400 `model_cannot_embed`.
     */
    async embeddingModel(userId: string, modelId: string): Promise<EmbeddingModel> {
      const slash = modelId.indexOf('/');
      const providerId = slash > 0 ? modelId.slice(0, slash) : '';
      const registered = (await providersFor(userId)).find((r) => r.spec.id === providerId);
      if (!registered || slash === modelId.length - 1) {
        throw new AppError(404, 'model_not_found', `No provider serves the model "${modelId}"`);
      }
      if (!registered.local && (await deps.isLocalOnly(userId))) throw localOnlyRefused(registered.spec.name);
      if (!registered.provider.embeddingModel) {
        throw new AppError(
          400,
          'model_cannot_embed',
          `${registered.spec.name} offers no embedding models: choose one from a provider that does (Ollama, OpenAI, an OpenAI-compatible server, …)`,
        );
      }
      return registered.provider.embeddingModel(modelId.slice(slash + 1));
    },

    /**
     * Opens several models at once (a fallback chain): the providers and the local-only switch
     * are looked up once. Each entry is the model or the error `chatModel` would have thrown.
     */
    async chatModels(userId: string, modelIds: string[]): Promise<(ChatModel | Error)[]> {
      const registered = await providersFor(userId);
      let localOnly: Promise<boolean> | undefined;
      const results: (ChatModel | Error)[] = [];
      for (const modelId of modelIds) {
        const slash = modelId.indexOf('/');
        const providerId = slash > 0 ? modelId.slice(0, slash) : '';
        const found = registered.find((r) => r.spec.id === providerId);
        if (!found || slash === modelId.length - 1) {
          results.push(new AppError(404, 'model_not_found', `No provider serves the model "${modelId}"`));
          continue;
        }
        localOnly ??= found.local ? undefined : deps.isLocalOnly(userId);
        if (!found.local && (await localOnly)) {
          results.push(localOnlyRefused(found.spec.name));
          continue;
        }
        results.push(found.provider.chatModel(modelId.slice(slash + 1)));
      }
      return results;
    },

    /** Forgets cached instances and lists of a provider (after its settings changed). */
    forget(providerId: string) {
      instances.delete(providerId);
      modelLists.delete(providerId);
      health.delete(providerId);
    },
  };
}

export type ProviderRegistry = ReturnType<typeof createProviderRegistry>;

/** Only our own messages reach a health entry: anything else might quote a remote answer. */
function healthMessage(error: unknown): string {
  return error instanceof ProviderError ? error.message : 'The provider could not be reached';
}
