import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { avatars, generationPresets } from '../db/schema/index.js';
import type { GenerationPreset, GenerationSettings } from '../domain/generation-settings.js';

/**
 * A user's generation presets; every query is scoped to the owner. Avatars keep a copy of the
 * preset they refer to (`avatars.generation.preset`, so a turn never looks a preset up): a
 * change to a preset rewrites that copy in the owner's avatars, in the same transaction.
 */
export function createGenerationPresetRepository(db: Database) {
  const owned = (ownerId: string, id: string) =>
    and(eq(generationPresets.id, id), eq(generationPresets.ownerId, ownerId));
  const referring = (ownerId: string, id: string) =>
    and(eq(avatars.ownerId, ownerId), sql`${avatars.generation}->>'presetId' = ${id}`);

  return {
    list(ownerId: string): Promise<GenerationPreset[]> {
      return db
        .select()
        .from(generationPresets)
        .where(eq(generationPresets.ownerId, ownerId))
        .orderBy(asc(generationPresets.name), asc(generationPresets.id));
    },

    async find(ownerId: string, id: string): Promise<GenerationPreset | undefined> {
      const [row] = await db.select().from(generationPresets).where(owned(ownerId, id));
      return row;
    },

    async create(ownerId: string, name: string, settings: GenerationSettings): Promise<GenerationPreset> {
      const [row] = await db.insert(generationPresets).values({ ownerId, name, settings }).returning();
      return row!;
    },

    /** Renames it or replaces its settings, and refreshes the copy in the avatars that use it. */
    update(
      ownerId: string,
      id: string,
      changes: { name?: string; settings?: GenerationSettings },
    ): Promise<GenerationPreset | undefined> {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .update(generationPresets)
          .set({ ...changes, updatedAt: new Date() })
          .where(owned(ownerId, id))
          .returning();
        if (!row) return undefined;
        const copy = JSON.stringify({ name: row.name, settings: row.settings });
        await tx
          .update(avatars)
          .set({ generation: sql`jsonb_set(${avatars.generation}, '{preset}', ${copy}::jsonb)` })
          .where(referring(ownerId, id));
        return row;
      });
    },

    /**
     * Deletes it; the avatars that used it keep its values as their own (their own values still
     * win), so their replies do not change. False when it is not the user's.
     */
    delete(ownerId: string, id: string): Promise<boolean> {
      return db.transaction(async (tx) => {
        const rows = await tx
          .delete(generationPresets)
          .where(owned(ownerId, id))
          .returning({ id: generationPresets.id });
        if (rows.length === 0) return false;
        await tx
          .update(avatars)
          .set({
            generation: sql`jsonb_build_object('presetId', null, 'preset', null, 'settings',
              coalesce(${avatars.generation}->'preset'->'settings', '{}'::jsonb)
                || coalesce(${avatars.generation}->'settings', '{}'::jsonb))`,
          })
          .where(referring(ownerId, id));
        return true;
      });
    },
  };
}

export type GenerationPresetRepository = ReturnType<typeof createGenerationPresetRepository>;
