/**
 * A deterministic embedding that behaves a little like a real one, for tests and the recall
 * evaluation: texts that share words (after light normalisation) land close together, texts
 * that do not are nearly orthogonal. No model, no randomness, the same vector on every machine.
 *
 * How: a bag of words (lowercased, split on anything but letters and digits, common English
 * stop words dropped, a crude stemmer folding plurals and -ing/-ed endings) and, at a lower
 * weight, each word's character trigrams (so "Lisbon" and "lisbon's" or "Lisboa" still overlap),
 * hashed into `dimensions` signed buckets (the feature-hashing trick) and scaled to unit length.
 */

export const HASHED_EMBEDDING_DIMENSIONS = 512;

/** Turns a text into a vector of `dimensions` numbers (what the embedding protocol servers answer). */
export type EmbeddingFunction = (text: string, dimensions: number) => number[];

export interface ProtocolServerEmbeddingOptions {
  /**
   * Embeddings with meaning (`hashedEmbedding`) for recall tests; without it the OpenAI and
   * Ollama servers answer `fakeEmbedding`, which depends only on the text's length.
   */
  embeddingFunction?: EmbeddingFunction;
  /** The vector size the server answers (default 8; `HASHED_EMBEDDING_DIMENSIONS` suits `hashedEmbedding`). */
  embeddingDimensions?: number;
}

/** Trigrams count this much against a whole word, so shared words dominate the similarity. */
const TRIGRAM_WEIGHT = 0.35;

const STOP_WORDS = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have he her hers him his ' +
    'i if in into is it its me my of on or our ours she so than that the their them then there these ' +
    'they this those to too us was we were what when where which who whom why will with would you your ' +
    'yours am just about also very not no yes all any some'
  ).split(' '),
);

/** FNV-1a over UTF-16 code units: 32-bit, fixed, fast; stable across runs and platforms. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Folds the commonest English endings so "hikes", "hiking", "hiked" and "hike" share a feature
 * (a final silent e goes too: "move" and "moved" both become "mov").
 */
export function crudeStem(word: string): string {
  let stem = word;
  if (stem.length > 5 && stem.endsWith('ing')) stem = stem.slice(0, -3);
  else if (stem.length > 4 && stem.endsWith('ied')) stem = `${stem.slice(0, -3)}y`;
  else if (stem.length > 4 && stem.endsWith('ed')) stem = stem.slice(0, -2);
  else if (stem.length > 4 && stem.endsWith('ies')) stem = `${stem.slice(0, -3)}y`;
  else if (stem.length > 3 && stem.endsWith('s') && !stem.endsWith('ss')) stem = stem.slice(0, -1);
  if (stem.length > 3 && stem.endsWith('e')) stem = stem.slice(0, -1);
  return stem;
}

/** The words a text is compared on, in order (possessive 's dropped, stop words out, stemmed). */
export function embeddingTerms(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/['\u2019]s\b/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0 && !STOP_WORDS.has(word))
    .map(crudeStem);
}

function add(vector: number[], feature: string, weight: number): void {
  const hash = fnv1a32(feature);
  // The low bit picks the sign, so collisions cancel out on average instead of piling up.
  const sign = hash & 1 ? 1 : -1;
  const bucket = (hash >>> 1) % vector.length;
  vector[bucket]! += sign * weight;
}

/**
 * The unit vector of `text` in `dimensions` dimensions. A text with no words (only stop words or
 * punctuation) gets a fixed vector of its own, so it is never the zero vector.
 * @example cosine(hashedEmbedding('I moved to Lisbon'), hashedEmbedding("Lisbon's weather")) > 0.3
 */
export function hashedEmbedding(text: string, dimensions = HASHED_EMBEDDING_DIMENSIONS): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const terms = embeddingTerms(text);
  for (const term of terms) {
    add(vector, `w:${term}`, 1);
    const padded = `^${term}$`;
    for (let i = 0; i + 3 <= padded.length; i++) add(vector, `t:${padded.slice(i, i + 3)}`, TRIGRAM_WEIGHT);
  }
  if (terms.length === 0) add(vector, 'empty', 1);
  let length = 0;
  for (const x of vector) length += x * x;
  length = Math.sqrt(length);
  // Signed buckets can cancel out in theory; a fixed direction beats a NaN vector.
  if (length === 0) return vector.map((_, i) => (i === 0 ? 1 : 0));
  return vector.map((x) => x / length);
}
