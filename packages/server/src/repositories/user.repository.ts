import { asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { users } from '../db/schema/index.js';
import type { NewUser, User, UserChanges } from '../domain/user.js';
import { conflict } from '../errors.js';
import { createSettingsRepository, type SettingsRepository } from './settings.repository.js';

/** The advisory lock key that serialises sign-ups (any constant no other lock uses). */
const SIGNUP_LOCK = 7301947;

/** What a serialised sign-up may read and write, bound to its transaction. */
export interface SignupTransaction {
  users: UserRepository;
  settings: SettingsRepository;
}

/** Users. Email comparisons are case-insensitive (a unique index on lower(email)). */
export function createUserRepository(db: Database): UserRepository {
  return {
    async create(user: NewUser): Promise<User> {
      try {
        const [row] = await db.insert(users).values(user).returning();
        return row!;
      } catch (err) {
        if (isUniqueViolation(err))
          throw conflict('email_taken', 'An account with this email already exists');
        throw err;
      }
    },

    async findById(id: string): Promise<User | undefined> {
      const [row] = await db.select().from(users).where(eq(users.id, id));
      return row;
    },

    async findByEmail(email: string): Promise<User | undefined> {
      const [row] = await db.select().from(users).where(sql`lower(${users.email}) = lower(${email})`);
      return row;
    },

    async list(): Promise<User[]> {
      return db.select().from(users).orderBy(asc(users.createdAt), asc(users.id));
    },

    async count(): Promise<number> {
      const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(users);
      return row?.n ?? 0;
    },

    async update(id: string, changes: UserChanges): Promise<User | undefined> {
      // An empty PATCH changes nothing and answers the user as they are (SQL has no empty SET).
      if (Object.values(changes).every((v) => v === undefined)) {
        const [row] = await db.select().from(users).where(eq(users.id, id));
        return row;
      }
      const [row] = await db.update(users).set(changes).where(eq(users.id, id)).returning();
      return row;
    },

    /**
     * Runs `work` in one transaction holding the sign-up lock (released at commit or rollback),
     * with the users and settings repositories bound to it: two sign-ups at once take turns,
     * so both cannot find an empty instance and become admin. A throw rolls everything back.
     */
    async serialisedSignup<T>(work: (tx: SignupTransaction) => Promise<T>): Promise<T> {
      return db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(SIGNUP_LOCK))})`);
        return work({ users: createUserRepository(tx), settings: createSettingsRepository(tx) });
      });
    },
  };
}

export interface UserRepository {
  create(user: NewUser): Promise<User>;
  findById(id: string): Promise<User | undefined>;
  findByEmail(email: string): Promise<User | undefined>;
  list(): Promise<User[]>;
  count(): Promise<number>;
  update(id: string, changes: UserChanges): Promise<User | undefined>;
  serialisedSignup<T>(work: (tx: SignupTransaction) => Promise<T>): Promise<T>;
}

/** PostgreSQL's unique_violation, from either driver (possibly wrapped by Drizzle). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code === '23505' || e?.cause?.code === '23505';
}
