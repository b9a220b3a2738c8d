/**
 * Vector arithmetic for embeddings. Vectors are stored at unit length so that a dot product is
 * the cosine (the exact scan's `lumina_dot` and pgvector's `<=>` then rank alike).
 */

/** Sum of products; vectors of different length are a programming error, not a zero. */
export function dot(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError(`dot of vectors of length ${a.length} and ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

export function norm(vector: readonly number[]): number {
  let sum = 0;
  for (const x of vector) sum += x * x;
  return Math.sqrt(sum);
}

/** Every component a finite number (a provider may send NaN, null or a string). */
export function isFiniteVector(vector: unknown): vector is number[] {
  return (
    Array.isArray(vector) &&
    vector.length > 0 &&
    vector.every((x) => typeof x === 'number' && Number.isFinite(x))
  );
}

/**
 * The vector scaled to length 1, or null for the zero vector (it has no direction: a model that
 * answers zeros for a text cannot place it, and storing it would make every cosine 0 or NaN).
 */
export function l2Normalize(vector: readonly number[]): number[] | null {
  const length = norm(vector);
  if (!(length > 0) || !Number.isFinite(length)) return null;
  return vector.map((x) => x / length);
}

/** Cosine similarity of two vectors of any length (0 when either is zero). */
export function cosine(a: readonly number[], b: readonly number[]): number {
  const lengths = norm(a) * norm(b);
  return lengths > 0 ? dot(a, b) / lengths : 0;
}
