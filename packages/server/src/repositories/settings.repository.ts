import { eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { systemSettings, userSettings } from '../db/schema/index.js';

/** Per-user settings documents and instance-wide key/value settings. */
export function createSettingsRepository(db: Database) {
  return {
    async getForUser(userId: string): Promise<Record<string, unknown>> {
      const [row] = await db.select().from(userSettings).where(eq(userSettings.userId, userId));
      return row?.value ?? {};
    },

    async putForUser(userId: string, value: Record<string, unknown>): Promise<Record<string, unknown>> {
      const [row] = await db
        .insert(userSettings)
        .values({ userId, value })
        .onConflictDoUpdate({ target: userSettings.userId, set: { value, updatedAt: new Date() } })
        .returning();
      return row!.value;
    },

    async getSystem<T>(key: string): Promise<T | undefined> {
      const [row] = await db.select().from(systemSettings).where(eq(systemSettings.key, key));
      return row?.value as T | undefined;
    },

    async putSystem(key: string, value: unknown): Promise<void> {
      await db
        .insert(systemSettings)
        .values({ key, value })
        .onConflictDoUpdate({ target: systemSettings.key, set: { value, updatedAt: new Date() } });
    },
  };
}

export type SettingsRepository = ReturnType<typeof createSettingsRepository>;
