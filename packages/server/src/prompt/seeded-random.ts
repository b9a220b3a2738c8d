/** A random source returning floats in [0, 1), like Math.random. */
export type RandomSource = () => number;

/**
 * A small, fast seeded PRNG (mulberry32). Prompt building must be reproducible: the same seed
 * gives the same `{{random}}` picks, dice rolls and lorebook probability checks, so a preview
 * matches what is sent and tests can assert exact output. Not for anything security-related.
 * @example const random = createSeededRandom('conversation-42'); random() // 0.37…, same every run
 */
export function createSeededRandom(seed: number | string): RandomSource {
  let state = typeof seed === 'number' ? seed >>> 0 : hashString(seed);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * 32-bit FNV-1a hash of a string, used to turn text seeds into numeric ones.
 * @example hashString('abc') // 440920331
 */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
