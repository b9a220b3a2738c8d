import { z } from 'zod';
import { cardErrors } from './card-errors.js';
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
 * SillyTavern World Info files: `{ entries: { "<uid>": { uid, key[], keysecondary[], … } } }`.
 * The field names and their card-extension twins follow SillyTavern's own converters
 * (convertCharacterBook / convertWorldInfoToCharacterBook), so a book that travels
 * ST -> Lumina -> ST keeps every setting.
 */

const keyList = z
  .union([z.array(z.string()), z.string()])
  .optional()
  .transform((value) => (typeof value === 'string' ? splitKeyString(value) : (value ?? [])));

const entrySchema = z.looseObject({
  uid: z.union([z.number(), z.string()]).optional(),
  key: keyList,
  keysecondary: keyList,
  comment: z.string().nullish(),
  content: z.string().nullish(),
  constant: z.boolean().nullish(),
  selective: z.boolean().nullish(),
  selectiveLogic: z.number().nullish(),
  order: z.number().nullish(),
  position: z.number().nullish(),
  disable: z.boolean().nullish(),
  depth: z.number().nullish(),
  scanDepth: z.number().nullish(),
  caseSensitive: z.boolean().nullish(),
  matchWholeWords: z.boolean().nullish(),
  probability: z.number().nullish(),
  useProbability: z.boolean().nullish(),
  group: z.string().nullish(),
  excludeRecursion: z.boolean().nullish(),
  preventRecursion: z.boolean().nullish(),
  delayUntilRecursion: z.boolean().nullish(),
  extensions: z.record(z.string(), z.unknown()).optional(),
});

const worldInfoSchema = z.looseObject({
  entries: z.union([z.record(z.string(), entrySchema), z.array(entrySchema)]),
});

export type WorldInfoEntry = z.input<typeof entrySchema>;
export type WorldInfo = { entries: Record<string, WorldInfoEntry> } & Record<string, unknown>;

/** Fields read into typed LorebookEntry fields; everything else is kept as it is. */
const LIFTED = new Set(Object.keys(entrySchema.shape));

/** ST fields Lumina does not interpret, with the names ST gives them inside a card's entry extensions. */
const ST_EXTENSION_NAMES: Record<string, string> = {
  displayIndex: 'display_index',
  outletName: 'outlet_name',
  groupOverride: 'group_override',
  groupWeight: 'group_weight',
  useGroupScoring: 'use_group_scoring',
  automationId: 'automation_id',
  role: 'role',
  vectorized: 'vectorized',
  sticky: 'sticky',
  cooldown: 'cooldown',
  delay: 'delay',
  matchPersonaDescription: 'match_persona_description',
  matchCharacterDescription: 'match_character_description',
  matchCharacterPersonality: 'match_character_personality',
  matchCharacterDepthPrompt: 'match_character_depth_prompt',
  matchScenario: 'match_scenario',
  matchCreatorNotes: 'match_creator_notes',
  triggers: 'triggers',
  ignoreBudget: 'ignore_budget',
};
const ST_FIELD_NAMES = Object.fromEntries(Object.entries(ST_EXTENSION_NAMES).map(([wi, ext]) => [ext, wi]));

/** Card-entry fields with no World Info twin travel in the entry's own `extensions`. */
const CARD_ONLY = ['name', 'priority', 'use_regex'] as const;

/**
 * Reads a SillyTavern World Info file.
 *
 * @example
 * const { lorebook } = parseWorldInfo(JSON.parse(await fs.readFile('Eldoria.json', 'utf8')), 'Eldoria');
 * lorebook.entries[0].keys.map((k) => k.text); // ['eldoria', 'wood', 'forest', 'magical forest']
 */
export function parseWorldInfo(json: unknown, name?: string): ParsedLorebook {
  const parsed = worldInfoSchema.safeParse(json);
  if (!parsed.success) throw cardErrors.lorebookInvalid('This is not a World Info file', parsed.error.issues);
  const { entries, ...extra } = parsed.data;
  const warnings: string[] = [];
  const lorebook: Lorebook = {
    ...(name !== undefined && { name }),
    scanDepth: null,
    tokenBudget: null,
    recursiveScanning: null,
    extensions: {},
    extra,
    entries: Object.values(entries).map((entry) => fromWorldInfoEntry(entry, warnings)),
  };
  return { lorebook, source: 'world_info', warnings };
}

