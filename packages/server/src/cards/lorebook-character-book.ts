import { cardErrors } from './card-errors.js';
import { type CharacterBook, type CharacterBookEntry, characterBookV3Schema } from './card-types.js';
import {
  ENTRY_DEFAULTS,
  LIFTED_EXTENSION_KEYS,
  LOREBOOK_POSITIONS,
  type Lorebook,
  type LorebookEntry,
  logicFromNumber,
  type ParsedLorebook,
  parseKeys,
  positionFromNumber,
  SELECTIVE_LOGICS,
} from './lorebook-types.js';

/*
 * A card's `character_book` (V2/V3 spec) <-> the internal lorebook. The spec's own fields map
 * directly; SillyTavern's extra settings live in each entry's `extensions` under the names its
 * exporter uses, and are read from and written back there.
 */

type Guard<T> = (value: unknown) => value is T;
const isNumber: Guard<number> = (value): value is number => typeof value === 'number';
const isBoolean: Guard<boolean> = (value): value is boolean => typeof value === 'boolean';
const isString: Guard<string> = (value): value is string => typeof value === 'string';

/**
 * Reads a card's `character_book` (V2 or V3).
 *
 * @example
 * const { lorebook } = fromCharacterBook(card.data.character_book);
 */
export function fromCharacterBook(json: unknown): ParsedLorebook {
  const parsed = characterBookV3Schema.safeParse(json);
  if (!parsed.success) throw cardErrors.lorebookInvalid('This is not a character book', parsed.error.issues);
  const { name, description, scan_depth, token_budget, recursive_scanning, extensions, entries, ...extra } =
    parsed.data;
  const warnings: string[] = [];
  const lorebook: Lorebook = {
    ...(name !== undefined && { name }),
    ...(description !== undefined && { description }),
    scanDepth: scan_depth ?? null,
    tokenBudget: token_budget ?? null,
    recursiveScanning: recursive_scanning ?? null,
    extensions,
    extra,
    entries: entries.map((entry) => fromBookEntry(entry, warnings)),
  };
  return { lorebook, source: 'character_book', warnings };
}

function fromBookEntry(entry: CharacterBookEntry, warnings: string[]): LorebookEntry {
  const {
    keys,
    secondary_keys,
    content,
    extensions: original,
    enabled,
    insertion_order,
    case_sensitive,
    use_regex,
    constant,
    name,
    priority,
    id,
    comment,
    selective,
    position,
    ...extra
  } = entry;
  const extensions = { ...original };
  // A lifted key leaves `extensions` only when it has the expected type, so nothing odd is lost.
  const take = <T>(key: (typeof LIFTED_EXTENSION_KEYS)[number], guard: Guard<T>): T | undefined => {
    const value = extensions[key];
    if (!guard(value)) return undefined;
    delete extensions[key];
    return value;
  };
  const stPosition = take('position', isNumber);
  const stLogic = take('selectiveLogic', isNumber);
  const stCaseSensitive = take('case_sensitive', isBoolean);
  if (position !== undefined && position !== 'before_char' && position !== 'after_char') {
    warnings.push(`Unknown entry position ${JSON.stringify(position)}; read as before_char`);
  }
  return {
    ...(id !== undefined && { id }),
    ...(name !== undefined && { name }),
    comment: comment ?? ENTRY_DEFAULTS.comment,
    keys: parseKeys(keys, use_regex, warnings),
    secondaryKeys: parseKeys(secondary_keys ?? [], use_regex, warnings),
    content,
    enabled,
    constant: constant ?? ENTRY_DEFAULTS.constant,
    selective: selective ?? ENTRY_DEFAULTS.selective,
    selectiveLogic:
      stLogic === undefined ? ENTRY_DEFAULTS.selectiveLogic : logicFromNumber(stLogic, warnings),
    useRegex: use_regex,
    caseSensitive: case_sensitive ?? stCaseSensitive ?? ENTRY_DEFAULTS.caseSensitive,
    matchWholeWords: take('match_whole_words', isBoolean) ?? ENTRY_DEFAULTS.matchWholeWords,
    insertionOrder: insertion_order,
    ...(priority != null && { priority }),
    position:
      stPosition !== undefined
        ? positionFromNumber(stPosition, warnings)
        : position === 'after_char'
          ? 'after_char'
          : 'before_char',
    depth: take('depth', isNumber) ?? ENTRY_DEFAULTS.depth,
    scanDepth: take('scan_depth', isNumber) ?? ENTRY_DEFAULTS.scanDepth,
    probability: take('probability', isNumber) ?? ENTRY_DEFAULTS.probability,
    useProbability: take('useProbability', isBoolean) ?? ENTRY_DEFAULTS.useProbability,
    group: take('group', isString) ?? ENTRY_DEFAULTS.group,
    excludeRecursion: take('exclude_recursion', isBoolean) ?? ENTRY_DEFAULTS.excludeRecursion,
    preventRecursion: take('prevent_recursion', isBoolean) ?? ENTRY_DEFAULTS.preventRecursion,
    delayUntilRecursion: take('delay_until_recursion', isBoolean) ?? ENTRY_DEFAULTS.delayUntilRecursion,
    extensions: dropNullLifted(extensions),
    extra,
  };
}

