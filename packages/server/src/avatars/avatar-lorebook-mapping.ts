import type {
  Lorebook as CardLorebook,
  LorebookEntry as CardLorebookEntry,
  LorebookPosition as CardPosition,
} from '../cards/lorebook-types.js';
import type { Avatar } from '../domain/avatar.js';
import {
  DEFAULT_INJECTION_DEPTH,
  type Lorebook,
  type LorebookEntry,
  type LorebookPosition,
  type SelectiveLogic,
} from '../prompt/lorebook-engine.js';

/**
 * SillyTavern places author's-note entries (`an_top`/`an_bottom`) with the author's note, which
 * sits a few messages from the end of the chat; example-message entries go around the examples.
 * `outlet` entries are only reachable through the `{{outlet::name}}` macro, which Lumina does not
 * have, so they are left out.
 */
const POSITIONS: Record<CardPosition, LorebookPosition | null> = {
  before_char: 'before_char',
  after_char: 'after_char',
  an_top: 'at_depth',
  an_bottom: 'at_depth',
  at_depth: 'at_depth',
  em_top: 'before_example',
  em_bottom: 'after_example',
  outlet: null,
};

const LOGICS: Record<CardLorebookEntry['selectiveLogic'], SelectiveLogic> = {
  and_any: 'AND_ANY',
  not_all: 'NOT_ALL',
  not_any: 'NOT_ANY',
  and_all: 'AND_ALL',
};

/** SillyTavern's `role` numbers for entries injected into the chat. */
const ROLES = ['system', 'user', 'assistant'] as const;

/**
 * The activation engine's view of an avatar's World Info (stored in the cards/ lorebook shape,
 * see cards/lorebook-types.ts); null when the avatar has none.
 * @example toEngineLorebook(avatar)?.entries[0]?.keys // ['eldoria', 'wood']
 */
export function toEngineLorebook(avatar: Pick<Avatar, 'lorebook'>): Lorebook | null {
  const book = avatar.lorebook as unknown as CardLorebook | null;
  if (!book || !Array.isArray(book.entries) || book.entries.length === 0) return null;
  return {
    ...(book.name !== undefined ? { name: book.name } : {}),
    ...(book.scanDepth != null ? { scanDepth: book.scanDepth } : {}),
    ...(book.tokenBudget != null ? { tokenBudget: book.tokenBudget } : {}),
    ...(book.recursiveScanning != null ? { recursiveScanning: book.recursiveScanning } : {}),
    entries: book.entries.flatMap(toEngineEntry),
  };
}

function toEngineEntry(entry: CardLorebookEntry): LorebookEntry[] {
  const position = POSITIONS[entry.position] ?? null;
  if (!position) return [];
  const atDepth = position === 'at_depth';
  // Author's-note entries have no depth of their own: they follow the note (SillyTavern's default 4).
  const depth = entry.position === 'at_depth' ? entry.depth : DEFAULT_INJECTION_DEPTH;
  const role = ROLES[Number(entry.extensions?.role ?? 0)] ?? 'system';
  return [
    {
      ...(entry.id !== undefined ? { id: entry.id } : {}),
      ...(entry.name !== undefined ? { name: entry.name } : {}),
      comment: entry.comment,
      keys: entry.keys.map((key) => key.text),
      secondaryKeys: entry.secondaryKeys.map((key) => key.text),
      selective: entry.selective,
      selectiveLogic: LOGICS[entry.selectiveLogic] ?? 'AND_ANY',
      content: entry.content,
      enabled: entry.enabled,
      insertionOrder: entry.insertionOrder,
      ...(entry.caseSensitive !== null ? { caseSensitive: entry.caseSensitive } : {}),
      ...(entry.matchWholeWords !== null ? { matchWholeWords: entry.matchWholeWords } : {}),
      useRegex: entry.useRegex,
      constant: entry.constant,
      position,
      ...(atDepth ? { depth, role } : {}),
      probability: entry.useProbability ? (entry.probability ?? 100) : 100,
      preventRecursion: entry.preventRecursion,
      excludeRecursion: entry.excludeRecursion,
      delayUntilRecursion: entry.delayUntilRecursion,
      ...(entry.scanDepth !== null ? { scanDepth: entry.scanDepth } : {}),
      ...(entry.priority !== undefined ? { priority: entry.priority } : {}),
    },
  ];
}
