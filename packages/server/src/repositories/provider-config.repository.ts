import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { providerConfigs } from '../db/schema/index.js';
import type { NewProviderConfig, ProviderConfig } from '../domain/provider.js';

/** Providers users added themselves; every query is scoped to the owner. */
export function createProviderConfigRepository(db: Database) {
  return {
    async create(row: NewProviderConfig): Promise<ProviderConfig> {
      const [created] = await db.insert(providerConfigs).values(row).returning();
      return created!;
    },

    listForUser(userId: string): Promise<ProviderConfig[]> {
      return db
        .select()
        .from(providerConfigs)
        .where(eq(providerConfigs.userId, userId))
        .orderBy(asc(providerConfigs.createdAt));
    },

    async findForUser(userId: string, id: string): Promise<ProviderConfig | undefined> {
      const [row] = await db
        .select()
        .from(providerConfigs)
        .where(and(eq(providerConfigs.id, id), eq(providerConfigs.userId, userId)));
      return row;
    },

    async update(
      userId: string,
      id: string,
      changes: Partial<Pick<ProviderConfig, 'name' | 'baseUrl' | 'secretId' | 'enabled'>>,
    ): Promise<ProviderConfig | undefined> {
      const [row] = await db
        .update(providerConfigs)
        .set(changes)
        .where(and(eq(providerConfigs.id, id), eq(providerConfigs.userId, userId)))
        .returning();
      return row;
    },

    async delete(userId: string, id: string): Promise<ProviderConfig | undefined> {
      const [row] = await db
        .delete(providerConfigs)
        .where(and(eq(providerConfigs.id, id), eq(providerConfigs.userId, userId)))
        .returning();
      return row;
    },
  };
}

export type ProviderConfigRepository = ReturnType<typeof createProviderConfigRepository>;
