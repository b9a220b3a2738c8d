import { z } from 'zod';
import type { Database } from '../db/database.js';
import { invalidRequest, notFound } from '../errors.js';
import { newId } from '../ids.js';
import type { UserIdentity } from '../prompt/avatar-persona.js';
import { createSettingsRepository } from '../repositories/settings.repository.js';
import { createShortLivedCache } from '../short-lived-cache.js';
import { userMemorySettingsSchema } from './memory-settings.service.js';

/** The most personas one user keeps. */
export const PERSONAS_MAX = 20;
export const PERSONA_NAME_MAX = 100;
export const PERSONA_DESCRIPTION_MAX = 5000;

/** Who the user is in a conversation (SillyTavern's "persona"): `{{user}}` and "The user" follow it. */
export const userPersonaSchema = z
  .object({
    id: z.uuid(),
    name: z.string().min(1).max(PERSONA_NAME_MAX),
    description: z.string().max(PERSONA_DESCRIPTION_MAX).default(''),
    /** The persona's picture (a `persona-image` file), shown by the person's messages; set with PUT /api/settings/personas/{id}/picture. */
    imageId: z.uuid().nullable().default(null),
  })
  .meta({ id: 'UserPersona' });

export type UserPersona = z.infer<typeof userPersonaSchema>;

/**
 * A conversation's `prompt.personaId` that means "speak as my account" even when a default
 * persona exists (null or absent means "the default persona").
 */
export const ACCOUNT_PERSONA = 'account';

/** A user's preferences; unknown keys in stored documents are dropped, missing ones defaulted. */
export const userSettingsSchema = z
  .object({
    /** `<provider>/<model>` used when an avatar names none. */
    defaultModel: z.string().min(3).max(300).nullable().default(null),
    /** Tried in order when the default model fails before its first token. */
    fallbackModels: z.array(z.string().min(3).max(300)).max(5).default([]),
    /** Refuse every cloud provider for this user: nothing leaves the machine. */
    localOnly: z.boolean().default(false),
    /** Who the user can be in a conversation; chosen per conversation (`prompt.personaId`). */
    personas: z.array(userPersonaSchema).max(PERSONAS_MAX).default([]),
    /** The persona used where a conversation chose none (and for greetings); null = the account's names. */
    defaultPersonaId: z.uuid().nullable().default(null),
    /** Memory (docs/memory.md); changed through /api/settings/memory, which also re-embeds. */
    memory: userMemorySettingsSchema.prefault({}).catch(() => userMemorySettingsSchema.parse({})),
  })
  .meta({ id: 'UserSettings' });

export type UserSettings = z.infer<typeof userSettingsSchema>;

/** A change to some settings: no defaults, so fields left out keep their value. */
export const userSettingsPatchSchema = z.object({
  defaultModel: z.string().min(3).max(300).nullable().optional(),
  fallbackModels: z.array(z.string().min(3).max(300)).max(5).optional(),
  localOnly: z.boolean().optional(),
  personas: z
    .array(
      z.object({
        id: z
          .uuid()
          .optional()
          .describe('An existing persona’s id; leave it out for a new one (the server gives it one)'),
        name: z.string().trim().min(1).max(PERSONA_NAME_MAX),
        description: z.string().trim().max(PERSONA_DESCRIPTION_MAX).default(''),
      }),
    )
    .max(PERSONAS_MAX)
    .optional()
    .describe('The whole list, in order: personas left out are deleted'),
  defaultPersonaId: z
    .uuid()
    .nullable()
    .optional()
    .describe('One of your personas, or null for your account’s names'),
});

/**
 * The identity a conversation speaks to: its persona, else the default persona, else the
 * account's names. A persona's name is used whole for `{{user}}` (no first-word rule).
 * @example identityFor({ name: 'Samuel' }, settings, conversationPrompt.personaId)
 */
export function identityFor(
  account: UserIdentity,
  settings: Pick<UserSettings, 'personas' | 'defaultPersonaId'>,
  personaId?: string | null,
): UserIdentity {
  if (personaId === ACCOUNT_PERSONA) return account;
  const persona =
    (personaId ? settings.personas.find((p) => p.id === personaId) : undefined) ??
    (settings.defaultPersonaId
      ? settings.personas.find((p) => p.id === settings.defaultPersonaId)
      : undefined);
  if (!persona) return account;
  return {
    name: persona.name,
    preferredName: persona.name,
    ...(persona.description.trim() ? { description: persona.description } : {}),
  };
}

/** The stored personas with a whole-list change applied: known ids kept, new entries given one. */
function applyPersonas(
  current: UserPersona[],
  change: NonNullable<z.infer<typeof userSettingsPatchSchema>['personas']>,
): UserPersona[] {
  const known = new Set(current.map((p) => p.id));
  const seen = new Set<string>();
  const pictures = new Map(current.map((p) => [p.id, p.imageId]));
  return change.map(({ id, name, description }) => {
    if (id !== undefined) {
      if (!known.has(id))
        throw invalidRequest('personas: an id must be one of your personas (leave it out for a new one)');
      if (seen.has(id)) throw invalidRequest('personas: each id may appear once');
      seen.add(id);
    }
    // The picture is not part of the change: it has its own route and stays with the persona.
    return { id: id ?? newId(), name, description, imageId: id ? (pictures.get(id) ?? null) : null };
  });
}

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
      const { personas, defaultPersonaId, ...rest } = changes;
      const current = await get(userId);
      const defined = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
      const nextPersonas =
        personas === undefined ? current.personas : applyPersonas(current.personas, personas);
      let nextDefault = defaultPersonaId === undefined ? current.defaultPersonaId : defaultPersonaId;
      if (nextDefault && !nextPersonas.some((p) => p.id === nextDefault)) {
        if (defaultPersonaId !== undefined)
          throw invalidRequest('defaultPersonaId must be one of your personas');
        nextDefault = null; // the default persona was deleted
      }
      const next = userSettingsSchema.parse({
        ...current,
        ...defined,
        personas: nextPersonas,
        defaultPersonaId: nextDefault,
      });
      await settings.putForUser(userId, next);
      userCache.delete(userId);
      return next;
    },

    /** Stores the memory settings (memory-settings.service.ts validates them and notices a new embedding model). */
    async updateMemory(userId: string, memory: UserSettings['memory']): Promise<UserSettings['memory']> {
      const next = userSettingsSchema.parse({ ...(await get(userId)), memory });
      await settings.putForUser(userId, next);
      userCache.delete(userId);
      return next.memory;
    },

    /**
     * Sets or clears a persona's picture and answers the settings and the picture it replaced
     * (the caller deletes that file). 404 for a persona the user does not have.
     */
    async setPersonaImage(
      userId: string,
      personaId: string,
      imageId: string | null,
    ): Promise<{ settings: UserSettings; replaced: string | null }> {
      const current = await get(userId);
      const persona = current.personas.find((p) => p.id === personaId);
      if (!persona) throw notFound('persona');
      const next = userSettingsSchema.parse({
        ...current,
        personas: current.personas.map((p) => (p.id === personaId ? { ...p, imageId } : p)),
      });
      await settings.putForUser(userId, next);
      userCache.delete(userId);
      return { settings: next, replaced: persona.imageId };
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
