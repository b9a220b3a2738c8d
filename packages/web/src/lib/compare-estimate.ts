import type { components } from '@lumina/sdk';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { COMPARE_MAX_MODELS, COMPARE_MIN_MODELS } from './compare';
import { useLuminaClient } from './lumina-client';
import { useDebouncedValue } from './use-debounced-value';

/**
 * What a compare would cost before it is sent (POST /api/conversations/:id/compare/estimate,
 * docs/conversations.md "Compare"): per model a range from the prompt alone to the prompt and a
 * full reply, local models free, unpriced ones named.
 */
export type CompareEstimate = components['schemas']['CompareEstimate'];
type Range = { minUsd: number; maxUsd: number };

/** A dollar amount as the picker shows it: two significant digits below $1 ("$0.0043", "$0.011"). */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd < 0.0001) return '< $0.0001';
  if (usd < 1) return `$${Number(usd.toPrecision(2))}`;
  return `$${usd.toFixed(2)}`;
}

/** "≈ $0.004 – $0.011" (one figure when both ends round alike). */
export function formatCostRange(range: Range): string {
  const low = formatUsd(range.minUsd);
  const high = formatUsd(range.maxUsd);
  return low === high ? `≈ ${low}` : `≈ ${low} – ${high}`;
}

/** What one chosen model's row says: a range, "price unknown", or nothing for a local model. */
export function modelCostLabel(model: CompareEstimate['models'][number]): string | null {
  if (model.local) return null;
  return model.costUsd ? formatCostRange(model.costUsd) : 'price unknown';
}

/**
 * The total line, or null when there is nothing worth saying (every model local: it costs nothing).
 * Unpriced models are left out of the total and said so.
 */
export function totalCostLabel(estimate: CompareEstimate): string | null {
  if (estimate.models.every((m) => m.local)) return null;
  const unknown = estimate.unpriced.length;
  if (!estimate.totalUsd) return unknown === 1 ? 'Price unknown' : 'Prices unknown';
  const total = formatCostRange(estimate.totalUsd);
  return unknown === 0 ? total : `${total} + ${unknown} model${unknown === 1 ? '' : 's'} with unknown price`;
}

/**
 * The estimate for the chosen models and the message as drafted, asked once the choice and the
 * text have settled for a moment. `estimate` is the last one received (kept while a new one
 * loads); `loading` is true until the figures match the current choice.
 */
export function useCompareEstimate(
  conversationId: string | undefined,
  models: readonly string[],
  content: string,
  /** Uploaded attachments the message will carry (their text and pictures are counted). */
  attachments: readonly string[] = [],
): { estimate: CompareEstimate | null; loading: boolean; failed: boolean } {
  const lumina = useLuminaClient();
  const wanted = JSON.stringify([models, content, attachments]);
  const settled = useDebouncedValue(wanted, 300);
  const [askedModels, askedContent, askedAttachments] = JSON.parse(settled) as [string[], string, string[]];
  const enabled =
    conversationId !== undefined &&
    askedModels.length >= COMPARE_MIN_MODELS &&
    askedModels.length <= COMPARE_MAX_MODELS;
  const query = useQuery({
    queryKey: ['compare-estimate', conversationId, askedModels, askedContent, askedAttachments],
    enabled,
    retry: false,
    staleTime: 15_000,
    placeholderData: keepPreviousData,
    queryFn: async ({ signal }) => {
      const { data } = await lumina.POST('/api/conversations/{id}/compare/estimate', {
        params: { path: { id: conversationId! } },
        body: {
          models: askedModels,
          content: askedContent,
          ...(askedAttachments.length ? { attachments: askedAttachments } : {}),
        },
        signal,
      });
      return data ?? null;
    },
  });
  const current = models.length >= COMPARE_MIN_MODELS && conversationId !== undefined;
  return {
    estimate: current ? (query.data ?? null) : null,
    loading: current && (wanted !== settled || query.isFetching),
    failed: current && query.isError && !query.isFetching,
  };
}
