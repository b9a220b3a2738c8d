import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { users } from '../db/schema/index.js';

/** The users.auth_epoch column: the authoritative copy of each user's auth epoch. */
export function createAuthEpochRepository(db: Database) {
  return {
    /** The user's epoch (0 for an unknown user, who has nothing cached to invalidate). */
    async current(userId: string): Promise<number> {
      const [row] = await db.select({ epoch: users.authEpoch }).from(users).where(eq(users.id, userId));
      return row?.epoch ?? 0;
    },

    /** Adds one in the database (atomic across instances) and returns the new value. */
    async bump(userId: string): Promise<number> {
      const [row] = await db
        .update(users)
        .set({ authEpoch: sql`${users.authEpoch} + 1` })
        .where(eq(users.id, userId))
        .returning({ epoch: users.authEpoch });
      return row?.epoch ?? 0;
    },
  };
}

export type AuthEpochRepository = ReturnType<typeof createAuthEpochRepository>;
