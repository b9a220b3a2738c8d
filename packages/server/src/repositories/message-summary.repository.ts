import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { messages } from '../db/schema/index.js';

/** Running summaries stored on messages (see services/conversation-summary.service.ts). */
export function createMessageSummaryRepository(db: Database) {
  return {
    /**
     * Stores `summary` on the message unless it already has one, in one statement, so two
     * instances summarizing the same branch cannot overwrite each other. True when stored.
     */
    async storeIfAbsent(userId: string, id: string, summary: string): Promise<boolean> {
      const rows = await db
        .update(messages)
        .set({ summary })
        .where(and(eq(messages.id, id), eq(messages.ownerId, userId), isNull(messages.summary)))
        .returning({ id: messages.id });
      return rows.length > 0;
    },

    /** The stored summary of a message (null when it has none, undefined when it is gone). */
    async summaryOf(userId: string, id: string): Promise<string | null | undefined> {
      const [row] = await db
        .select({ summary: messages.summary })
        .from(messages)
        .where(and(eq(messages.id, id), eq(messages.ownerId, userId)));
      return row ? row.summary : undefined;
    },
  };
}

export type MessageSummaryRepository = ReturnType<typeof createMessageSummaryRepository>;
