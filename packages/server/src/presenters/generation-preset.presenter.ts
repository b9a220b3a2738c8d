import { z } from 'zod';
import {
  type GenerationPreset,
  generationSettingsSchema,
  readGenerationSettings,
} from '../domain/generation-settings.js';

export const generationPresetDto = z
  .object({
    id: z.uuid(),
    name: z.string(),
    settings: generationSettingsSchema,
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'GenerationPreset' });

export type GenerationPresetDto = z.infer<typeof generationPresetDto>;

export function toGenerationPresetDto(preset: GenerationPreset): GenerationPresetDto {
  return {
    id: preset.id,
    name: preset.name,
    settings: readGenerationSettings(preset.settings),
    createdAt: preset.createdAt.toISOString(),
    updatedAt: preset.updatedAt.toISOString(),
  };
}
