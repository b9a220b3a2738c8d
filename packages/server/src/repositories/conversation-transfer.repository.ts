import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import {
  type AvatarRow,
  avatars,
  type ConversationRow,
  conversations,
  messages,
  type NewConversationRow,
} from '../db/schema/index.js';
import { withConsistentParts } from './message.repository.js';

/** A message ready to insert: its id and parent already chosen (parents come first). */
export type TransferMessageRow = Omit<typeof messages.$inferInsert, 'conversationId' | 'ownerId'> & {
  id: string;
};

/** What import and export need beyond the everyday conversation and message queries. */
export function createConversationTransferRepository(db: Database) {
  return {
    /**
     * Inserts a conversation with its whole message tree and points it at its active leaf. Call it
     * inside a transaction (the import also creates the avatar there): three statements plus one
     * per 500 messages, never one per message.
     */
    async insertConversationTree(
      conversation: NewConversationRow,
      rows: TransferMessageRow[],
      activeLeafId: string,
    ): Promise<ConversationRow> {
      const [created] = await db
        .insert(conversations)
        .values({ ...conversation, activeLeafId: null, messageCount: rows.length })
        .returning();
      const { id: conversationId, ownerId } = created!;
      for (let i = 0; i < rows.length; i += 500) {
        await db
          .insert(messages)
          .values(
            rows.slice(i, i + 500).map((row) => withConsistentParts({ ...row, conversationId, ownerId })),
          );
      }
      const [linked] = await db
        .update(conversations)
        .set({ activeLeafId })
        .where(eq(conversations.id, conversationId))
        .returning();
      return linked!;
    },

    /** The user's own avatar with this name (any case), the oldest when there are several. */
    async findOwnedAvatarByName(userId: string, name: string): Promise<AvatarRow | undefined> {
      const [row] = await db
        .select()
        .from(avatars)
        .where(and(eq(avatars.ownerId, userId), sql`lower(${avatars.name}) = lower(${name.trim()})`))
        .orderBy(asc(avatars.createdAt))
        .limit(1);
      return row;
    },
  };
}

export type ConversationTransferRepository = ReturnType<typeof createConversationTransferRepository>;
