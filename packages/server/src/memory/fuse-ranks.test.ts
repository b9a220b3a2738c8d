import { describe, expect, it } from 'vitest';
import { FUSION_WEIGHTS, fuseRanks, RRF_K, recency, reciprocalRank, weightedScore } from './fuse-ranks.js';

describe('rank fusion', () => {
  it('sums reciprocal ranks: an item in both lists beats one first in a single list', () => {
    expect(reciprocalRank(1)).toBeCloseTo(1 / (RRF_K + 1));
    expect(reciprocalRank(null)).toBe(0);
    const both = fuseRanks({ textRank: 3, vectorRank: 3 });
    const textOnly = fuseRanks({ textRank: 1, vectorRank: null });
    expect(both).toBeGreaterThan(textOnly);
    expect(fuseRanks({ textRank: null, vectorRank: null })).toBe(0);
  });

  it('halves recency every half-life and never exceeds 1 for a future date', () => {
    const now = new Date('2026-12-07T00:00:00Z');
    expect(recency(now, now)).toBe(1);
    expect(recency(new Date('2026-11-07T00:00:00Z'), now)).toBeCloseTo(0.5, 5);
    expect(recency(new Date('2026-10-08T00:00:00Z'), now)).toBeCloseTo(0.25, 5);
    expect(recency(new Date('2027-01-01T00:00:00Z'), now)).toBe(1);
  });

  it('weighs importance and recency within bounds, so relevance stays first', () => {
    const fused = fuseRanks({ textRank: 1, vectorRank: 1 });
    const neutral = weightedScore(fused, { importance: 0.5, recency: null });
    expect(neutral).toBeCloseTo(fused * (1 + FUSION_WEIGHTS.recency * 0));
    const important = weightedScore(fused, { importance: 1, recency: 1 });
    const trivial = weightedScore(fused, { importance: 0, recency: 0 });
    expect(important).toBeGreaterThan(neutral);
    expect(trivial).toBeLessThan(neutral);
    // The best-weighted item ranked 2nd in one list does not beat an unweighted one ranked 1st in both.
    const second = weightedScore(fuseRanks({ textRank: 2, vectorRank: null }), { importance: 1, recency: 1 });
    expect(second).toBeLessThan(weightedScore(fused, { importance: 0, recency: 0 }));
    // Out-of-range input is clamped, not amplified.
    expect(weightedScore(fused, { importance: 7, recency: 3 })).toBeCloseTo(important);
  });
});
