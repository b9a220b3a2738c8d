// Types only: the engine imports this file, so a value import back would be a cycle.
import type {
  ActivationReason,
  KeyMatch,
  Lorebook,
  LorebookEntry,
  LorebookMessage,
  LorebookScanOptions,
  LorebookWarning,
  SecondaryCheck,
} from './lorebook-engine.js';
import {
  compileKeyMatcher,
  type KeyMatcher,
  type ScanChunk,
  type ScanSource,
} from './lorebook-key-matcher.js';

/** Messages scanned when neither the entry nor the book says: SillyTavern's default. */
export const DEFAULT_SCAN_DEPTH = 2;
const MAX_SCAN_DEPTH = 1000;

/** An entry ready to scan: keys compiled once per activation, content substituted, depth resolved. */
export interface PreparedEntry {
  entry: LorebookEntry;
  index: number;
  content: string;
  primary: { key: string; matches: KeyMatcher }[];
  secondary: { key: string; matches: KeyMatcher }[];
  selective: boolean;
  scanDepth: number;
}

/**
 * Compiles an enabled entry's keys with its effective settings; a disabled entry, one with no
 * content, or one with an invalid or refused regex key yields nothing (the latter with a warning).
 * @example prepareEntry(book, book.entries[0], 0, { messages: [] }, warnings) // [PreparedEntry] or []
 */
export function prepareEntry(
  book: Lorebook,
  entry: LorebookEntry,
  index: number,
  options: LorebookScanOptions,
  warnings: LorebookWarning[],
): PreparedEntry[] {
  if (entry.enabled === false) return [];
  const substitute = options.substitute ?? ((text: string) => text);
  const content = substitute(entry.content ?? '');
  if (!content.trim()) return [];
  const matchOptions = {
    caseSensitive: entry.caseSensitive ?? book.caseSensitive ?? false,
    matchWholeWords: entry.matchWholeWords ?? book.matchWholeWords ?? false,
    useRegex: entry.useRegex ?? false,
  };
  const compile = (keys: string[] | undefined) => {
    const result: { key: string; matches: KeyMatcher }[] = [];
    for (const raw of keys ?? []) {
      const key = substitute(raw).trim();
      if (!key) continue;
      const compiled = compileKeyMatcher(key, matchOptions);
      if (!compiled.ok) {
        warnings.push({
          index,
          key,
          message: `${label(entry, index)}: key ${key} skipped the entry: ${compiled.error}`,
        });
        return null;
      }
      result.push({ key, matches: compiled.matches });
    }
    return result;
  };
  const primary = compile(entry.keys);
  const secondary = compile(entry.secondaryKeys);
  if (!primary || !secondary) return [];
  const depth = entry.scanDepth ?? book.scanDepth ?? DEFAULT_SCAN_DEPTH;
  return [
    {
      entry,
      index,
      content,
      primary,
      secondary,
      selective: (entry.selective ?? secondary.length > 0) && secondary.length > 0,
      scanDepth: Math.min(MAX_SCAN_DEPTH, Math.max(0, Math.floor(depth))),
    },
  ];
}

/**
 * Why the entry activates at this scan step, or null. Step 0 scans the entry's recent messages;
 * later steps also scan the content of entries activated so far.
 * @example evaluateEntry(prepared, 0, toMessageChunks(['a dragon']), []) // { type: 'key', match: … }
 */
export function evaluateEntry(
  entry: PreparedEntry,
  step: number,
  messages: ScanChunk[],
  recursion: ScanChunk[],
): ActivationReason | null {
  const { entry: raw } = entry;
  if (raw.constant) return step === 0 ? { type: 'constant' } : null;
  if (step === 0 && raw.delayUntilRecursion) return null;
  if (step > 0 && raw.excludeRecursion) return null;
  // Messages are ordered newest first, so a match names the most recent message.
  const visible = [...messages.slice(0, entry.scanDepth), ...(step > 0 ? recursion : [])];
  let match: KeyMatch | undefined;
  for (const key of entry.primary) {
    const found = visible.find((chunk) => key.matches(chunk));
    if (found) {
      match = { key: key.key, source: found.source };
      break;
    }
  }
  if (!match) return null;
  const type = match.source.type === 'entry' ? 'recursion' : 'key';
  if (!entry.selective) return { type, match };
  const secondary = checkSecondary(entry, visible);
  return secondary ? { type, match, secondary } : null;
}

/** SillyTavern's semantics: AND_ANY one matches, NOT_ALL one is missing, NOT_ANY none match, AND_ALL all match. */
function checkSecondary(entry: PreparedEntry, visible: ScanChunk[]): SecondaryCheck | null {
  const logic = entry.entry.selectiveLogic ?? 'AND_ANY';
  const matched: string[] = [];
  const unmatched: string[] = [];
  for (const key of entry.secondary) {
    (visible.some((chunk) => key.matches(chunk)) ? matched : unmatched).push(key.key);
  }
  const passes =
    (logic === 'AND_ANY' && matched.length > 0) ||
    (logic === 'NOT_ALL' && unmatched.length > 0) ||
    (logic === 'NOT_ANY' && matched.length === 0) ||
    (logic === 'AND_ALL' && unmatched.length === 0);
  return passes ? { logic, matched, unmatched } : null;
}

function label(entry: LorebookEntry, index: number): string {
  const name = entry.name || entry.comment;
  return name ? `entry ${index} ("${name}")` : `entry ${index}`;
}

/**
 * Turns chat messages into scan chunks, newest first, with `name: ` prefixes.
 * @example toMessageChunks(['old', { name: 'Mira', content: 'new' }])[0]?.text // 'Mira: new'
 */
export function toMessageChunks(messages: readonly LorebookMessage[]): ScanChunk[] {
  const chunks: ScanChunk[] = [];
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index]!;
    const text =
      typeof message === 'string'
        ? message
        : message.name
          ? `${message.name}: ${message.content}`
          : message.content;
    chunks.push(scanChunk(text, { type: 'message', index }));
  }
  return chunks;
}

/**
 * One piece of scanned text with its lower-cased copy.
 * @example scanChunk('Hi', { type: 'message', index: 0 }).lower // 'hi'
 */
export function scanChunk(text: string, source: ScanSource): ScanChunk {
  return { text, lower: text.toLowerCase(), source };
}
