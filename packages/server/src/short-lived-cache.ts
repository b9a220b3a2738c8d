/**
 * Remembers values for a short time, for reads that every chat turn repeats (a user's settings,
 * their providers, the instance's local-only switch). Changes made through this process clear
 * the entry at once; another instance's changes show within `ttlMs`.
 * @example const cache = createShortLivedCache<Settings>(1000); await cache.get(userId, () => load(userId));
 */
export function createShortLivedCache<T>(ttlMs: number, maxEntries = 10_000) {
  const entries = new Map<string, { at: number; value: Promise<T> }>();
  return {
    get(key: string, load: () => Promise<T>): Promise<T> {
      const hit = entries.get(key);
      if (hit && Date.now() - hit.at < ttlMs) return hit.value;
      if (entries.size >= maxEntries) entries.clear();
      const value = load();
      entries.set(key, { at: Date.now(), value });
      value.catch(() => entries.delete(key)); // a failed read is not remembered
      return value;
    },
    delete(key: string): void {
      entries.delete(key);
    },
    clear(): void {
      entries.clear();
    },
  };
}
