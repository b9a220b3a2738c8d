import { isDeepStrictEqual } from 'node:util';
import { type Avatar, type AvatarInput, type AvatarStyle, NEUTRAL_STYLE } from '../domain/avatar.js';
import {
  effectiveGenerationSettings,
  type GenerationSettings,
  readAvatarGeneration,
  readGenerationSettings,
} from '../domain/generation-settings.js';
import { cardBlurb } from './card-blurb.js';
import type { CardSpec, CardV3 } from './card-types.js';
import { fromCharacterBook, toCharacterBook } from './lorebook.js';
import type { Lorebook } from './lorebook-types.js';

/**
 * Lumina's own fields travel inside a card under `data.extensions.lumina`. `description` is the
 * gallery blurb; a Lumina export before the blurb existed wrote the blurb as the card's
 * `description` and the persona as its `personality`, and such a card is read that way.
 */
interface LuminaExtension {
  description?: string;
  backstory?: string;
  traits?: string[];
  style?: AvatarStyle;
  voice?: Avatar['voice'];
  memory?: Avatar['memory'];
  defaultModel?: string | null;
  fallbackModels?: string[];
  /**
   * Sampling settings: the avatar's own values over its preset's, flattened (a preset is this
   * instance's; its name travels for people to read). Absent when none is set.
   */
  generation?: { presetName?: string; settings: GenerationSettings };
}

/**
 * What of the card is kept because it has no column of its own (for lossless export): every
 * `data` field but those copied to a column unchanged, so `description` and `personality` (joined
 * into the persona) and `character_book` (converted into the lorebook) are kept as they were.
 * `importedDescription` is the blurb the import made, which the prompt leaves out until someone
 * edits it: it repeats the definition or the creator notes, and neither belongs there twice.
 */
interface CardExtras {
  sourceSpec: CardSpec;
  card: { spec?: string; spec_version?: string; data: Record<string, unknown>; [key: string]: unknown };
  importedDescription?: string;
}

/** Copied to a column as they are; the column is the only copy. */
const COPIED = [
  'name',
  'nickname',
  'scenario',
  'first_mes',
  'alternate_greetings',
  'mes_example',
  'tags',
] as const;

const LUMINA_FIELDS = [
  'description',
  'backstory',
  'traits',
  'style',
  'voice',
  'memory',
  'defaultModel',
  'fallbackModels',
  'generation',
] as const;

/**
 * The persona of an imported card: its definition (`description`), then its `personality` after a
 * blank line when it has one.
 * @example personaOf('[Ari= "calm"]', 'gentle') // '[Ari= "calm"]\n\ngentle'
 */
export function personaOf(description: string, personality: string): string {
  return [description, personality].filter(Boolean).join('\n\n');
}

/**
 * A Character Card (any version, already upgraded to V3) as avatar fields: the definition
 * (`description`, plus `personality`) becomes the persona, and the gallery description is the
 * first sentence of `creator_notes` (else of the readable part of the definition, see
 * `cardBlurb`). Card fields Lumina does not use (system prompt, creator notes, assets, unknown
 * extensions …) are kept in `cardExtras` and written back on export.
 */
export function cardToAvatar(card: CardV3, sourceSpec: CardSpec): AvatarInput {
  const data = card.data as Record<string, unknown> & CardV3['data'];
  const extensions = { ...((data.extensions as Record<string, unknown> | undefined) ?? {}) };
  const lumina = isObject(extensions.lumina) ? (extensions.lumina as LuminaExtension) : undefined;
  delete extensions.lumina;
  const rest: Record<string, unknown> = { ...data, extensions };
  for (const key of COPIED) delete rest[key];
  const { data: _data, ...top } = card as unknown as Record<string, unknown>;
  const extras: CardExtras = { sourceSpec, card: { ...top, data: rest } };
  const description = data.description ?? '';
  const personality = data.personality ?? '';
  const legacyLumina = lumina !== undefined && typeof lumina.description !== 'string';
  let blurb: string;
  if (legacyLumina) blurb = description;
  else if (typeof lumina?.description === 'string') blurb = lumina.description;
  else {
    blurb = cardBlurb({ name: data.name, creatorNotes: data.creator_notes, definition: description });
    extras.importedDescription = blurb;
  }
  return {
    name: data.name,
    nickname: (data.nickname as string | undefined) || null,
    description: blurb,
    persona: legacyLumina ? personality : personaOf(description, personality),
    scenario: data.scenario ?? '',
    greeting: data.first_mes ?? '',
    alternateGreetings: data.alternate_greetings ?? [],
    exampleDialogue: data.mes_example ?? '',
    tags: data.tags ?? [],
    backstory: lumina?.backstory ?? '',
    traits: lumina?.traits ?? [],
    style: lumina?.style ?? NEUTRAL_STYLE,
    voice: lumina?.voice ?? { engine: null, voice: null, rate: 1, pitch: 1 },
    memory: lumina?.memory ?? { enabled: true, scope: 'private' },
    defaultModel: lumina?.defaultModel ?? null,
    fallbackModels: lumina?.fallbackModels ?? [],
    ...(isObject(lumina?.generation)
      ? { generation: { presetId: null, settings: readGenerationSettings(lumina.generation.settings) } }
      : {}),
    lorebook: data.character_book
      ? (fromCharacterBook(data.character_book).lorebook as unknown as Record<string, unknown>)
      : null,
    cardExtras: extras as unknown as Record<string, unknown>,
    source: `import:${sourceSpec}`,
  };
}

