import type { Database } from '../db/database.js';
import type {
  AvatarGeneration,
  GenerationPreset,
  GenerationSettings,
} from '../domain/generation-settings.js';
import { invalidRequest, notFound } from '../errors.js';
import { assertJsonTextDepth } from '../json-depth.js';
import { readSillyTavernPreset } from '../presets/sillytavern-preset.js';
import { createGenerationPresetRepository } from '../repositories/generation-preset.repository.js';

/** The largest SillyTavern preset file read (real ones are 2–30 KB; chat ones carry prompts). */
export const MAX_PRESET_FILE_CHARS = 512 * 1024;
/** SillyTavern presets nest a few levels (prompt_order); anything deeper is not a preset. */
export const MAX_PRESET_FILE_DEPTH = 16;

/** A user's named generation presets, the SillyTavern import, and an avatar's preset reference. */
export function createGenerationPresetService(deps: { db: Database }) {
  const presets = createGenerationPresetRepository(deps.db);

  async function owned(userId: string, id: string): Promise<GenerationPreset> {
    const preset = await presets.find(userId, id);
    if (!preset) throw notFound('preset');
    return preset;
  }

  return {
    list: (userId: string) => presets.list(userId),
    get: owned,
    create: (userId: string, name: string, settings: GenerationSettings) =>
      presets.create(userId, name, settings),

    async update(
      userId: string,
      id: string,
      changes: { name?: string; settings?: GenerationSettings },
    ): Promise<GenerationPreset> {
      const updated = await presets.update(userId, id, changes);
      if (!updated) throw notFound('preset');
      return updated;
    },

    async remove(userId: string, id: string): Promise<void> {
      if (!(await presets.delete(userId, id))) throw notFound('preset');
    },

    /**
     * A SillyTavern preset file (its JSON text) stored as a preset; answers what was ignored.
     * The text's size and depth are checked before it is parsed.
     */
    async importSillyTavern(userId: string, input: { json: string; name?: string | undefined }) {
      if (input.json.length > MAX_PRESET_FILE_CHARS)
        throw invalidRequest(`A preset file is at most ${MAX_PRESET_FILE_CHARS} characters`);
      assertJsonTextDepth(input.json, MAX_PRESET_FILE_DEPTH, 'the preset');
      let parsed: unknown;
      try {
        parsed = JSON.parse(input.json);
      } catch {
        throw invalidRequest('The preset file is not JSON');
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
        throw invalidRequest('A SillyTavern preset is a JSON object');
      const read = readSillyTavernPreset(parsed as Record<string, unknown>);
      const name = input.name?.trim() || read.name || 'Imported preset';
      const preset = await presets.create(userId, name, read.settings);
      return { preset, ignored: read.ignored, invalid: read.invalid };
    },

    /**
     * What an avatar stores for `{presetId, settings}`: the preset (the user's own) copied in, so
     * a turn reads it with the avatar.
     */
    async avatarGeneration(
      userId: string,
      input: { presetId: string | null; settings: GenerationSettings },
    ): Promise<AvatarGeneration> {
      if (!input.presetId) return { presetId: null, settings: input.settings, preset: null };
      const preset = await owned(userId, input.presetId);
      return {
        presetId: preset.id,
        settings: input.settings,
        preset: { name: preset.name, settings: preset.settings },
      };
    },
  };
}

export type GenerationPresetService = ReturnType<typeof createGenerationPresetService>;
