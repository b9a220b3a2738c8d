import { and, desc, eq, ilike, lt, or, sql } from 'drizzle-orm';
import { type Database, queryRows } from '../db/database.js';
import { type ConversationRow, conversations, type NewConversationRow } from '../db/schema/index.js';
import { attachmentIdOfUrl } from '../domain/attachment.js';
import { createAttachmentRepository } from './attachment.repository.js';
import { createParticipantRepository } from './participant.repository.js';

export interface ConversationListFilter {
  avatarId?: string | undefined;
  tag?: string | undefined;
  /** Default false: archived conversations are listed only when asked for. */
  archived?: boolean | undefined;
  /** Matches the title. */
  search?: string | undefined;
  /** The `sortKey` of the last conversation of the previous page. */
  cursor?: string | undefined;
  limit: number;
}

/** Orders the list: pinned first, then by last activity; ties broken by id. */
const sortKey = sql<string>`(case when ${conversations.pinned} then '1' else '0' end) || to_char(coalesce(${conversations.lastMessageAt}, ${conversations.createdAt}) at time zone 'UTC', 'YYYYMMDDHH24MISSUS') || ${conversations.id}::text`;

/** Conversations; every query is scoped to the owner. */
export function createConversationRepository(db: Database) {
  return {
    /** A new conversation with its owner and its avatar as participants, in one transaction. */
    async create(row: NewConversationRow): Promise<ConversationRow> {
      return db.transaction(async (tx) => {
        const [created] = await tx.insert(conversations).values(row).returning();
        await createParticipantRepository(tx).insertFounders(created!);
        return created!;
      });
    },

    async findOwned(userId: string, id: string): Promise<ConversationRow | undefined> {
      const [row] = await db
        .select()
        .from(conversations)
        .where(and(eq(conversations.id, id), eq(conversations.ownerId, userId)));
      return row;
    },

    /** One page, newest activity first (pinned on top); `nextCursor` is null on the last page. */
    async list(
      userId: string,
      filter: ConversationListFilter,
    ): Promise<{ rows: ConversationRow[]; nextCursor: string | null }> {
      const pattern = filter.search ? `%${filter.search.replace(/[%_\\]/g, (c) => `\\${c}`)}%` : undefined;
      const rows = await db
        .select({ row: conversations, key: sortKey })
        .from(conversations)
        .where(
          and(
            eq(conversations.ownerId, userId),
            // Incognito conversations are never in the list: the open one is on screen already.
            eq(conversations.incognito, false),
            eq(conversations.archived, filter.archived ?? false),
            filter.avatarId ? eq(conversations.avatarId, filter.avatarId) : undefined,
            filter.tag ? sql`${filter.tag} = any(${conversations.tags})` : undefined,
            pattern ? ilike(conversations.title, pattern) : undefined,
            filter.cursor ? lt(sortKey, filter.cursor) : undefined,
          ),
        )
        .orderBy(desc(sortKey))
        .limit(filter.limit + 1);
      const page = rows.slice(0, filter.limit);
      return {
        rows: page.map((r) => r.row),
        nextCursor: rows.length > filter.limit ? (page.at(-1)?.key ?? null) : null,
      };
    },

    async update(
      userId: string,
      id: string,
      changes: Partial<
        Pick<
          NewConversationRow,
          | 'title'
          | 'titleSource'
          | 'tags'
          | 'pinned'
          | 'archived'
          | 'activeLeafId'
          | 'model'
          | 'prompt'
          | 'generation'
        >
      >,
    ): Promise<ConversationRow | undefined> {
      if (Object.keys(changes).length === 0) return this.findOwned(userId, id);
      const [row] = await db
        .update(conversations)
        .set(changes)
        .where(and(eq(conversations.id, id), eq(conversations.ownerId, userId)))
        .returning();
      return row;
    },

    /** Sets the title only while it is still automatic (a user's rename always wins). */
    async setAutoTitle(id: string, title: string): Promise<void> {
      await db
        .update(conversations)
        .set({ title })
        .where(and(eq(conversations.id, id), eq(conversations.titleSource, 'auto')));
    },

    /** A message was added: move the visible branch to it and count it. */
    async messageAdded(id: string, leafId: string, at: Date): Promise<void> {
      await db
        .update(conversations)
        .set({
          activeLeafId: leafId,
          messageCount: sql`${conversations.messageCount} + 1`,
          lastMessageAt: at,
        })
        .where(eq(conversations.id, id));
    },

    /**
     * Recounts the messages (after a branch was deleted, or the greetings were written). The
     * avatar's greeting counts once: its alternates (the other first messages one can swipe to)
     * are choices, not messages of the conversation, so they never count.
     */
    async recount(id: string): Promise<void> {
      await db.execute(
        sql`update conversations set message_count = (
          select count(*) filter (where parent_id is not null or role <> 'assistant')
            + least(1, count(*) filter (where parent_id is null and role = 'assistant'))
          from messages where conversation_id = ${id}
        ) where id = ${id}`,
      );
    },

    async delete(userId: string, id: string): Promise<boolean> {
      const rows = await db
        .delete(conversations)
        .where(and(eq(conversations.id, id), eq(conversations.ownerId, userId)))
        .returning({ id: conversations.id });
      return rows.length > 0;
    },

    /**
     * Ends incognito conversations: the user's (`userId`, at sign-out) or anyone's, idle since
     * before `idleBefore` (the purge job). Their messages, participants and embeddings go with
     * them (foreign keys cascade), and so do the attachments their messages carried, unless
     * another message of the owner's uses one too: nothing of the chat is left for the next
     * day's attachment purge. Returns how many conversations were deleted.
     */
    async deleteIncognito(scope: { userId: string } | { idleBefore: Date }): Promise<number> {
      const ended = and(
        eq(conversations.incognito, true),
        'userId' in scope
          ? eq(conversations.ownerId, scope.userId)
          : lt(
              sql`greatest(${conversations.updatedAt}, coalesce(${conversations.lastMessageAt}, ${conversations.createdAt}))`,
              scope.idleBefore,
            ),
      );
      return db.transaction(async (tx) => {
        const files = await queryRows<{ owner_id: string; url: string }>(
          tx,
          sql`select distinct m.owner_id, part->>'url' as url
              from ${conversations} join messages m on m.conversation_id = ${conversations.id},
                   jsonb_array_elements(m.parts) as part
              where ${ended} and part->>'type' = 'file'`,
        );
        const rows = await tx.delete(conversations).where(ended).returning({ id: conversations.id });
        const attachments = createAttachmentRepository(tx);
        for (const file of files) {
          const id = attachmentIdOfUrl(file.url);
          if (id) await attachments.deleteUnusedOwned(file.owner_id, id);
        }
        return rows.length;
      });
    },

    /** Conversations and messages per avatar, for the avatar's usage statistics. */
    async statsByAvatar(
      userId: string,
    ): Promise<{ avatarId: string; conversations: number; messages: number; lastUsedAt: Date | null }[]> {
      const rows = await db
        .select({
          avatarId: conversations.avatarId,
          conversations: sql<number>`count(*)::int`,
          messages: sql<number>`coalesce(sum(${conversations.messageCount}), 0)::int`,
          lastUsedAt: sql<Date | null>`max(${conversations.lastMessageAt})`,
        })
        .from(conversations)
        .where(and(eq(conversations.ownerId, userId), eq(conversations.incognito, false)))
        .groupBy(conversations.avatarId);
      return rows.map((r) => ({ ...r, lastUsedAt: r.lastUsedAt ? new Date(r.lastUsedAt) : null }));
    },

    /** Titles containing the text, for the search box (alongside message hits). */
    async searchTitles(userId: string, text: string, limit: number): Promise<ConversationRow[]> {
      const pattern = `%${text.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
      return db
        .select()
        .from(conversations)
        .where(
          and(
            eq(conversations.ownerId, userId),
            eq(conversations.incognito, false),
            or(ilike(conversations.title, pattern)),
          ),
        )
        .orderBy(desc(conversations.lastMessageAt))
        .limit(limit);
    },
  };
}

export type ConversationRepository = ReturnType<typeof createConversationRepository>;
