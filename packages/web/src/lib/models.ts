import type { components, paths } from '@lumina/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useLuminaClient } from './lumina-client';

export type Provider = components['schemas']['Provider'];
export type ProviderHealth = Provider['health'];
export type Model = components['schemas']['Model'];
export type UserSettings = components['schemas']['UserSettings'];
export type InstancePrivacy = components['schemas']['InstancePrivacy'];
/** The server's limits the web app checks while typing (`maxMessageChars`). */
export type InstanceLimits = components['schemas']['InstanceLimits'];
export type ModelPrice = components['schemas']['ModelPrice'];
export type LocalModels = components['schemas']['LocalModels'];
export type AddProviderBody = paths['/api/providers']['post']['requestBody']['content']['application/json'];
export type ProviderKind = AddProviderBody['kind'];

export const PROVIDERS_QUERY_KEY = ['providers'] as const;
export const MODELS_QUERY_KEY = ['models'] as const;
export const SETTINGS_QUERY_KEY = ['settings'] as const;

/** Providers (the instance's and the person's own) with their last known health. */
export function useProviders() {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: PROVIDERS_QUERY_KEY,
    queryFn: async ({ signal }): Promise<Provider[]> => {
      const { data } = await lumina.GET('/api/providers', { signal });
      return data?.providers ?? [];
    },
  });
}

/** Every model the person can use right now (local-only mode lists local ones only). */
export function useModels() {
  return useModelsAnswer((answer) => answer.models);
}

/**
 * The model a conversation answers with when neither it nor its avatar names one: the person's
 * default, the instance's, or the first model available (`source` says which); null: none.
 */
export function useDefaultModel() {
  return useModelsAnswer((answer) => answer.defaultModel);
}

export type DefaultModel = ModelsAnswer['defaultModel'];
type ModelsAnswer = paths['/api/models']['get']['responses'][200]['content']['application/json'];

/**
 * What "your default model" means right now, under the picker's default option: the model's
 * name and who chose it ("Llama 3.2 · chosen automatically").
 */
export function describeDefaultModel(
  chosen: DefaultModel,
  models: readonly Model[],
  loaded: boolean,
): string {
  if (!loaded) return 'As set in Settings → Models';
  if (!chosen) return 'No model is set up yet';
  const name = models.find((m) => m.id === chosen.id)?.name ?? chosen.id;
  const why =
    chosen.source === 'user'
      ? 'your choice in Settings → Models'
      : chosen.source === 'instance'
        ? 'the instance’s default'
        : models.length === 1
          ? 'the only model available'
          : 'chosen automatically';
  return `${name} · ${why}`;
}

/** One request for both (`GET /api/models`); each hook selects its part. */
function useModelsAnswer<T>(select: (answer: ModelsAnswer) => T) {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: MODELS_QUERY_KEY,
    queryFn: async ({ signal }): Promise<ModelsAnswer> => {
      const { data } = await lumina.GET('/api/models', { signal });
      return data ?? { models: [], defaultModel: null };
    },
    select,
  });
}

export interface SettingsAnswer {
  settings: UserSettings;
  instance: InstancePrivacy;
  limits: InstanceLimits;
}

/** The person's default model, fallback chain and privacy mode, the instance's mode and limits. */
export function useUserSettings() {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: SETTINGS_QUERY_KEY,
    queryFn: async ({ signal }): Promise<SettingsAnswer> => {
      const { data } = await lumina.GET('/api/settings', { signal });
      if (!data) throw new Error('The server answered /api/settings without a body');
      return data;
    },
  });
}

/**
 * Changes some settings. The whole settings object is sent, merged over the last known one:
 * the server fills fields a PUT leaves out with their defaults (so a partial PUT would reset
 * them). The cache is updated from the answer; a change of privacy mode also changes which
 * models and providers can be used, so those are fetched again.
 */
export function useUpdateSettings() {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  return useMutation({
    // Only what changed: the server keeps what a PUT leaves out, so a stale copy here (another
    // tab changed personas, say) is never written back over newer settings.
    mutationFn: async (changes: Partial<UserSettings>): Promise<SettingsAnswer> => {
      const { data } = await lumina.PUT('/api/settings', { body: changes });
      return data!;
    },
    onSuccess: (answer, changes) => {
      queryClient.setQueryData(SETTINGS_QUERY_KEY, answer);
      if (changes.localOnly !== undefined) void invalidateModelData(queryClient);
    },
  });
}

/** Fetches providers, models and settings again (after anything that changes what is usable). */
export function invalidateModelData(queryClient: ReturnType<typeof useQueryClient>) {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: PROVIDERS_QUERY_KEY }),
    queryClient.invalidateQueries({ queryKey: MODELS_QUERY_KEY }),
    queryClient.invalidateQueries({ queryKey: SETTINGS_QUERY_KEY }),
    queryClient.invalidateQueries({ queryKey: ['health'] }),
  ]);
}

/** Models that can hold a conversation (embedding-only models cannot). */
export function chatModels(models: readonly Model[]): Model[] {
  return models.filter((m) => !m.capabilities.embeddings);
}

/** "128K", "8K", "512": a context window as people quote it. */
export function formatContextWindow(tokens: number | null): string | null {
  if (!tokens || tokens <= 0) return null;
  if (tokens >= 1_000_000) return `${+(tokens / 1_048_576).toFixed(1)}M`;
  if (tokens >= 1024) return `${Math.round(tokens / 1024)}K`;
  return String(tokens);
}

/**
 * A model id as people read it. The instance's providers have readable ids ("ollama/llama3.2");
 * a person's own providers are UUIDs, so their models read "gpt-4o-mini (Work OpenAI)".
 * @example modelDisplayName('0199…/gpt-4o-mini', providers) // 'gpt-4o-mini (Work OpenAI)'
 */
export function modelDisplayName(
  id: string,
  providers: readonly Pick<Provider, 'id' | 'name' | 'scope'>[],
): string {
  const slash = id.indexOf('/');
  if (slash <= 0) return id;
  const provider = providers.find((p) => p.id === id.slice(0, slash));
  return provider?.scope === 'user' ? `${id.slice(slash + 1)} (${provider.name})` : id;
}
