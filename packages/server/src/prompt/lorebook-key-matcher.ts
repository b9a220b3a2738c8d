import { compileSafeRegex, parseRegexKey, testRegexBounded } from './lorebook-regex.js';

/** One piece of scanned text: a chat message or the content of an entry activated earlier. */
export interface ScanChunk {
  text: string;
  /** `text` lower-cased once, so case-insensitive keys do not re-lower every message. */
  lower: string;
  source: ScanSource;
}

export type ScanSource = { type: 'message'; index: number } | { type: 'entry'; index: number; step: number };

export interface KeyMatchOptions {
  caseSensitive: boolean;
  matchWholeWords: boolean;
  /** Card V3 `use_regex`: every key is a pattern, even without `/…/`. */
  useRegex: boolean;
}

export type KeyMatcher = (chunk: ScanChunk) => boolean;

export type KeyMatcherResult = { ok: true; matches: KeyMatcher } | { ok: false; error: string };

/**
 * Builds the test for one lorebook key. `/pattern/flags` keys are regular expressions with their
 * own flags (case sensitivity and whole-word settings do not apply, as in SillyTavern); plain
 * keys are substrings, optionally case-sensitive, optionally whole words. Whole-word matching
 * uses Unicode letter/number boundaries, so it also works for "café" or "Zoë".
 * @example compileKeyMatcher('dragon', { caseSensitive: false, matchWholeWords: true, useRegex: false })
 */
export function compileKeyMatcher(key: string, options: KeyMatchOptions): KeyMatcherResult {
  const written = parseRegexKey(key);
  if (written || options.useRegex) {
    const pattern = written?.pattern ?? key;
    const flags = written?.flags ?? (options.caseSensitive ? '' : 'i');
    const compiled = compileSafeRegex(pattern, flags);
    if (!compiled.ok) return compiled;
    const regex = compiled.regex;
    return { ok: true, matches: (chunk) => testRegexBounded(regex, chunk.text) };
  }
  if (options.matchWholeWords) {
    const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const regex = new RegExp(
      `(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`,
      options.caseSensitive ? 'u' : 'iu',
    );
    return { ok: true, matches: (chunk) => regex.test(chunk.text) };
  }
  if (options.caseSensitive) return { ok: true, matches: (chunk) => chunk.text.includes(key) };
  const lowered = key.toLowerCase();
  return { ok: true, matches: (chunk) => chunk.lower.includes(lowered) };
}