/** ST writes `probability: null` and the like for "unset"; that is what the defaults already say. */
function dropNullLifted(extensions: Record<string, unknown>): Record<string, unknown> {
  for (const key of LIFTED_EXTENSION_KEYS) if (extensions[key] === null) delete extensions[key];
  return extensions;
}

/**
 * Writes a lorebook as a V3 `character_book` (readable as V2 too). SillyTavern settings are
 * written into each entry's `extensions` only when they differ from ST's defaults.
 *
 * @example
 * card.data.character_book = toCharacterBook(lorebook);
 */
export function toCharacterBook(lorebook: Lorebook): CharacterBook {
  return {
    ...lorebook.extra,
    ...(lorebook.name !== undefined && { name: lorebook.name }),
    ...(lorebook.description !== undefined && { description: lorebook.description }),
    ...(lorebook.scanDepth !== null && { scan_depth: lorebook.scanDepth }),
    ...(lorebook.tokenBudget !== null && { token_budget: lorebook.tokenBudget }),
    ...(lorebook.recursiveScanning !== null && { recursive_scanning: lorebook.recursiveScanning }),
    extensions: lorebook.extensions,
    entries: lorebook.entries.map(toBookEntry),
  };
}

function toBookEntry(entry: LorebookEntry): CharacterBookEntry {
  const st: Record<string, unknown> = {
    // The spec's string position only knows before/after; ST's number says which exactly.
    position:
      entry.position === 'before_char' || entry.position === 'after_char' ? undefined : entry.position,
    selectiveLogic: entry.selectiveLogic === ENTRY_DEFAULTS.selectiveLogic ? undefined : entry.selectiveLogic,
    depth: entry.depth === ENTRY_DEFAULTS.depth ? undefined : entry.depth,
    scan_depth: entry.scanDepth ?? undefined,
    case_sensitive: entry.caseSensitive ?? undefined,
    match_whole_words: entry.matchWholeWords ?? undefined,
    probability: entry.probability ?? undefined,
    useProbability: entry.useProbability || undefined,
    group: entry.group || undefined,
    exclude_recursion: entry.excludeRecursion || undefined,
    prevent_recursion: entry.preventRecursion || undefined,
    delay_until_recursion: entry.delayUntilRecursion || undefined,
  };
  if (st.position !== undefined) st.position = LOREBOOK_POSITIONS.indexOf(entry.position);
  if (st.selectiveLogic !== undefined) st.selectiveLogic = SELECTIVE_LOGICS.indexOf(entry.selectiveLogic);
  const extensions = { ...entry.extensions };
  for (const [key, value] of Object.entries(st)) if (value !== undefined) extensions[key] = value;
  return {
    ...entry.extra,
    ...(entry.id !== undefined && { id: entry.id }),
    ...(entry.name !== undefined && { name: entry.name }),
    keys: entry.keys.map((key) => key.text),
    secondary_keys: entry.secondaryKeys.map((key) => key.text),
    comment: entry.comment,
    content: entry.content,
    constant: entry.constant,
    selective: entry.selective,
    insertion_order: entry.insertionOrder,
    ...(entry.priority !== undefined && { priority: entry.priority }),
    enabled: entry.enabled,
    position: entry.position === 'before_char' ? 'before_char' : 'after_char',
    use_regex: entry.useRegex,
    ...(entry.caseSensitive !== null && { case_sensitive: entry.caseSensitive }),
    extensions,
  };
}
