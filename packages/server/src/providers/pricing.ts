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

/** What a call is expected to cost before it runs: the prompt alone, up to the prompt and a full reply. */
export interface CostRange {
  minUsd: number;
  maxUsd: number;
}

/**
 * The cost range of a call not yet made: `promptTokens` are known (counted as the context
 * inspector counts them), the reply is anything from nothing to `maxOutputTokens` (the reply
 * budget the call is capped at). 0–0 for a local model, null when the model has no price.
 * @example costRange(1000, 500, { pattern: 'x/y', inputUsdPerMillion: 1, outputUsdPerMillion: 4 }, false)
 * // { minUsd: 0.001, maxUsd: 0.003 }
 */
export function costRange(
  promptTokens: number,
  maxOutputTokens: number,
  price: Price | undefined,
  local: boolean,
): CostRange | null {
  const min = costOf({ inputTokens: promptTokens, outputTokens: 0 }, price, local);
  const max = costOf({ inputTokens: promptTokens, outputTokens: maxOutputTokens }, price, local);
  return min === null || max === null ? null : { minUsd: min, maxUsd: max };
}
