/*
 * Lumina's one lorebook shape, read from a SillyTavern World Info file or from a card's
 * `character_book`, and written back to either. Field meanings follow SillyTavern's World Info
 * (the richest of the formats); the V2/V3 card specs cover a subset. Anything not understood is
 * kept in `extensions` (named as in a card entry's `extensions`) or `extra` (unknown top-level
 * fields) so an export gives back what was imported.
 */

/** SillyTavern's `position` numbers, in order (world_info_position 0..7). */
export const LOREBOOK_POSITIONS = [
  'before_char',
  'after_char',
  'an_top',
  'an_bottom',
  'at_depth',
  'em_top',
  'em_bottom',
  'outlet',
] as const;
export type LorebookPosition = (typeof LOREBOOK_POSITIONS)[number];

/** SillyTavern's `selectiveLogic` numbers, in order: how secondary keys combine with the primary. */
export const SELECTIVE_LOGICS = ['and_any', 'not_all', 'not_any', 'and_all'] as const;
export type SelectiveLogic = (typeof SELECTIVE_LOGICS)[number];

export interface LorebookKey {
  /** The key as written in the file; exports write this back unchanged. */
  text: string;
  /** Set when the key is a regular expression: a `/source/flags` literal, or any key of a `useRegex` entry. */
  regex?: { source: string; flags: string };
}

export interface LorebookEntry {
  id?: number | string;
  /** Card-spec `name` (AgnAI, Risu); never used in prompts. */
  name?: string;
  comment: string;
  keys: LorebookKey[];
  secondaryKeys: LorebookKey[];
  content: string;
  enabled: boolean;
  /** Always inserted, whatever the keys. */
  constant: boolean;
  /** Secondary keys are checked, combined by `selectiveLogic`. */
  selective: boolean;
  selectiveLogic: SelectiveLogic;
  /** V3 `use_regex`: every key is a regular expression. */
  useRegex: boolean;
  /** null: follow the global setting. */
  caseSensitive: boolean | null;
  matchWholeWords: boolean | null;
  /** Lower is inserted earlier. */
  insertionOrder: number;
  /** Card-spec `priority`: with a token budget, lower is dropped first. */
  priority?: number;
  position: LorebookPosition;
  /** Messages from the end, for `at_depth`. */
  depth: number;
  /** null: use the book's scan depth. */
  scanDepth: number | null;
  /** Chance in percent; null means always. */
  probability: number | null;
  useProbability: boolean;
  group: string;
  excludeRecursion: boolean;
  preventRecursion: boolean;
  delayUntilRecursion: boolean;
  /** Other application data, keyed as in a card entry's `extensions` (SillyTavern's snake_case). */
  extensions: Record<string, unknown>;
  /** Unknown top-level fields of the source entry, written back as they came. */
  extra: Record<string, unknown>;
}

export interface Lorebook {
  name?: string;
  description?: string;
  scanDepth: number | null;
  tokenBudget: number | null;
  recursiveScanning: boolean | null;
  extensions: Record<string, unknown>;
  extra: Record<string, unknown>;
  entries: LorebookEntry[];
}

export interface ParsedLorebook {
  lorebook: Lorebook;
  source: 'world_info' | 'character_book';
  warnings: string[];
}

/** What an entry is when a file does not say; SillyTavern's defaults for a new entry. */
export const ENTRY_DEFAULTS = {
  comment: '',
  enabled: true,
  constant: false,
  selective: false,
  selectiveLogic: 'and_any',
  useRegex: false,
  caseSensitive: null,
  matchWholeWords: null,
  insertionOrder: 100,
  position: 'before_char',
  depth: 4,
  scanDepth: null,
  probability: null,
  useProbability: false,
  group: '',
  excludeRecursion: false,
  preventRecursion: false,
  delayUntilRecursion: false,
} as const satisfies Partial<LorebookEntry>;

const REGEX_LITERAL = /^\/([\s\S]+)\/([dgimsuvy]*)$/;

/**
 * Reads keys, marking regular expressions. A key that is not a valid expression stays a plain
 * key and a warning says so (the V3 spec: an invalid pattern never matches).
 *
 * @example
 * parseKeys(['dragon', '/wyrms?/i'], false, warnings);
 * // [{ text: 'dragon' }, { text: '/wyrms?/i', regex: { source: 'wyrms?', flags: 'i' } }]
 */
export function parseKeys(texts: readonly string[], useRegex: boolean, warnings: string[]): LorebookKey[] {
  return texts.map((text) => {
    const literal = REGEX_LITERAL.exec(text);
    const source = literal ? literal[1]! : useRegex ? text : undefined;
    if (source === undefined) return { text };
    const flags = literal?.[2] ?? '';
    try {
      RegExp(source, flags);
      return { text, regex: { source, flags } };
    } catch {
      warnings.push(`The key ${JSON.stringify(text)} is not a valid regular expression; it will never match`);
      return { text };
    }
  });
}

export function positionFromNumber(value: number, warnings: string[]): LorebookPosition {
  const position = LOREBOOK_POSITIONS[value];
  if (position) return position;
  warnings.push(`Unknown entry position ${value}; read as before_char`);
  return 'before_char';
}

export function logicFromNumber(value: number, warnings: string[]): SelectiveLogic {
  const logic = SELECTIVE_LOGICS[value];
  if (logic) return logic;
  warnings.push(`Unknown selectiveLogic ${value}; read as and_any`);
  return 'and_any';
}

/**
 * The SillyTavern keys inside a card entry's `extensions` that map onto typed LorebookEntry
 * fields; they are read into those fields and written back from them, never kept twice.
 */
export const LIFTED_EXTENSION_KEYS = [
  'position',
  'selectiveLogic',
  'depth',
  'scan_depth',
  'case_sensitive',
  'match_whole_words',
  'probability',
  'useProbability',
  'group',
  'exclude_recursion',
  'prevent_recursion',
  'delay_until_recursion',
] as const;
