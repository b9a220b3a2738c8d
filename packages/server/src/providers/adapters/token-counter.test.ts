import { describe, expect, it } from 'vitest';
import { countTokens } from './token-counter.js';

describe('countTokens', () => {
  it('counts ordinary text exactly', async () => {
    expect(await countTokens('Hello world', 'gpt-4o')).toBe(2);
    expect(await countTokens('', 'llama3.2')).toBe(0);
  });

  it('counts a 50,000-character word and a 50,000-space run in slices, close to the exact count', async () => {
    // Whole, each of these took js-tiktoken hours (8,000 took 20 s); sliced they take milliseconds.
    const word = await countTokens('x'.repeat(50_000), 'llama3.2');
    expect(word).toBeGreaterThan(50_000 / 16); // tiktoken merges at most 16 x's per token here
    expect(word).toBeLessThanOrEqual(50_000 / 8);
    const spaces = await countTokens(`a${' '.repeat(50_000)}b`, 'gpt-4o');
    expect(spaces).toBeGreaterThan(2);
    expect(spaces).toBeLessThan(50_000 / 8);
    // Slicing adds at most one token per slice of 64 to the exact count of a short run.
    const exact = await countTokens('x'.repeat(64), 'llama3.2');
    expect(await countTokens('x'.repeat(64 * 20), 'llama3.2')).toBeLessThanOrEqual(exact * 20 + 20);
  });
});
