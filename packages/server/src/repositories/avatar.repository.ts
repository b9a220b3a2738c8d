import { and, desc, eq, ilike, or, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { type AvatarRow, avatars, type NewAvatarRow, users } from '../db/schema/index.js';

export interface AvatarListFilter {
  search?: string | undefined;
  tag?: string | undefined;
  /** `recent`: last used first (then newest); `name`; `created`. */
  sort?: 'recent' | 'name' | 'created' | undefined;
}

/**
 * Avatars. A user sees their own and those shared with the instance; only the owner may
 * change or delete one.
 */
export function createAvatarRepository(db: Database) {
  const visibleTo = (userId: string) => or(eq(avatars.ownerId, userId), eq(avatars.visibility, 'instance'));
  // Every turn reads this: built once as a prepared statement (issue 11: Drizzle rebuilt its SQL
  // on each call, ~0.5-0.9 ms of CPU per turn in the profile; node-postgres also parses it once
  // per connection instead of per call).
  const prepareVisibleWithUser = () =>
    db
      .select({ avatar: avatars, name: users.name, preferredName: users.preferredName })
      .from(users)
      .leftJoin(
        avatars,
        and(
          eq(avatars.id, sql.placeholder('id')),
          or(eq(avatars.ownerId, sql.placeholder('userId')), eq(avatars.visibility, 'instance')),
        ),
      )
      .where(eq(users.id, sql.placeholder('userId')))
      .prepare('avatar_visible_with_user');
  let visibleWithUser: ReturnType<typeof prepareVisibleWithUser> | undefined;

  return {
    async create(row: NewAvatarRow): Promise<AvatarRow> {
      const [created] = await db.insert(avatars).values(row).returning();
      return created!;
    },

    async findVisible(userId: string, id: string): Promise<AvatarRow | undefined> {
      const [row] = await db
        .select()
        .from(avatars)
        .where(and(eq(avatars.id, id), visibleTo(userId)));
      return row;
    },

    /**
     * The avatar `userId` may use (null when not) and that user's names, in one query: a turn's
     * context needs both (issue 11: one round trip instead of two). Undefined when the user is gone.
     */
    async findVisibleWithUser(
      userId: string,
      id: string,
    ): Promise<
      { avatar: AvatarRow | null; user: { name: string; preferredName: string | null } } | undefined
    > {
      visibleWithUser ??= prepareVisibleWithUser();
      const [row] = await visibleWithUser.execute({ id, userId });
      return row && { avatar: row.avatar, user: { name: row.name, preferredName: row.preferredName } };
    },

    async findOwned(userId: string, id: string): Promise<AvatarRow | undefined> {
      const [row] = await db
        .select()
        .from(avatars)
        .where(and(eq(avatars.id, id), eq(avatars.ownerId, userId)));
      return row;
    },

    /**
     * The owner's newest avatar imported from content with this hash (`cardExtras.importHash`,
     * written by the import), to notice a card imported twice. Only the owner's: a shared avatar
     * of someone else is not a copy the user has.
     */
    async findOwnedByImportHash(
      userId: string,
      hash: string,
    ): Promise<Pick<AvatarRow, 'id' | 'name' | 'createdAt' | 'updatedAt'> | undefined> {
      const [row] = await db
        .select({
          id: avatars.id,
          name: avatars.name,
          createdAt: avatars.createdAt,
          updatedAt: avatars.updatedAt,
        })
        .from(avatars)
        .where(and(eq(avatars.ownerId, userId), sql`${avatars.cardExtras}->>'importHash' = ${hash}`))
        .orderBy(desc(avatars.createdAt), desc(avatars.id))
        .limit(1);
      return row;
    },

    list(userId: string, filter: AvatarListFilter = {}): Promise<AvatarRow[]> {
      const pattern = filter.search ? `%${filter.search.replace(/[%_\\]/g, (c) => `\\${c}`)}%` : undefined;
      const order =
        filter.sort === 'name'
          ? [sql`lower(${avatars.name})`]
          : filter.sort === 'created'
            ? [desc(avatars.createdAt)]
            : [sql`${avatars.lastUsedAt} desc nulls last`, desc(avatars.createdAt)];
      return db
        .select()
        .from(avatars)
        .where(
          and(
            visibleTo(userId),
            pattern
              ? or(
                  ilike(avatars.name, pattern),
                  ilike(avatars.nickname, pattern),
                  ilike(avatars.description, pattern),
                )
              : undefined,
            filter.tag ? sql`${filter.tag} = any(${avatars.tags})` : undefined,
          ),
        )
        .orderBy(...order);
    },

    async update(userId: string, id: string, changes: Partial<NewAvatarRow>): Promise<AvatarRow | undefined> {
      const { id: _id, ownerId: _owner, createdAt: _created, ...allowed } = changes;
      if (Object.keys(allowed).length === 0) return this.findOwned(userId, id); // nothing to change
      const [row] = await db
        .update(avatars)
        .set(allowed)
        .where(and(eq(avatars.id, id), eq(avatars.ownerId, userId)))
        .returning();
      return row;
    },

    async delete(userId: string, id: string): Promise<boolean> {
      const rows = await db
        .delete(avatars)
        .where(and(eq(avatars.id, id), eq(avatars.ownerId, userId)))
        .returning({ id: avatars.id });
      return rows.length > 0;
    },

    async touch(id: string, at = new Date()): Promise<void> {
      await db.update(avatars).set({ lastUsedAt: at }).where(eq(avatars.id, id));
    },

    async countOwned(userId: string): Promise<number> {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(avatars)
        .where(eq(avatars.ownerId, userId));
      return row?.n ?? 0;
    },
  };
}

export type AvatarRepository = ReturnType<typeof createAvatarRepository>;