/**
 * An avatar as a V3 card, with the kept card fields merged back. An imported card that nobody
 * edited comes back with every field as it was: the kept `description`/`personality` while the
 * persona is still what they made, the kept `character_book` while the lorebook is still what it
 * made, and no `extensions.lumina` while every Lumina field is what an import of the card gives.
 */
export function avatarToCard(avatar: Avatar): { card: CardV3; sourceSpec: CardSpec } {
  const extras = avatar.cardExtras as unknown as Partial<CardExtras>;
  const kept = extras.card ?? { data: {} };
  const keptData = kept.data ?? {};
  const keptText = (key: string) => (typeof keptData[key] === 'string' ? (keptData[key] as string) : '');
  const { extensions: keptExtensions, character_book: keptBook, ...keptFields } = keptData;
  const data: Record<string, unknown> = {
    ...keptFields,
    name: avatar.name,
    ...(avatar.nickname ? { nickname: avatar.nickname } : {}),
    ...definitionFields(avatar.persona, keptText('description'), keptText('personality')),
    scenario: avatar.scenario,
    first_mes: avatar.greeting,
    alternate_greetings: avatar.alternateGreetings,
    mes_example: avatar.exampleDialogue,
    tags: avatar.tags,
    // A card made in Lumina has no notes of its own: its gallery description is what people read first.
    creator_notes: 'creator_notes' in keptData ? keptText('creator_notes') : avatar.description,
    system_prompt: keptText('system_prompt'),
    post_history_instructions: keptText('post_history_instructions'),
    creator: keptText('creator'),
    character_version: keptText('character_version'),
    extensions: { ...(isObject(keptExtensions) ? keptExtensions : {}) },
  };
  if (avatar.lorebook) {
    data.character_book = sameLorebook(avatar.lorebook, keptBook)
      ? keptBook
      : toCharacterBook(avatar.lorebook as unknown as Lorebook);
  }
  const card = { ...kept, spec: 'chara_card_v3', spec_version: '3.0', data } as unknown as CardV3;
  const sourceSpec = extras.sourceSpec ?? 'v3';
  const lumina: LuminaExtension = {
    description: avatar.description,
    backstory: avatar.backstory,
    traits: avatar.traits,
    style: avatar.style,
    voice: avatar.voice,
    memory: avatar.memory,
    defaultModel: avatar.defaultModel,
    fallbackModels: avatar.fallbackModels,
    ...cardGeneration(avatar.generation),
  };
  const imported = cardToAvatar(card, sourceSpec) as Record<string, unknown>;
  const luminaNeeded = LUMINA_FIELDS.some((field) => !sameJson(imported[field], lumina[field]));
  if (luminaNeeded) (data.extensions as Record<string, unknown>).lumina = lumina;
  return { card, sourceSpec };
}

/** An avatar's sampling settings for its card: its values over its preset's, when it has any. */
function cardGeneration(stored: unknown): Pick<LuminaExtension, 'generation'> {
  const own = readAvatarGeneration(stored);
  const settings = effectiveGenerationSettings(undefined, stored);
  if (Object.keys(settings).length === 0) return {};
  return { generation: { ...(own.preset?.name ? { presetName: own.preset.name } : {}), settings } };
}

/** The card's `description` and `personality` for a persona: the kept ones while it is what they made. */
function definitionFields(persona: string, description: string, personality: string) {
  if (persona === personaOf(description, personality)) return { description, personality };
  // Only the definition was edited: the personality that followed it stays its own field.
  if (personality && description && persona.endsWith(`\n\n${personality}`)) {
    return { description: persona.slice(0, -personality.length - 2), personality };
  }
  return { description: persona, personality: '' };
}

function sameLorebook(lorebook: Record<string, unknown>, keptBook: unknown): boolean {
  if (!isObject(keptBook)) return false;
  try {
    return sameJson(lorebook, fromCharacterBook(keptBook).lorebook);
  } catch {
    return false;
  }
}

/** Equal as stored: the database keeps JSON, where an `undefined` field is no field. */
function sameJson(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a ?? null)), JSON.parse(JSON.stringify(b ?? null)));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
