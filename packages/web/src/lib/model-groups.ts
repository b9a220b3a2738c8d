import type { Model, Provider } from './models';

export interface ModelGroup {
  providerId: string;
  /** The provider's name ("Ollama", "My OpenAI key"), or its id when it is not listed. */
  label: string;
  local: boolean;
  models: Model[];
}

/** Splits a search into lower-case words; every word must match. */
function terms(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

/**
 * Whether a model matches every word of the search: in its name, at the start of a word of its
 * provider's name or id ("studio", "ollama"), or, for a word with a slash, in its full id. So
 * "llama" finds llama models, not everything Ollama serves.
 */
export function modelMatches(model: Model, query: string, providerName = ''): boolean {
  const name = model.name.toLowerCase();
  const providerWords = `${providerName} ${model.provider}`
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return terms(query).every(
    (term) =>
      name.includes(term) ||
      providerWords.some((word) => word.startsWith(term)) ||
      (term.includes('/') && model.id.toLowerCase().includes(term)),
  );
}

/**
 * Groups models by provider for a picker: providers in the order the server lists them (the
 * instance's first, then the person's own), local providers before cloud ones, models by name
 * within a group. `query` keeps only matching models; empty groups are dropped.
 * @example groupModels(models, providers, 'llama').map((g) => g.label) // ['Ollama']
 */
export function groupModels(
  models: readonly Model[],
  providers: readonly Provider[],
  query = '',
): ModelGroup[] {
  const order = new Map(providers.map((p, index) => [p.id, index]));
  const names = new Map(providers.map((p) => [p.id, p.name]));
  const groups = new Map<string, ModelGroup>();
  for (const model of models) {
    const label = names.get(model.provider) ?? model.provider;
    if (query && !modelMatches(model, query, label)) continue;
    let group = groups.get(model.provider);
    if (!group) {
      group = { providerId: model.provider, label, local: model.local, models: [] };
      groups.set(model.provider, group);
    }
    group.models.push(model);
  }
  const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
  for (const group of groups.values()) group.models.sort((a, b) => collator.compare(a.name, b.name));
  return [...groups.values()].sort(
    (a, b) =>
      Number(b.local) - Number(a.local) ||
      (order.get(a.providerId) ?? Number.MAX_SAFE_INTEGER) -
        (order.get(b.providerId) ?? Number.MAX_SAFE_INTEGER) ||
      collator.compare(a.label, b.label),
  );
}

/** The models of the groups in display order (what arrow keys walk through). */
export function flattenGroups(groups: readonly ModelGroup[]): Model[] {
  return groups.flatMap((g) => g.models);
}
