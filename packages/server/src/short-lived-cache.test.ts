import { describe, expect, it } from 'vitest';
import { createShortLivedCache } from './short-lived-cache.js';

describe('short-lived cache', () => {
  it('reuses a value within its time, loads again after it or after delete, and forgets failures', async () => {
    const cache = createShortLivedCache<number>(50);
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('a', load)).toBe(1);
    expect(await cache.get('a', load)).toBe(1);
    cache.delete('a');
    expect(await cache.get('a', load)).toBe(2);
    await new Promise((r) => setTimeout(r, 60));
    expect(await cache.get('a', load)).toBe(3);
    await expect(cache.get('b', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await cache.get('b', load)).toBe(4);
  });
});
