import { eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { systemSettings } from '../db/schema/index.js';
import type { NetworkEngineConfig } from '../voice/engines/network-engines.js';

/** The instance setting that holds the configured network voice endpoints (a short list). */
const KEY = 'voice_network_engines';

/**
 * The administrator's network voice endpoints, kept as one instance-wide setting (`system_settings`,
 * like the local-only switch): a handful of rows, read whole at start-up and on every change.
 * Changes are read-modify-write under a row lock, so two admins saving at once both count.
 * @example await createVoiceNetworkEngineRepository(db).change((list) => [...list, config]);
 */
export function createVoiceNetworkEngineRepository(db: Database) {
  const parse = (value: unknown): NetworkEngineConfig[] => (Array.isArray(value) ? value : []);
  return {
    async list(): Promise<NetworkEngineConfig[]> {
      const [row] = await db.select().from(systemSettings).where(eq(systemSettings.key, KEY));
      return parse(row?.value);
    },

    /** Applies `change` to the stored list in one transaction and returns what it stored. */
    async change(
      change: (current: NetworkEngineConfig[]) => NetworkEngineConfig[] | Promise<NetworkEngineConfig[]>,
    ): Promise<NetworkEngineConfig[]> {
      return db.transaction(async (tx) => {
        await tx.insert(systemSettings).values({ key: KEY, value: [] }).onConflictDoNothing();
        const [row] = await tx.select().from(systemSettings).where(eq(systemSettings.key, KEY)).for('update');
        const next = await change(parse(row?.value));
        await tx
          .update(systemSettings)
          .set({ value: next, updatedAt: new Date() })
          .where(eq(systemSettings.key, KEY));
        return next;
      });
    },
  };
}

export type VoiceNetworkEngineRepository = ReturnType<typeof createVoiceNetworkEngineRepository>;
