import { asc, eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { type ModelPriceRow, modelPrices, type NewUsageEventRow, usageEvents } from '../db/schema/index.js';

/** Model prices (admin-edited) and the usage event log. */
export function createUsageRepository(db: Database) {
  return {
    async record(event: NewUsageEventRow): Promise<void> {
      await db.insert(usageEvents).values(event);
    },

    listForUser(userId: string, limit = 100) {
      return db
        .select()
        .from(usageEvents)
        .where(eq(usageEvents.userId, userId))
        .orderBy(asc(usageEvents.createdAt))
        .limit(limit);
    },

    listPrices(): Promise<ModelPriceRow[]> {
      return db.select().from(modelPrices).orderBy(asc(modelPrices.pattern));
    },

    /** Replaces the whole price table in one transaction. */
    async replacePrices(prices: Omit<ModelPriceRow, 'updatedAt'>[]): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.delete(modelPrices);
        if (prices.length > 0) await tx.insert(modelPrices).values(prices);
      });
    },

    /** Inserts prices for patterns not yet in the table (built-in defaults, never overwriting edits). */
    async seedPrices(prices: Omit<ModelPriceRow, 'updatedAt'>[]): Promise<void> {
      if (prices.length > 0) await db.insert(modelPrices).values(prices).onConflictDoNothing();
    },
  };
}

export type UsageRepository = ReturnType<typeof createUsageRepository>;
