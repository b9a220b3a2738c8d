import { z } from 'zod';
import type { Database } from '../db/database.js';
import { createSettingsRepository } from '../repositories/settings.repository.js';
import { createShortLivedCache } from '../short-lived-cache.js';

/** A user's preferences; unknown keys in stored documents are dropped, missing ones defaulted. */
export const userSettingsSchema = z
  .object({
    /** `<provider>/<model>` used when an avatar names none. */
    defaultModel: z.string().min(3).max(300).nullable().default(null),
    /** Tried in order when the default model fails before its first token. */
    fallbackModels: z.array(z.string().min(3).max(300)).max(5).default([]),
    /** Refuse every cloud provider for this user: nothing leaves the machine. */
    localOnly: z.boolean().default(false),
  })
  .meta({ id: 'UserSettings' });

export type UserSettings = z.infer<typeof userSettingsSchema>;

/** A change to some settings: no defaults, so fields left out keep their value. */
export const userSettingsPatchSchema = z.object({
  defaultModel: z.string().min(3).max(300).nullable().optional(),
  fallbackModels: z.array(z.string().min(3).max(300)).max(5).optional(),
  localOnly: z.boolean().optional(),
});

const LOCAL_ONLY_SETTING = 'privacy';
/** The model a member's conversations use when neither they nor the avatar chose one (admin). */
const DEFAULT_MODEL_SETTING = 'default_model';
const modelIdSchema = z.string().min(3).max(300);

/** Per-user settings, and the instance-wide local-only switch (env or admin). */
export function createSettingsService(deps: { db: Database; systemLocalOnly: boolean }) {
  const settings = createSettingsRepository(deps.db);

  // Every chat turn reads these; another instance's change shows within a second.
  const userCache = createShortLivedCache<UserSettings>(1000);
  const systemCache = createShortLivedCache<{ localOnly: boolean; lockedByEnvironment: boolean }>(1000);
  const defaultModelCache = createShortLivedCache<string | null>(1000);

  function get(userId: string): Promise<UserSettings> {
    return userCache.get(userId, async () => {
      const parsed = userSettingsSchema.safeParse(await settings.getForUser(userId));
      return parsed.success ? parsed.data : userSettingsSchema.parse({});
    });
  }

  function instanceLocalOnly(): Promise<{ localOnly: boolean; lockedByEnvironment: boolean }> {
    if (deps.systemLocalOnly) return Promise.resolve({ localOnly: true, lockedByEnvironment: true });
    return systemCache.get(LOCAL_ONLY_SETTING, async () => {
      const stored = await settings.getSystem<{ localOnly?: boolean }>(LOCAL_ONLY_SETTING);
      return { localOnly: stored?.localOnly ?? false, lockedByEnvironment: false };
    });
  }

  return {
    get,

    async update(userId: string, changes: z.infer<typeof userSettingsPatchSchema>): Promise<UserSettings> {
      const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
      const next = userSettingsSchema.parse({ ...(await get(userId)), ...defined });
      await settings.putForUser(userId, next);
      userCache.delete(userId);
      return next;
    },

    instanceLocalOnly,

    async setInstanceLocalOnly(localOnly: boolean): Promise<void> {
      await settings.putSystem(LOCAL_ONLY_SETTING, { localOnly });
      systemCache.clear();
    },

    /** The instance's default model (`<provider>/<model>`), or null when the admin set none. */
    instanceDefaultModel(): Promise<string | null> {
      return defaultModelCache.get(DEFAULT_MODEL_SETTING, async () => {
        const stored = await settings.getSystem<{ model?: unknown }>(DEFAULT_MODEL_SETTING);
        const parsed = modelIdSchema.safeParse(stored?.model);
        return parsed.success ? parsed.data : null;
      });
    },

    async setInstanceDefaultModel(model: string | null): Promise<void> {
      await settings.putSystem(DEFAULT_MODEL_SETTING, {
        model: model === null ? null : modelIdSchema.parse(model),
      });
      defaultModelCache.clear();
    },

    /** True when this user or the whole instance refuses cloud providers. */
    async isLocalOnly(userId: string): Promise<boolean> {
      if ((await instanceLocalOnly()).localOnly) return true;
      return (await get(userId)).localOnly;
    },
  };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
