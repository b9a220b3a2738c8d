import type { MessageSearchTerms } from '../repositories/message-search.repository.js';

/**
 * What a search box's text asks for: `text` for `websearch_to_tsquery` (quotes, `or`, `-` work
 * as on a web search engine; empty when only the prefix word is left) and the last word still
 * being typed, matched as a prefix (letters and digits only, safe inside a tsquery).
 */
export type SearchQuery = MessageSearchTerms;

/** Shorter words are matched whole: a one-letter prefix matches nearly every message. */
export const MIN_PREFIX_LENGTH = 2;

const WORD_CHAR = /[\p{L}\p{N}]/u;
const TRAILING_WORD = /(^|\s)([\p{L}\p{N}]+)$/u;
const TRAILING_OR = /(^|\s)or$/i;

/**
 * Splits search-box text into websearch text and a prefix word. The last word counts as typed
 * so far when the text does not end in a space, the word is letters and digits only, and it is
 * not inside an open quote or negated (`-word` stays an exact exclusion).
 *
 * @example parseSearchQuery('dragon eg') // { text: 'dragon', prefix: { word: 'eg', join: 'and' } }
 * @example parseSearchQuery('cats or do') // { text: 'cats', prefix: { word: 'do', join: 'or' } }
 */
export function parseSearchQuery(input: string): SearchQuery {
  const whole = { text: lexical(input), prefix: null };
  const match = TRAILING_WORD.exec(input);
  const quotes = input.split('"').length - 1;
  if (!match || quotes % 2 === 1) return whole;
  const word = match[2]!;
  if (word.length < MIN_PREFIX_LENGTH) return whole;
  const rest = input.slice(0, match.index).trimEnd();
  if (TRAILING_OR.test(rest)) {
    return { text: lexical(rest.replace(TRAILING_OR, '')), prefix: { word, join: 'or' } };
  }
  return { text: lexical(rest), prefix: { word, join: 'and' } };
}

/** True when the parsed query can match anything (it has at least one word). */
export function hasTerms(query: SearchQuery): boolean {
  return query.text !== '' || query.prefix !== null;
}

/** Text without a single letter or digit has no lexemes; PostgreSQL would only log a notice. */
function lexical(text: string): string {
  return WORD_CHAR.test(text) ? text.trim() : '';
}
