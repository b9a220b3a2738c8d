import type { ModelPriceRow } from '../db/schema/index.js';
import type { Usage } from './types.js';

export type Price = Pick<ModelPriceRow, 'pattern' | 'inputUsdPerMillion' | 'outputUsdPerMillion'>;

/**
 * The price for a model id: an exact entry wins, else the longest matching `prefix*` pattern.
 * Lumina ships no cloud prices (they change too often to be trusted from a release); admins
 * enter them, and local models always cost nothing.
 * @example priceFor('openai/gpt-4o-mini', [{ pattern: 'openai/gpt-4o*', … }])
 */
export function priceFor(modelId: string, prices: Price[]): Price | undefined {
  const exact = prices.find((p) => p.pattern === modelId);
  if (exact) return exact;
  return prices
    .filter((p) => p.pattern.endsWith('*') && modelId.startsWith(p.pattern.slice(0, -1)))
    .sort((a, b) => b.pattern.length - a.pattern.length)[0];
}

/** USD for a call, or null when the model has no price (and is not local). */
export function costOf(
  usage: Pick<Usage, 'inputTokens' | 'outputTokens'>,
  price: Price | undefined,
  local: boolean,
): number | null {
  if (local) return 0;
  if (!price) return null;
  return (
    (usage.inputTokens * price.inputUsdPerMillion + usage.outputTokens * price.outputUsdPerMillion) / 1e6
  );
}
