import { z } from 'zod';

/*
 * Character Card V1, V2 and V3 as zod schemas.
 *
 * Sources: the V2 spec (github.com/malfoyslastname/character-card-spec-v2, spec_v2.md) and the V3
 * spec (github.com/kwaroran/character-card-spec-v3, SPEC_V3.md). Both say unknown fields must
 * survive an import/export, so every object here is loose (unknown keys pass through untouched)
 * and every `extensions` is an open record. Fields the specs call required but that real cards in
 * the wild omit get an empty default instead of a rejection: refusing a popular card because it
 * lacks `character_version` would help nobody. Only `name`, and the shape of what is present, is
 * enforced.
 */

const text = z.string().default('');
const stringList = z.array(z.string()).default([]);
/** Free-form, namespaced application data; never inspected, always kept. */
const extensions = z.record(z.string(), z.unknown()).default({});

/** One lorebook entry as the V2 spec defines it (plus `use_regex`, which ST writes into V2 too). */
export const characterBookEntryV2Schema = z.looseObject({
  keys: z.array(z.string()),
  content: z.string(),
  extensions,
  enabled: z.boolean().default(true),
  // 100 is what SillyTavern gives a new entry.
  insertion_order: z.number().default(100),
  case_sensitive: z.boolean().nullish(),
  use_regex: z.boolean().optional(),
  constant: z.boolean().nullish(),
  name: z.string().optional(),
  priority: z.number().nullish(),
  id: z.union([z.number(), z.string()]).optional(),
  comment: z.string().optional(),
  selective: z.boolean().nullish(),
  secondary_keys: z.array(z.string()).optional(),
  /** The spec says 'before_char' | 'after_char'; other strings seen in the wild are kept as they are. */
  position: z.string().optional(),
});

/** V3 makes `use_regex` required; a V2 entry upgrades with `false` (plain keyword matching). */
export const characterBookEntryV3Schema = characterBookEntryV2Schema.extend({
  use_regex: z.boolean().default(false),
});

const bookShape = {
  name: z.string().optional(),
  description: z.string().optional(),
  scan_depth: z.number().nullish(),
  token_budget: z.number().nullish(),
  recursive_scanning: z.boolean().nullish(),
  extensions,
};

export const characterBookV2Schema = z.looseObject({
  ...bookShape,
  entries: z.array(characterBookEntryV2Schema),
});

export const characterBookV3Schema = z.looseObject({
  ...bookShape,
  entries: z.array(characterBookEntryV3Schema),
});

/** The six fields of a V1 card, which V2 and V3 nest under `data`. */
export const V1_FIELDS = [
  'name',
  'description',
  'personality',
  'scenario',
  'first_mes',
  'mes_example',
] as const;

export const cardV1Schema = z.looseObject({
  name: z.string(),
  description: text,
  personality: text,
  scenario: text,
  first_mes: text,
  mes_example: text,
});

const dataV2Shape = {
  name: z.string(),
  description: text,
  personality: text,
  scenario: text,
  first_mes: text,
  mes_example: text,
  creator_notes: text,
  system_prompt: text,
  post_history_instructions: text,
  alternate_greetings: stringList,
  tags: stringList,
  creator: text,
  character_version: text,
  extensions,
};

export const cardDataV2Schema = z.looseObject({
  ...dataV2Shape,
  character_book: characterBookV2Schema.optional(),
});

export const cardAssetSchema = z.looseObject({
  type: z.string(),
  uri: z.string(),
  name: z.string(),
  ext: z.string(),
});

export const cardDataV3Schema = z.looseObject({
  ...dataV2Shape,
  character_book: characterBookV3Schema.optional(),
  assets: z.array(cardAssetSchema).optional(),
  nickname: z.string().optional(),
  creator_notes_multilingual: z.record(z.string(), z.string()).optional(),
  source: z.array(z.string()).optional(),
  group_only_greetings: stringList,
  creation_date: z.number().optional(),
  modification_date: z.number().optional(),
});

/** Fields of V3 `data` that a V2 reader does not know; `toV2` leaves them out. */
export const V3_ONLY_DATA_FIELDS = [
  'assets',
  'nickname',
  'creator_notes_multilingual',
  'source',
  'group_only_greetings',
  'creation_date',
  'modification_date',
] as const;

export const cardV2Schema = z.looseObject({
  spec: z.literal('chara_card_v2'),
  spec_version: z.literal('2.0'),
  data: cardDataV2Schema,
});

export const cardV3Schema = z.looseObject({
  spec: z.literal('chara_card_v3'),
  spec_version: z.literal('3.0'),
  data: cardDataV3Schema,
});

export type CardV1 = z.output<typeof cardV1Schema>;
export type CardV2 = z.output<typeof cardV2Schema>;
/** Lumina's one internal card shape; Lumina's own fields live under `data.extensions.lumina`. */
export type CardV3 = z.output<typeof cardV3Schema>;
export type CardDataV3 = CardV3['data'];
export type CardAsset = z.output<typeof cardAssetSchema>;
export type CharacterBookV2 = z.output<typeof characterBookV2Schema>;
export type CharacterBook = z.output<typeof characterBookV3Schema>;
export type CharacterBookEntry = CharacterBook['entries'][number];
export type CardSpec = 'v1' | 'v2' | 'v3';
