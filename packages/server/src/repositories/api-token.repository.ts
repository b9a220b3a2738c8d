import { and, desc, eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { apiTokens } from '../db/schema/index.js';
import type { ApiToken, NewApiToken } from '../domain/api-token.js';

/** Personal API tokens; every query by a user is scoped to that user. */
export function createApiTokenRepository(db: Database) {
  return {
    async create(token: NewApiToken): Promise<ApiToken> {
      const [row] = await db.insert(apiTokens).values(token).returning();
      return row!;
    },

    async findByHash(tokenHash: string): Promise<ApiToken | undefined> {
      const [row] = await db.select().from(apiTokens).where(eq(apiTokens.tokenHash, tokenHash));
      return row;
    },

    async listForUser(userId: string): Promise<ApiToken[]> {
      return db
        .select()
        .from(apiTokens)
        .where(eq(apiTokens.userId, userId))
        .orderBy(desc(apiTokens.createdAt));
    },

    /** Deletes one of the user's tokens; false when it is not theirs. */
    async delete(userId: string, id: string): Promise<boolean> {
      const rows = await db
        .delete(apiTokens)
        .where(and(eq(apiTokens.id, id), eq(apiTokens.userId, userId)))
        .returning({ id: apiTokens.id });
      return rows.length > 0;
    },

    async touch(id: string, lastUsedAt: Date): Promise<void> {
      await db.update(apiTokens).set({ lastUsedAt }).where(eq(apiTokens.id, id));
    },
  };
}

export type ApiTokenRepository = ReturnType<typeof createApiTokenRepository>;
