import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { type ProviderConfigRow, providerConfigs } from '../db/schema/index.js';

type NewProviderConfig = typeof providerConfigs.$inferInsert;

/** Providers users added themselves; every query is scoped to the owner. */
export function createProviderConfigRepository(db: Database) {
  return {
    async create(row: NewProviderConfig): Promise<ProviderConfigRow> {
      const [created] = await db.insert(providerConfigs).values(row).returning();
      return created!;
    },

    listForUser(userId: string): Promise<ProviderConfigRow[]> {
      return db
        .select()
        .from(providerConfigs)
        .where(eq(providerConfigs.userId, userId))
        .orderBy(asc(providerConfigs.createdAt));
    },

    async findForUser(userId: string, id: string): Promise<ProviderConfigRow | undefined> {
      const [row] = await db
        .select()
        .from(providerConfigs)
        .where(and(eq(providerConfigs.id, id), eq(providerConfigs.userId, userId)));
      return row;
    },

    async update(
      userId: string,
      id: string,
      changes: Partial<Pick<ProviderConfigRow, 'name' | 'baseUrl' | 'secretId' | 'enabled'>>,
    ): Promise<ProviderConfigRow | undefined> {
      const [row] = await db
        .update(providerConfigs)
        .set(changes)
        .where(and(eq(providerConfigs.id, id), eq(providerConfigs.userId, userId)))
        .returning();
      return row;
    },

    async delete(userId: string, id: string): Promise<ProviderConfigRow | undefined> {
      const [row] = await db
        .delete(providerConfigs)
        .where(and(eq(providerConfigs.id, id), eq(providerConfigs.userId, userId)))
        .returning();
      return row;
    },
  };
}

export type ProviderConfigRepository = ReturnType<typeof createProviderConfigRepository>;
