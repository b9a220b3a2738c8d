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
import { turnIdFor } from '../domain/participant.js';
import { withConsistentParts } from './message.repository.js';
import { createParticipantRepository } from './participant.repository.js';

/** A message ready to insert: its id and parent already chosen (parents come first). */
export type TransferMessageRow = Omit<typeof messages.$inferInsert, 'conversationId' | 'ownerId'> & {
  id: string;
};

/** What import and export need beyond the everyday conversation and message queries. */
export function createConversationTransferRepository(db: Database) {
  return {
    /**
     * Inserts a conversation with its owner and avatar as participants and its whole message tree,
     * and points it at its active leaf. Call it inside a transaction (the import also creates the
     * avatar there): four statements plus one per 500 messages, never one per message. Turns and
     * speakers follow the rules of migration 0008: a user message or a root opens a turn, the
     * person speaks the user messages and the conversation's avatar the replies.
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
      const { id: conversationId, ownerId, avatarId } = created!;
      await createParticipantRepository(db).insertFounders(created!);
      const turns = new Map<string, string>();
      const placed = rows.map((row) => {
        const turnId = turnIdFor(
          { id: row.id, role: row.role, parentId: row.parentId ?? null },
          turns.get(row.parentId ?? ''),
        );
        turns.set(row.id, turnId);
        const spoken = row.speakerAvatarId || row.speakerUserId;
        return withConsistentParts({
          ...row,
          conversationId,
          ownerId,
          turnId,
          ...(spoken
            ? {}
            : {
                speakerUserId: row.role === 'user' ? ownerId : null,
                speakerAvatarId: row.role === 'assistant' ? avatarId : null,
              }),
        });
      });
      for (let i = 0; i < placed.length; i += 500) {
        await db.insert(messages).values(placed.slice(i, i + 500));
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
