import { z } from 'zod';

/** At most this many stop strings, each at most this long. */
export const MAX_STOP_STRINGS = 8;
export const MAX_STOP_STRING_CHARS = 200;
/** The longest reply a setting may ask for (the context budget may cap it further). */
export const MAX_REPLY_TOKENS = 131_072;
/** The longest preset name. */
export const PRESET_NAME_MAX_CHARS = 100;

/**
 * Every sampling setting Lumina knows, in the order the editors show them. An adapter declares
 * which of these its wire takes (providers/generation-support.ts); the others are not sent.
 */
export const GENERATION_SETTING_KEYS = [
  'temperature',
  'topP',
  'topK',
  'minP',
  'repetitionPenalty',
  'frequencyPenalty',
  'presencePenalty',
  'maxTokens',
  'stop',
  'seed',
] as const;
export type GenerationSettingKey = (typeof GENERATION_SETTING_KEYS)[number];

/**
 * How a reply is sampled. Every field is optional: one left out is the provider's default (or
 * comes from the next level: conversation ▸ avatar ▸ preset). Ranges are the widest any
 * supported vendor accepts; a provider that takes a narrower range clamps or refuses as it does.
 */
export const generationSettingsSchema = z
  .object({
    temperature: z.number().min(0).max(2).optional().describe('0–2; higher is more varied'),
    topP: z.number().min(0).max(1).optional().describe('nucleus sampling, 0–1 (1 = off)'),
    topK: z.number().int().min(1).max(1000).optional().describe('1–1000 (the k likeliest tokens)'),
    minP: z.number().min(0).max(1).optional().describe('0–1 (0 = off)'),
    repetitionPenalty: z.number().min(0).max(3).optional().describe('multiplicative, 0–3 (1 = off)'),
    frequencyPenalty: z.number().min(-2).max(2).optional().describe('-2–2 (0 = off)'),
    presencePenalty: z.number().min(-2).max(2).optional().describe('-2–2 (0 = off)'),
    maxTokens: z.number().int().min(1).max(MAX_REPLY_TOKENS).optional().describe('longest reply, in tokens'),
    stop: z
      .array(z.string().min(1).max(MAX_STOP_STRING_CHARS))
      .max(MAX_STOP_STRINGS)
      .optional()
      .describe(`strings that end the reply (≤ ${MAX_STOP_STRINGS}, each ≤ ${MAX_STOP_STRING_CHARS} chars)`),
    seed: z.number().int().min(0).max(4_294_967_295).optional().describe('fixed seed, 0–2³²−1'),
  })
  .strict()
  .meta({ id: 'GenerationSettings' });

export type GenerationSettings = z.infer<typeof generationSettingsSchema>;

/** A named set of settings a user keeps and avatars refer to. */
export interface GenerationPreset {
  id: string;
  ownerId: string;
  name: string;
  settings: GenerationSettings;
  createdAt: Date;
  updatedAt: Date;
}

export const presetNameSchema = z.string().trim().min(1).max(PRESET_NAME_MAX_CHARS);

/**
 * An avatar's settings: its own values, and a preset underneath them. The preset's values are
 * copied in when the avatar is saved and whenever the preset changes (`preset`), so a turn
 * reads everything with the avatar row and never looks a preset up.
 */
export interface AvatarGeneration {
  presetId: string | null;
  settings: GenerationSettings;
  /** The referenced preset as it was last saved (never sent to clients; not part of the input). */
  preset?: { name: string; settings: GenerationSettings } | null;
}

/** The settings stored in a jsonb column, read leniently: anything unreadable counts as unset. */
export function readGenerationSettings(stored: unknown): GenerationSettings {
  if (!stored || typeof stored !== 'object') return {};
  const parsed = generationSettingsSchema.safeParse(stored);
  if (parsed.success) return parsed.data;
  // Keep the fields that are still valid (a range narrowed later drops only that field).
  const kept: Record<string, unknown> = {};
  for (const key of GENERATION_SETTING_KEYS) {
    const value = (stored as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const one = generationSettingsSchema.shape[key].safeParse(value);
    if (one.success && one.data !== undefined) kept[key] = one.data;
  }
  return kept as GenerationSettings;
}

/** An avatar's `generation` column, read leniently. */
export function readAvatarGeneration(stored: unknown): AvatarGeneration {
  const value = (stored && typeof stored === 'object' ? stored : {}) as Record<string, unknown>;
  const preset = value.preset as { name?: unknown; settings?: unknown } | null | undefined;
  return {
    presetId: typeof value.presetId === 'string' ? value.presetId : null,
    settings: readGenerationSettings(value.settings),
    preset:
      preset && typeof preset === 'object'
        ? {
            name: typeof preset.name === 'string' ? preset.name : '',
            settings: readGenerationSettings(preset.settings),
          }
        : null,
  };
}

/**
 * The settings a reply is sampled with: conversation override ▸ avatar ▸ preset, field by field;
 * a field none of them sets is left out (the provider's default).
 * @example effectiveGenerationSettings({ temperature: 1 }, { presetId: null, settings: { temperature: 0.5, topP: 0.9 } })
 * // { temperature: 1, topP: 0.9 }
 */
export function effectiveGenerationSettings(conversation: unknown, avatar: unknown): GenerationSettings {
  const own = readAvatarGeneration(avatar);
  return {
    ...(own.preset?.settings ?? {}),
    ...own.settings,
    ...readGenerationSettings(conversation),
  };
}

/** Only the settings in `supported`: what an adapter may send. */
export function pickGenerationSettings(
  settings: GenerationSettings,
  supported: readonly GenerationSettingKey[],
): GenerationSettings {
  const picked: Record<string, unknown> = {};
  for (const key of supported) if (settings[key] !== undefined) picked[key] = settings[key];
  return picked as GenerationSettings;
}
