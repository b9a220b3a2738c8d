import { assertJsonValueDepth, MAX_JSON_DEPTH } from '../json-depth.js';
import { cardErrors } from './card-errors.js';
import {
  type CardSpec,
  type CardV2,
  type CardV3,
  cardV3Schema,
  V1_FIELDS,
  V3_ONLY_DATA_FIELDS,
} from './card-types.js';

export interface ParsedCard {
  /** The card upgraded to Lumina's internal V3 shape, unknown fields kept. */
  card: CardV3;
  /** The spec the file was written in, so an export can write the same version back. */
  sourceSpec: CardSpec;
  /** Things a person may want to know (fields filled in, a newer spec, …); never fatal. */
  warnings: string[];
}

type JsonObject = Record<string, unknown>;

/**
 * The V3 spec asks a V2 backfill (the `chara` chunk of a PNG that also has `ccv3`) to carry this
 * notice in `creator_notes`, and asks importers to trim it again.
 */
export const V2_BACKFILL_NOTICE =
  'This character card is Character Card V3, but it is loaded as a Character Card V2. ' +
  'Please use a Character Card V3 compatible application to use this character card properly.';

const REQUIRED_DATA_FIELDS = [
  ...V1_FIELDS.slice(1),
  'creator_notes',
  'system_prompt',
  'post_history_instructions',
  'alternate_greetings',
  'tags',
  'creator',
  'character_version',
  'extensions',
];

/**
 * Card fields that SillyTavern (and the V2 transition guide) also copy to the top level of a V2/V3
 * card for V1-only readers. They duplicate `data`, so they are dropped on import instead of being
 * kept as stale copies that would disagree with `data` after the first edit.
 */
const TOP_LEVEL_MIRRORS: Record<string, string> = {
  ...Object.fromEntries(V1_FIELDS.map((field) => [field, field])),
  creatorcomment: 'creator_notes',
  tags: 'tags',
};

/**
 * Reads any Character Card JSON (V1 flat, V2 or V3) into the one internal V3 shape.
 *
 * @example
 * const { card, sourceSpec } = parseCard(JSON.parse(text));
 * card.data.first_mes; // the greeting, whatever version the file was
 * sourceSpec; // 'v2' -> export with toV2(card) to give the author back what they gave us
 */
export function parseCard(json: unknown): ParsedCard {
  // Unknown extension fields are kept and later stored with JSON.stringify, which recurses: a
  // hostile depth must stop here, whichever decoder the value came from.
  assertJsonValueDepth(json, MAX_JSON_DEPTH, 'the character card');
  if (!isObject(json)) throw cardErrors.invalid('A character card must be a JSON object');
  const warnings: string[] = [];
  const { spec } = json;
  if (spec === 'chara_card_v3' || spec === 'chara_card_v2') {
    const version = spec === 'chara_card_v3' ? '3.0' : '2.0';
    if (json.spec_version !== version) warnings.push(versionWarning(json.spec_version, version));
    return upgrade(json, spec === 'chara_card_v3' ? 'v3' : 'v2', warnings);
  }
  if (spec !== undefined) throw cardErrors.invalid(`Unsupported character card spec "${String(spec)}"`);
  if (isObject(json.data)) {
    warnings.push('The card has a "data" object but no "spec"; it was read as Character Card V2');
    return upgrade(json, 'v2', warnings);
  }
  if (typeof json.name === 'string') return fromV1(json, warnings);
  if ('entries' in json) {
    throw cardErrors.invalid('This file is a lorebook (World Info), not a character card');
  }
  throw cardErrors.invalid('This JSON is not a character card: it has no "spec", "data" or "name"');
}

function upgrade(json: JsonObject, sourceSpec: 'v2' | 'v3', warnings: string[]): ParsedCard {
  const rawData = json.data;
  if (!isObject(rawData)) throw cardErrors.invalid('The card has no "data" object');
  const data: JsonObject = { ...rawData };
  // Several exporters write `character_book: null` for "no book"; the specs mean absent.
  if (data.character_book === null) delete data.character_book;
  const missing = REQUIRED_DATA_FIELDS.filter((field) => data[field] === undefined);
  if (sourceSpec === 'v3' && data.group_only_greetings === undefined) missing.push('group_only_greetings');
  if (missing.length > 0)
    warnings.push(`Missing card fields were filled with empty values: ${missing.join(', ')}`);
  if (sourceSpec === 'v2' && typeof data.creator_notes === 'string') {
    data.creator_notes = trimBackfillNotice(data.creator_notes);
  }
  const top = dropMirrors(json, data, warnings);
  return { card: validate({ ...top, data }), sourceSpec, warnings };
}

