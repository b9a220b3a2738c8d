import { assertJsonValueDepth, MAX_JSON_DEPTH } from '../json-depth.js';
import { cardErrors } from './card-errors.js';
import { fromCharacterBook } from './lorebook-character-book.js';
import type { ParsedLorebook } from './lorebook-types.js';
import { parseWorldInfo } from './lorebook-world-info.js';

export { fromCharacterBook, toCharacterBook } from './lorebook-character-book.js';
export type {
  Lorebook,
  LorebookEntry,
  LorebookKey,
  LorebookPosition,
  ParsedLorebook,
  SelectiveLogic,
} from './lorebook-types.js';
export { parseWorldInfo, toWorldInfo, type WorldInfo } from './lorebook-world-info.js';

/**
 * Reads any standalone lorebook file: a SillyTavern World Info file (`entries` keyed by uid), a
 * bare `character_book` (`entries` as an array) or a V3 `{ spec: 'lorebook_v3', data }` file.
 *
 * @example
 * const { lorebook, source } = parseLorebook(JSON.parse(text), 'Eldoria');
 * source; // 'world_info'
 */
export function parseLorebook(json: unknown, name?: string): ParsedLorebook {
  // `extensions` and `extra` are kept as given and stored with JSON.stringify, which recurses.
  assertJsonValueDepth(json, MAX_JSON_DEPTH, 'the lorebook');
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw cardErrors.lorebookInvalid('A lorebook must be a JSON object');
  }
  const file = json as Record<string, unknown>;
  if (file.spec === 'lorebook_v3') return fromCharacterBook(file.data);
  if (Array.isArray(file.entries)) return fromCharacterBook(file);
  if (typeof file.entries === 'object' && file.entries !== null) return parseWorldInfo(file, name);
  throw cardErrors.lorebookInvalid('This JSON is not a lorebook: it has no "entries"');
}
