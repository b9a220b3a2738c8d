import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import {
  avatars,
  type ConversationParticipantRow,
  conversationParticipants,
  conversations,
  users,
} from '../db/schema/index.js';
import type { Participant, ParticipantRole } from '../domain/participant.js';
import { newId } from '../ids.js';

export type NewParticipantRow = typeof conversationParticipants.$inferInsert;

/**
 * The avatars and people of conversations. Callers scope by conversation: the service checks
 * that the conversation is the user's before it asks.
 */
export function createParticipantRepository(db: Database) {
  return {
    /** The participants of these conversations, the owner first, then in the order they joined. */
    async listFor(conversationIds: string[]): Promise<Participant[]> {
      if (conversationIds.length === 0) return [];
      const rows = await db
        .select({
          participant: conversationParticipants,
          primaryAvatarId: conversations.avatarId,
          avatarName: avatars.name,
          avatarImageId: avatars.imageId,
          avatarUpdatedAt: avatars.updatedAt,
          userName: users.name,
          userPreferredName: users.preferredName,
        })
        .from(conversationParticipants)
        .innerJoin(conversations, eq(conversations.id, conversationParticipants.conversationId))
        .leftJoin(avatars, eq(avatars.id, conversationParticipants.avatarId))
        .leftJoin(users, eq(users.id, conversationParticipants.userId))
        .where(inArray(conversationParticipants.conversationId, conversationIds))
        .orderBy(
          sql`case when ${conversationParticipants.role} = 'owner' then 0 else 1 end`,
          asc(conversationParticipants.createdAt),
          asc(conversationParticipants.id),
        );
      return rows.map(({ participant: p, ...joined }) => ({
        id: p.id,
        conversationId: p.conversationId,
        kind: p.avatarId ? 'avatar' : 'user',
        role: p.role,
        avatarId: p.avatarId,
        userId: p.userId,
        primary: p.avatarId !== null && p.avatarId === joined.primaryAvatarId,
        name: (p.avatarId ? joined.avatarName : (joined.userPreferredName ?? joined.userName)) ?? '',
        pictureVersion: p.avatarId
          ? (joined.avatarImageId ?? String(joined.avatarUpdatedAt?.getTime() ?? 0))
          : null,
        createdAt: p.createdAt,
      }));
    },

    async find(conversationId: string, id: string): Promise<ConversationParticipantRow | undefined> {
      const [row] = await db
        .select()
        .from(conversationParticipants)
        .where(
          and(
            eq(conversationParticipants.id, id),
            eq(conversationParticipants.conversationId, conversationId),
          ),
        );
      return row;
    },

    /** A new conversation's owner and avatar (call inside the transaction that creates it). */
    async insertFounders(conversation: { id: string; ownerId: string; avatarId: string; createdAt?: Date }) {
      const at = conversation.createdAt ?? new Date();
      await db.insert(conversationParticipants).values([
        {
          id: newId(),
          conversationId: conversation.id,
          userId: conversation.ownerId,
          role: 'owner',
          createdAt: at,
        },
        {
          id: newId(),
          conversationId: conversation.id,
          avatarId: conversation.avatarId,
          role: 'participant',
          createdAt: at,
        },
      ]);
    },

    /** Adds an avatar; undefined when it already takes part. */
    async addAvatar(
      conversationId: string,
      avatarId: string,
    ): Promise<ConversationParticipantRow | undefined> {
      const [row] = await db
        .insert(conversationParticipants)
        .values({ id: newId(), conversationId, avatarId, role: 'participant' })
        .onConflictDoNothing()
        .returning();
      return row;
    },

    /** Adds a person in a role; undefined when they already take part. */
    async addUser(
      conversationId: string,
      userId: string,
      role: ParticipantRole,
    ): Promise<ConversationParticipantRow | undefined> {
      const [row] = await db
        .insert(conversationParticipants)
        .values({ id: newId(), conversationId, userId, role })
        .onConflictDoNothing()
        .returning();
      return row;
    },

    async remove(conversationId: string, id: string): Promise<boolean> {
      const rows = await db
        .delete(conversationParticipants)
        .where(
          and(
            eq(conversationParticipants.id, id),
            eq(conversationParticipants.conversationId, conversationId),
          ),
        )
        .returning({ id: conversationParticipants.id });
      return rows.length > 0;
    },
  };
}

export type ParticipantRepository = ReturnType<typeof createParticipantRepository>;
