import { countTokens } from '../providers/adapters/token-counter.js';

/** Counts the tokens of a piece of prompt text; sync or async, so tests can pass `(t) => t.length`. */
export type TokenCounter = (text: string) => number | Promise<number>;

/**
 * The default counter: js-tiktoken with the encoding that best approximates `model`
 * (see providers/adapters/token-counter.ts). Without a model, cl100k_base is used.
 * @example const count = tokenCounterFor('gpt-4o'); await count('Hello world') // 2
 */
export function tokenCounterFor(model = ''): TokenCounter {
  return (text) => countTokens(text, model);
}
