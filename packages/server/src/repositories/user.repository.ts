import { asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { type NewUserRow, type UserRow, users } from '../db/schema/index.js';
import { conflict } from '../errors.js';

/** Users. Email comparisons are case-insensitive (a unique index on lower(email)). */
export function createUserRepository(db: Database) {
  return {
    async create(user: NewUserRow): Promise<UserRow> {
      try {
        const [row] = await db.insert(users).values(user).returning();
        return row!;
      } catch (err) {
        if (isUniqueViolation(err))
          throw conflict('email_taken', 'An account with this email already exists');
        throw err;
      }
    },

    async findById(id: string): Promise<UserRow | undefined> {
      const [row] = await db.select().from(users).where(eq(users.id, id));
      return row;
    },

    async findByEmail(email: string): Promise<UserRow | undefined> {
      const [row] = await db.select().from(users).where(sql`lower(${users.email}) = lower(${email})`);
      return row;
    },

    async list(): Promise<UserRow[]> {
      return db.select().from(users).orderBy(asc(users.createdAt), asc(users.id));
    },

    async count(): Promise<number> {
      const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(users);
      return row?.n ?? 0;
    },

    async update(
      id: string,
      changes: Partial<Pick<UserRow, 'name' | 'preferredName' | 'role' | 'disabledAt' | 'passwordHash'>>,
    ): Promise<UserRow | undefined> {
      // An empty PATCH changes nothing and answers the user as they are (SQL has no empty SET).
      if (Object.values(changes).every((v) => v === undefined)) {
        const [row] = await db.select().from(users).where(eq(users.id, id));
        return row;
      }
      const [row] = await db.update(users).set(changes).where(eq(users.id, id)).returning();
      return row;
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;

/** PostgreSQL's unique_violation, from either driver (possibly wrapped by Drizzle). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code === '23505' || e?.cause?.code === '23505';
}
