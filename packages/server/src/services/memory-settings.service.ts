import { z } from 'zod';
import { DEFAULT_USER_MEMORY_SETTINGS, type UserMemorySettings } from '../domain/memory.js';
import type { SettingsService } from './settings.service.js';

/** `<providerId>/<model>` as GET /api/models lists it; the model part may hold slashes itself. */
const modelRef = z
  .string()
  .max(300)
  .regex(/^[^/\s]+\/\S(?:.*\S)?$/, { message: 'must be `<provider>/<model>`, as GET /api/models lists it' });

/** A user's memory settings (user_settings.value.memory); a damaged stored one reads as the defaults. */
export const userMemorySettingsSchema = z
  .object({
    enabled: z
      .boolean()
      .default(DEFAULT_USER_MEMORY_SETTINGS.enabled)
      .describe('Memory on for you at all (each avatar also has its own switch)'),
    extractionModel: modelRef
      .nullable()
      .default(DEFAULT_USER_MEMORY_SETTINGS.extractionModel)
      .describe('The model that finds what to remember; null: the conversation’s own'),
    embeddingModel: modelRef
      .nullable()
      .default(DEFAULT_USER_MEMORY_SETTINGS.embeddingModel)
      .describe(
        'The embedding model; null: recall by full text only. Changing it re-embeds your memories in the background',
      ),
    recallMessages: z
      .boolean()
      .default(DEFAULT_USER_MEMORY_SETTINGS.recallMessages)
      .describe('Recall your past messages with the avatar'),
  })
  .meta({ id: 'UserMemorySettings' });

/** A change to the memory settings: fields left out keep their value. */
export const userMemorySettingsPatchSchema = z.object({
  enabled: z.boolean().optional(),
  extractionModel: modelRef.nullable().optional(),
  embeddingModel: modelRef.nullable().optional(),
  recallMessages: z.boolean().optional(),
});

export type UserMemorySettingsPatch = z.infer<typeof userMemorySettingsPatchSchema>;

// The zod schema and the domain type describe one shape: a drift fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _sameShape: Same<z.infer<typeof userMemorySettingsSchema>, UserMemorySettings> = true;
void _sameShape;

/**
 * Reads and changes a user's memory settings, stored with their other settings. A new embedding
 * model, or memory or history recall turned back on while one is set, calls
 * `onEmbeddingModelChanged` once the change is stored (the embedding job then embeds everything
 * lacking a vector of the model; vectors of different models are never compared).
 * @example const memorySettings = createMemorySettingsService({ settings, onEmbeddingModelChanged: enqueueReembed });
 */
export function createMemorySettingsService(deps: {
  settings: Pick<SettingsService, 'get' | 'updateMemory'>;
  onEmbeddingModelChanged?: ((userId: string) => Promise<void> | void) | undefined;
}) {
  /** The user's memory settings, the defaults filled in (read through the settings' short cache). */
  async function memorySettingsFor(userId: string): Promise<UserMemorySettings> {
    return (await deps.settings.get(userId)).memory;
  }

  return {
    memorySettingsFor,

    async update(userId: string, change: UserMemorySettingsPatch): Promise<UserMemorySettings> {
      const current = await memorySettingsFor(userId);
      const defined = Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined));
      const next = userMemorySettingsSchema.parse({ ...current, ...defined });
      const stored = await deps.settings.updateMemory(userId, next);
      // A new model re-embeds everything; memory or history recall turned back on embeds what was
      // said while it was off (the job skips a user with memory or history recall off).
      const turnedOn =
        (stored.enabled && !current.enabled) || (stored.recallMessages && !current.recallMessages);
      if (stored.embeddingModel !== current.embeddingModel || (turnedOn && stored.embeddingModel !== null))
        await deps.onEmbeddingModelChanged?.(userId);
      return stored;
    },
  };
}

export type MemorySettingsService = ReturnType<typeof createMemorySettingsService>;
