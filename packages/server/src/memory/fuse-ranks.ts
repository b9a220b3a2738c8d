/**
 * How recall orders what full text and vectors found (issue 13): reciprocal rank fusion of the
 * two lists, then weights for importance and recency. Ranks, not raw scores, are fused: a BM25
 * score and a cosine similarity have no common scale, and ranks make three corpora (memories,
 * messages, document chunks) comparable too. Validity is not a weight: an ended memory is never
 * a candidate (the search leaves it out).
 */

/** The usual RRF constant (Cormack et al. 2009): damps the difference between the first few ranks. */
export const RRF_K = 60;

/** Half-life of recency: something said 30 days ago weighs half as much as today on that factor. */
export const RECENCY_HALF_LIFE_DAYS = 30;

/**
 * How much importance and recency move a fused score: each factor spans [1 − w/2, 1 + w/2], so
 * relevance (the ranks) stays first and an important or recent item wins close calls only.
 */
export const FUSION_WEIGHTS = { importance: 0.3, recency: 0.2 } as const;

/** Importance given to items that have none of their own. */
export const DEFAULT_IMPORTANCE = {
  /** A raw past message: less distilled than a memory. */
  message: 0.4,
  /** A document chunk: reference material, as important as an average memory. */
  document: 0.5,
} as const;

const DAY_MS = 86_400_000;

/** 1 / (RRF_K + rank), or 0 for an item absent from the list. */
export function reciprocalRank(rank: number | null, k = RRF_K): number {
  return rank === null || rank < 1 ? 0 : 1 / (k + rank);
}

/** The RRF score of an item from its 1-based ranks in the text and vector lists. */
export function fuseRanks(ranks: { textRank: number | null; vectorRank: number | null }, k = RRF_K): number {
  return reciprocalRank(ranks.textRank, k) + reciprocalRank(ranks.vectorRank, k);
}

/** 1 for now (or the future), 0.5 after one half-life, → 0 for the distant past. */
export function recency(at: Date, now: Date, halfLifeDays = RECENCY_HALF_LIFE_DAYS): number {
  const ageDays = Math.max(0, now.getTime() - at.getTime()) / DAY_MS;
  return 0.5 ** (ageDays / halfLifeDays);
}

/**
 * The final score: the fused ranks times the importance and recency factors. `recencyValue`
 * null: the item has no meaningful age (a document), so the factor is neutral.
 * @example weightedScore(fuseRanks({ textRank: 1, vectorRank: 3 }), { importance: 0.9, recency: 1 })
 */
export function weightedScore(
  fused: number,
  factors: { importance: number; recency: number | null },
  weights: { importance: number; recency: number } = FUSION_WEIGHTS,
): number {
  const importance = clamp01(factors.importance);
  const recent = factors.recency === null ? 0.5 : clamp01(factors.recency);
  return fused * (1 + weights.importance * (importance - 0.5)) * (1 + weights.recency * (recent - 0.5));
}

const clamp01 = (value: number) => (Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0.5);
