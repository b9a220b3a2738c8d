import { z } from 'zod';
import type { AvatarRow } from '../db/schema/index.js';
import { generationSettingsSchema, readAvatarGeneration } from '../domain/generation-settings.js';

const slider = z.number().int().min(0).max(100);

export const avatarStyleDto = z.object({
  formality: slider,
  verbosity: slider,
  warmth: slider,
  humor: slider,
  directness: slider,
  curiosity: slider,
  custom: z
    .array(
      z.object({
        name: z.string().trim().min(1).max(40),
        value: slider,
        low: z.string().max(40),
        high: z.string().max(40),
      }),
    )
    .max(12),
});

export const avatarVoiceDto = z
  .object({
    engine: z.string().max(40).nullable(),
    voice: z.string().max(100).nullable(),
    rate: z.number().min(0.25).max(4),
    pitch: z.number().min(0.25).max(4),
  })
  .describe('Stored for later: voice conversations have not shipped, so nothing reads these yet');

export const avatarMemoryDto = z
  .object({ enabled: z.boolean(), scope: z.enum(['private', 'shared']) })
  .describe('Stored for later: memory has not shipped, so nothing is remembered yet');

export const avatarGenerationDto = z
  .object({
    presetId: z.uuid().nullable().describe('One of your presets (`/api/presets`), under `settings`'),
    settings: generationSettingsSchema.describe('Its own values: they win over the preset’s'),
  })
  .describe('How its replies are sampled; a conversation may override any field');

/** The editable fields, shared by create and update bodies. */
export const avatarFields = {
  name: z.string().trim().min(1).max(100),
  nickname: z.string().trim().max(100).nullable(),
  description: z.string().max(50_000),
  persona: z.string().max(50_000),
  traits: z.array(z.string().trim().min(1).max(60)).max(40),
  style: avatarStyleDto,
  backstory: z.string().max(50_000),
  scenario: z.string().max(20_000),
  greeting: z.string().max(20_000),
  alternateGreetings: z.array(z.string().max(20_000)).max(100),
  exampleDialogue: z.string().max(50_000),
  tags: z.array(z.string().trim().min(1).max(40)).max(40),
  voice: avatarVoiceDto,
  defaultModel: z.string().min(3).max(300).nullable(),
  fallbackModels: z.array(z.string().min(3).max(300)).max(5),
  memory: avatarMemoryDto,
  generation: avatarGenerationDto,
  visibility: z.enum(['private', 'instance']),
};

/** Limits apply to what users send; what is stored (imports included) is always presentable. */
const storedText = z.string();
export const avatarDto = z
  .object({
    id: z.uuid(),
    ...avatarFields,
    name: storedText,
    nickname: storedText.nullable(),
    description: storedText,
    persona: storedText,
    traits: z.array(storedText),
    backstory: storedText,
    scenario: storedText,
    greeting: storedText,
    alternateGreetings: z.array(storedText),
    exampleDialogue: storedText,
    tags: z.array(storedText),
    defaultModel: storedText.nullable(),
    fallbackModels: z.array(storedText),
    source: z.string(),
    owned: z.boolean().describe('Whether you can edit it (others’ shared avatars are read-only)'),
    imageUrl: z.string(),
    hasCustomImage: z.boolean().describe('An uploaded picture (false: the generated face)'),
    lorebook: z
      .object({ name: z.string().nullable(), entryCount: z.number().int() })
      .nullable()
      .describe('The World Info attached to this avatar (imported with a card)'),
    lastUsedAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Avatar' });

export type AvatarDto = z.infer<typeof avatarDto>;

/**
 * The avatar's picture. The version in the URL (the picture's id, else when the avatar last
 * changed) changes when the picture does, so browsers may cache it for a year.
 */
export const avatarImageUrl = (avatarId: string, version: string) =>
  `/api/avatars/${avatarId}/image?v=${version}`;

export function toAvatarDto(avatar: AvatarRow, viewerId: string): AvatarDto {
  return {
    id: avatar.id,
    name: avatar.name,
    nickname: avatar.nickname,
    description: avatar.description,
    persona: avatar.persona,
    traits: avatar.traits,
    style: avatar.style,
    backstory: avatar.backstory,
    scenario: avatar.scenario,
    greeting: avatar.greeting,
    alternateGreetings: avatar.alternateGreetings,
    exampleDialogue: avatar.exampleDialogue,
    tags: avatar.tags,
    voice: avatar.voice,
    defaultModel: avatar.defaultModel,
    fallbackModels: avatar.fallbackModels,
    memory: avatar.memory,
    generation: presentGeneration(avatar.generation),
    visibility: avatar.visibility,
    source: avatar.source,
    owned: avatar.ownerId === viewerId,
    imageUrl: avatarImageUrl(avatar.id, avatar.imageId ?? String(avatar.updatedAt.getTime())),
    hasCustomImage: avatar.imageId !== null,
    lorebook: avatar.lorebook
      ? {
          name: typeof avatar.lorebook.name === 'string' ? avatar.lorebook.name : null,
          entryCount: Array.isArray(avatar.lorebook.entries) ? avatar.lorebook.entries.length : 0,
        }
      : null,
    lastUsedAt: avatar.lastUsedAt?.toISOString() ?? null,
    createdAt: avatar.createdAt.toISOString(),
    updatedAt: avatar.updatedAt.toISOString(),
  };
}

/** What clients see of the stored generation: the preset reference and the avatar's own values. */
function presentGeneration(stored: Record<string, unknown>) {
  const { presetId, settings } = readAvatarGeneration(stored);
  return { presetId, settings };
}