function fromWorldInfoEntry(raw: z.output<typeof entrySchema>, warnings: string[]): LorebookEntry {
  const { name, priority, use_regex, ...otherExtensions } = raw.extensions ?? {};
  // ST copies a card entry's extensions into the World Info entry; its top-level fields are the
  // live ones, so the copies of those fields are dropped rather than kept stale.
  const extensions: Record<string, unknown> = { ...otherExtensions };
  for (const key of LIFTED_EXTENSION_KEYS) delete extensions[key];
  const extra: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(raw)) {
    if (LIFTED.has(field)) continue;
    const extensionName = ST_EXTENSION_NAMES[field];
    if (extensionName) extensions[extensionName] = value;
    else extra[field] = value;
  }
  const useRegex = use_regex === true;
  return {
    ...(raw.uid !== undefined && { id: raw.uid }),
    ...(typeof name === 'string' && { name }),
    comment: raw.comment ?? ENTRY_DEFAULTS.comment,
    keys: parseKeys(raw.key, useRegex, warnings),
    secondaryKeys: parseKeys(raw.keysecondary, useRegex, warnings),
    content: raw.content ?? '',
    enabled: raw.disable == null ? ENTRY_DEFAULTS.enabled : !raw.disable,
    constant: raw.constant ?? ENTRY_DEFAULTS.constant,
    selective: raw.selective ?? ENTRY_DEFAULTS.selective,
    selectiveLogic:
      raw.selectiveLogic == null
        ? ENTRY_DEFAULTS.selectiveLogic
        : logicFromNumber(raw.selectiveLogic, warnings),
    useRegex,
    caseSensitive: raw.caseSensitive ?? ENTRY_DEFAULTS.caseSensitive,
    matchWholeWords: raw.matchWholeWords ?? ENTRY_DEFAULTS.matchWholeWords,
    insertionOrder: raw.order ?? ENTRY_DEFAULTS.insertionOrder,
    ...(typeof priority === 'number' && { priority }),
    position: raw.position == null ? ENTRY_DEFAULTS.position : positionFromNumber(raw.position, warnings),
    depth: raw.depth ?? ENTRY_DEFAULTS.depth,
    scanDepth: raw.scanDepth ?? ENTRY_DEFAULTS.scanDepth,
    probability: raw.probability ?? ENTRY_DEFAULTS.probability,
    useProbability: raw.useProbability ?? ENTRY_DEFAULTS.useProbability,
    group: raw.group ?? ENTRY_DEFAULTS.group,
    excludeRecursion: raw.excludeRecursion ?? ENTRY_DEFAULTS.excludeRecursion,
    preventRecursion: raw.preventRecursion ?? ENTRY_DEFAULTS.preventRecursion,
    delayUntilRecursion: raw.delayUntilRecursion ?? ENTRY_DEFAULTS.delayUntilRecursion,
    extensions,
    extra,
  };
}

/**
 * Writes a lorebook as a SillyTavern World Info file, entries keyed by uid. Book-level settings
 * (scan depth, token budget, recursion) have no place in the file: ST keeps them globally.
 *
 * @example
 * await fs.writeFile('Eldoria.json', JSON.stringify(toWorldInfo(lorebook), null, 4));
 */
export function toWorldInfo(lorebook: Lorebook): WorldInfo {
  const entries: Record<string, WorldInfoEntry> = {};
  const used = new Set(lorebook.entries.map((entry) => String(entry.id)));
  let next = 0;
  for (const entry of lorebook.entries) {
    let uid = entry.id;
    if (uid === undefined) {
      while (used.has(String(next))) next++;
      uid = next;
      used.add(String(uid));
    }
    entries[String(uid)] = toWorldInfoEntry(entry, uid);
  }
  return { ...lorebook.extra, entries };
}

function toWorldInfoEntry(entry: LorebookEntry, uid: number | string): WorldInfoEntry {
  const stFields: Record<string, unknown> = {};
  const extensions: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(entry.extensions)) {
    const field = ST_FIELD_NAMES[name];
    if (field) stFields[field] = value;
    else extensions[name] = value;
  }
  const cardOnly = { name: entry.name, priority: entry.priority, use_regex: entry.useRegex || undefined };
  for (const field of CARD_ONLY) if (cardOnly[field] !== undefined) extensions[field] = cardOnly[field];
  return {
    ...entry.extra,
    ...stFields,
    uid,
    key: entry.keys.map((key) => key.text),
    keysecondary: entry.secondaryKeys.map((key) => key.text),
    comment: entry.comment,
    content: entry.content,
    constant: entry.constant,
    selective: entry.selective,
    selectiveLogic: SELECTIVE_LOGICS.indexOf(entry.selectiveLogic),
    order: entry.insertionOrder,
    position: LOREBOOK_POSITIONS.indexOf(entry.position),
    disable: !entry.enabled,
    depth: entry.depth,
    scanDepth: entry.scanDepth,
    caseSensitive: entry.caseSensitive,
    matchWholeWords: entry.matchWholeWords,
    probability: entry.probability,
    useProbability: entry.useProbability,
    group: entry.group,
    excludeRecursion: entry.excludeRecursion,
    preventRecursion: entry.preventRecursion,
    delayUntilRecursion: entry.delayUntilRecursion,
    ...(Object.keys(extensions).length > 0 && { extensions }),
  };
}

/** Very old World Info files kept keys as one comma-separated string. */
function splitKeyString(value: string): string[] {
  return value
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key.length > 0);
}
