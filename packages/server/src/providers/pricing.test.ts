import { describe, expect, it } from 'vitest';
import { sumOf } from '../services/compare-estimate.service.js';
import { costOf, costRange, priceFor } from './pricing.js';

const price = { pattern: 'cloud/big', inputUsdPerMillion: 2.5, outputUsdPerMillion: 10 };

describe('pricing', () => {
  it('finds an exact price before the longest prefix', () => {
    const prices = [
      { pattern: 'cloud/*', inputUsdPerMillion: 1, outputUsdPerMillion: 1 },
      { pattern: 'cloud/big*', inputUsdPerMillion: 3, outputUsdPerMillion: 3 },
      price,
    ];
    expect(priceFor('cloud/big', prices)).toBe(price);
    expect(priceFor('cloud/bigger', prices)?.pattern).toBe('cloud/big*');
    expect(priceFor('cloud/small', prices)?.pattern).toBe('cloud/*');
    expect(priceFor('other/x', prices)).toBeUndefined();
  });

  it('prices a call not yet made from the prompt alone up to the prompt and a full reply', () => {
    // 1,200 prompt tokens at $2.50/M = $0.003; 1,024 reply tokens at $10/M = $0.01024.
    const range = costRange(1200, 1024, price, false)!;
    expect(range.minUsd).toBeCloseTo(0.003, 12);
    expect(range.maxUsd).toBeCloseTo(0.01324, 12);
    expect(range.maxUsd).toBeCloseTo(costOf({ inputTokens: 1200, outputTokens: 1024 }, price, false)!, 12);
  });

  it('costs a local model nothing and an unpriced cloud model null', () => {
    expect(costRange(5000, 1024, undefined, true)).toEqual({ minUsd: 0, maxUsd: 0 });
    expect(costRange(5000, 1024, price, true)).toEqual({ minUsd: 0, maxUsd: 0 });
    expect(costRange(5000, 1024, undefined, false)).toBeNull();
  });

  it('totals the known costs and names the unpriced models', () => {
    const total = sumOf([
      { model: 'a/x', costUsd: { minUsd: 0.001, maxUsd: 0.004 } },
      { model: 'b/y', costUsd: null },
      { model: 'c/z', costUsd: { minUsd: 0.002, maxUsd: 0.007 } },
      { model: 'ollama/l', costUsd: { minUsd: 0, maxUsd: 0 } },
    ]);
    expect(total.totalUsd!.minUsd).toBeCloseTo(0.003, 12);
    expect(total.totalUsd!.maxUsd).toBeCloseTo(0.011, 12);
    expect(total.unpriced).toEqual(['b/y']);
    expect(sumOf([{ model: 'b/y', costUsd: null }])).toEqual({ totalUsd: null, unpriced: ['b/y'] });
  });
});