function fromV1(json: JsonObject, warnings: string[]): ParsedCard {
  const data: JsonObject = {};
  const rest: JsonObject = {};
  // Flat V2-style fields (and ST's `creatorcomment`) are taken too: some V1 exporters add them.
  const known = new Set<string>([...V1_FIELDS, ...REQUIRED_DATA_FIELDS, 'character_book']);
  for (const [key, value] of Object.entries(json)) {
    if (known.has(key) && !(key === 'tags' && !Array.isArray(value))) data[key] = value;
    else rest[key] = value;
  }
  if (data.creator_notes === undefined && typeof rest.creatorcomment === 'string') {
    data.creator_notes = rest.creatorcomment;
    delete rest.creatorcomment;
  }
  if (data.character_book === null) delete data.character_book;
  warnings.push('The card was upgraded from Character Card V1');
  return { card: validate({ ...rest, data }), sourceSpec: 'v1', warnings };
}

function validate(input: JsonObject): CardV3 {
  const parsed = cardV3Schema.safeParse({ ...input, spec: 'chara_card_v3', spec_version: '3.0' });
  if (parsed.success) return parsed.data;
  throw cardErrors.invalid('The character card does not have the expected fields', parsed.error.issues);
}

function dropMirrors(json: JsonObject, data: JsonObject, warnings: string[]): JsonObject {
  const top: JsonObject = {};
  for (const [key, value] of Object.entries(json)) {
    if (key === 'spec' || key === 'spec_version' || key === 'data') continue;
    const mirrorOf = TOP_LEVEL_MIRRORS[key];
    if (mirrorOf === undefined) {
      top[key] = value;
    } else if (typeof value === 'string' && typeof data[mirrorOf] === 'string' && value !== data[mirrorOf]) {
      warnings.push(`The top-level "${key}" differs from data.${mirrorOf}; the data value was used`);
    }
  }
  return top;
}

function versionWarning(found: unknown, expected: string): string {
  const newer = typeof found === 'string' && Number.parseFloat(found) > Number.parseFloat(expected);
  return newer
    ? `The card uses spec version ${found}, newer than ${expected}; fields this version does not know are kept`
    : `The card declares spec_version ${JSON.stringify(found)}; it was read as ${expected}`;
}

function trimBackfillNotice(notes: string): string {
  return notes.startsWith(V2_BACKFILL_NOTICE) ? notes.slice(V2_BACKFILL_NOTICE.length).trimStart() : notes;
}

/**
 * The card as a V3 JSON object, ready for `JSON.stringify`, a `ccv3` chunk or a CHARX `card.json`.
 *
 * @example
 * const json = JSON.stringify(toV3(card));
 */
export function toV3(card: CardV3): CardV3 {
  const { spec: _spec, spec_version: _version, data, ...rest } = card;
  return { spec: 'chara_card_v3', spec_version: '3.0', data, ...rest };
}

/**
 * The card as a V2 JSON object. V3-only fields (see `v3OnlyFields`) are left out, since a V2
 * reader would not use them; `backfill` adds the notice the V3 spec asks for when the V2 copy
 * sits next to a V3 one (the PNG `chara` chunk) and V3 data is being left out.
 *
 * @example
 * const dropped = v3OnlyFields(card); // tell the person before a lossy V2 export
 * const json = JSON.stringify(toV2(card));
 */
export function toV2(card: CardV3, options: { backfill?: boolean } = {}): CardV2 {
  const { spec: _spec, spec_version: _version, data, ...rest } = card;
  const v2Data: Record<string, unknown> = { ...data };
  for (const field of V3_ONLY_DATA_FIELDS) delete v2Data[field];
  if (options.backfill && v3OnlyFields(card).length > 0) {
    v2Data.creator_notes = data.creator_notes
      ? `${V2_BACKFILL_NOTICE}\n\n${data.creator_notes}`
      : V2_BACKFILL_NOTICE;
  }
  return { spec: 'chara_card_v2', spec_version: '2.0', data: v2Data as CardV2['data'], ...rest };
}

/**
 * Which V3-only fields of this card hold something a V2 export would lose.
 *
 * @example
 * v3OnlyFields(card); // ['nickname', 'group_only_greetings']
 */
export function v3OnlyFields(card: CardV3): string[] {
  return V3_ONLY_DATA_FIELDS.filter((field) => {
    const value = card.data[field];
    return Array.isArray(value) ? value.length > 0 : value !== undefined;
  });
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
