import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { passwordResets, users } from '../db/schema/index.js';

/** A stored reset link (the token itself is never stored, only its SHA-256). */
export interface PasswordReset {
  id: string;
  userId: string;
  tokenHash: string;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

/** Admin-issued password-reset links: one live link per user at most. */
export function createPasswordResetRepository(db: Database) {
  return {
    /** Stores a new link and revokes every earlier one of the same user that is still unused, together. */
    async issue(reset: Pick<PasswordReset, 'userId' | 'tokenHash' | 'createdBy' | 'expiresAt'>, at: Date) {
      return db.transaction(async (tx) => {
        await tx
          .update(passwordResets)
          .set({ revokedAt: at })
          .where(
            and(
              eq(passwordResets.userId, reset.userId),
              isNull(passwordResets.usedAt),
              isNull(passwordResets.revokedAt),
            ),
          );
        const [row] = await tx.insert(passwordResets).values(reset).returning();
        return row! as PasswordReset;
      });
    },

    async findByTokenHash(tokenHash: string): Promise<PasswordReset | undefined> {
      const [row] = await db.select().from(passwordResets).where(eq(passwordResets.tokenHash, tokenHash));
      return row;
    },

    /**
     * Spends the link and sets the user's new password in one transaction: the claim is a
     * conditional update, so of two redemptions at once exactly one wins. Returns false when the
     * link was no longer live (used, replaced or expired meanwhile).
     */
    async redeem(id: string, userId: string, passwordHash: string, at: Date): Promise<boolean> {
      return db.transaction(async (tx) => {
        const claimed = await tx
          .update(passwordResets)
          .set({ usedAt: at })
          .where(
            and(
              eq(passwordResets.id, id),
              isNull(passwordResets.usedAt),
              isNull(passwordResets.revokedAt),
              gt(passwordResets.expiresAt, at),
            ),
          )
          .returning({ id: passwordResets.id });
        if (claimed.length === 0) return false;
        await tx
          .update(users)
          .set({ passwordHash, passwordChangeRequired: false, updatedAt: at })
          .where(eq(users.id, userId));
        return true;
      });
    },
  };
}

export type PasswordResetRepository = ReturnType<typeof createPasswordResetRepository>;
