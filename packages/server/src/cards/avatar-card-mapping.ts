import { type Avatar, type AvatarInput, type AvatarStyle, NEUTRAL_STYLE } from '../domain/avatar.js';
import type { CardSpec, CardV3 } from './card-types.js';
import { fromCharacterBook, toCharacterBook } from './lorebook.js';
import type { Lorebook } from './lorebook-types.js';

/** Lumina's own fields travel inside a card under `data.extensions.lumina`. */
interface LuminaExtension {
  backstory?: string;
  traits?: string[];
  style?: AvatarStyle;
  voice?: Avatar['voice'];
  memory?: Avatar['memory'];
  defaultModel?: string | null;
  fallbackModels?: string[];
}

/** What of the card is kept verbatim because it has no column (for lossless export). */
interface CardExtras {
  sourceSpec: CardSpec;
  card: { spec?: string; spec_version?: string; data: Record<string, unknown>; [key: string]: unknown };
}

const MAPPED = [
  'name',
  'nickname',
  'description',
  'personality',
  'scenario',
  'first_mes',
  'alternate_greetings',
  'mes_example',
  'tags',
  'character_book',
] as const;

/**
 * A Character Card (any version, already upgraded to V3) as avatar fields. Card fields Lumina
 * does not use (system prompt, creator notes, assets, unknown extensions …) are kept in
 * `cardExtras` and written back on export.
 */
export function cardToAvatar(card: CardV3, sourceSpec: CardSpec): AvatarInput {
  const data = card.data as Record<string, unknown> & CardV3['data'];
  const extensions = { ...((data.extensions as Record<string, unknown> | undefined) ?? {}) };
  const lumina = (extensions.lumina ?? {}) as LuminaExtension;
  delete extensions.lumina;
  const rest: Record<string, unknown> = { ...data, extensions };
  for (const key of MAPPED) delete rest[key];
  const { data: _data, ...top } = card as unknown as Record<string, unknown>;
  const extras: CardExtras = { sourceSpec, card: { ...top, data: rest } };
  return {
    name: data.name,
    nickname: (data.nickname as string | undefined) || null,
    description: data.description ?? '',
    persona: data.personality ?? '',
    scenario: data.scenario ?? '',
    greeting: data.first_mes ?? '',
    alternateGreetings: data.alternate_greetings ?? [],
    exampleDialogue: data.mes_example ?? '',
    tags: data.tags ?? [],
    backstory: lumina.backstory ?? '',
    traits: lumina.traits ?? [],
    style: lumina.style ?? NEUTRAL_STYLE,
    voice: lumina.voice ?? { engine: null, voice: null, rate: 1, pitch: 1 },
    memory: lumina.memory ?? { enabled: true, scope: 'private' },
    defaultModel: lumina.defaultModel ?? null,
    fallbackModels: lumina.fallbackModels ?? [],
    lorebook: data.character_book
      ? (fromCharacterBook(data.character_book).lorebook as unknown as Record<string, unknown>)
      : null,
    cardExtras: extras as unknown as Record<string, unknown>,
    source: `import:${sourceSpec}`,
  };
}

/** An avatar as a V3 card, with the kept card fields merged back and Lumina's under extensions.lumina. */
export function avatarToCard(avatar: Avatar): { card: CardV3; sourceSpec: CardSpec } {
  const extras = avatar.cardExtras as unknown as Partial<CardExtras>;
  const kept = extras.card ?? { data: {} };
  const keptData = kept.data ?? {};
  const lumina: LuminaExtension = {
    backstory: avatar.backstory,
    traits: avatar.traits,
    style: avatar.style,
    voice: avatar.voice,
    memory: avatar.memory,
    defaultModel: avatar.defaultModel,
    fallbackModels: avatar.fallbackModels,
  };
  const data: Record<string, unknown> = {
    ...keptData,
    name: avatar.name,
    ...(avatar.nickname ? { nickname: avatar.nickname } : {}),
    description: avatar.description,
    personality: avatar.persona,
    scenario: avatar.scenario,
    first_mes: avatar.greeting,
    alternate_greetings: avatar.alternateGreetings,
    mes_example: avatar.exampleDialogue,
    tags: avatar.tags,
    creator_notes: (keptData.creator_notes as string | undefined) ?? '',
    system_prompt: (keptData.system_prompt as string | undefined) ?? '',
    post_history_instructions: (keptData.post_history_instructions as string | undefined) ?? '',
    creator: (keptData.creator as string | undefined) ?? '',
    character_version: (keptData.character_version as string | undefined) ?? '',
    extensions: { ...((keptData.extensions as Record<string, unknown> | undefined) ?? {}), lumina },
    ...(avatar.lorebook ? { character_book: toCharacterBook(avatar.lorebook as unknown as Lorebook) } : {}),
  };
  const card = { ...kept, spec: 'chara_card_v3', spec_version: '3.0', data } as unknown as CardV3;
  return { card, sourceSpec: extras.sourceSpec ?? 'v3' };
}
