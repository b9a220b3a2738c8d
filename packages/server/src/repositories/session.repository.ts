import { and, desc, eq, gt, isNull, lt, ne, or } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { sessions } from '../db/schema/index.js';
import type { NewSession, Session } from '../domain/session.js';

/** Browser sessions, looked up by the SHA-256 of their token; every query by a user is scoped to them. */
export function createSessionRepository(db: Database) {
  return {
    async create(session: NewSession): Promise<Session> {
      const [row] = await db.insert(sessions).values(session).returning();
      return row!;
    },

    /** The live session for a token hash: not revoked, not expired. */
    async findActiveByTokenHash(tokenHash: string, now = new Date()): Promise<Session | undefined> {
      const [row] = await db
        .select()
        .from(sessions)
        .where(
          and(eq(sessions.tokenHash, tokenHash), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)),
        );
      return row;
    },

    /** Any session with this token hash, live or not (to explain why it stopped working). */
    async findByTokenHash(tokenHash: string): Promise<Session | undefined> {
      const [row] = await db.select().from(sessions).where(eq(sessions.tokenHash, tokenHash));
      return row;
    },

    async listActiveForUser(userId: string, now = new Date()): Promise<Session[]> {
      return db
        .select()
        .from(sessions)
        .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
        .orderBy(desc(sessions.lastSeenAt));
    },

    async touch(id: string, lastSeenAt: Date, expiresAt: Date): Promise<void> {
      await db.update(sessions).set({ lastSeenAt, expiresAt }).where(eq(sessions.id, id));
    },

    /** Revokes one of the user's sessions; false when it is not theirs (or already gone). */
    async revoke(userId: string, id: string, at = new Date()): Promise<boolean> {
      const rows = await db
        .update(sessions)
        .set({ revokedAt: at })
        .where(and(eq(sessions.id, id), eq(sessions.userId, userId), isNull(sessions.revokedAt)))
        .returning({ id: sessions.id });
      return rows.length > 0;
    },

    /** Revokes all of a user's live sessions except, optionally, one (after a password change). */
    async revokeAllForUser(userId: string, exceptId?: string, at = new Date()): Promise<number> {
      const rows = await db
        .update(sessions)
        .set({ revokedAt: at })
        .where(
          and(
            eq(sessions.userId, userId),
            isNull(sessions.revokedAt),
            gt(sessions.expiresAt, at),
            exceptId ? ne(sessions.id, exceptId) : undefined,
          ),
        )
        .returning({ id: sessions.id });
      return rows.length;
    },

    /** Deletes sessions that expired or were revoked before `before`. */
    async purgeEnded(before: Date): Promise<number> {
      const rows = await db
        .delete(sessions)
        .where(or(lt(sessions.expiresAt, before), lt(sessions.revokedAt, before)))
        .returning({ id: sessions.id });
      return rows.length;
    },
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;
