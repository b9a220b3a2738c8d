import { and, eq, getTableColumns, ne, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { type MessageRow, messageEmbeddings, messages } from '../db/schema/index.js';
import type { MessagePart } from '../domain/message-parts.js';
import { createConversationRepository } from './conversation.repository.js';
import { createMessageRepository, withConsistentParts } from './message.repository.js';

const { tsv: _tsv, ...messageColumns } = getTableColumns(messages);

/** How a change to one message of a tree went. */
export type TreeEditOutcome<T> =
  | { status: 'done'; value: T }
  | { status: 'not_found' }
  /** The message (or, for a delete, a reply to it) is still being written. */
  | { status: 'streaming' };

/**
 * Summaries stored on `id`'s descendants (and on `id` itself when `self`) read the text above
 * them: they are cleared when that text changes, so the next reply summarizes again.
 */
const clearSummariesBelow = (db: Database, id: string, self: boolean) =>
  db.execute(
    sql`with recursive below as (
          select id from messages where parent_id = ${id}
          union all
          select m.id from messages m join below b on m.parent_id = b.id
        )
        update messages set summary = null
        where summary is not null and (id in (select id from below)${self ? sql` or id = ${id}` : sql``})`,
  );

/**
 * Changes to one message of a conversation tree that keep the tree whole: its text replaced in
 * place, or the message taken out with its replies moved up to its parent. Each runs in one
 * transaction and only on the owner's rows.
 */
export function createMessageTreeEditRepository(db: Database) {
  return {
    /**
     * Stores new parts for a settled message (`content`, and so the search vector, follow them),
     * forgets its cached token count and its embedding, and clears the summaries that read its
     * old text.
     */
    async replaceParts(
      userId: string,
      id: string,
      parts: MessagePart[],
    ): Promise<TreeEditOutcome<MessageRow>> {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .update(messages)
          .set({ ...withConsistentParts({ parts }), tokenCount: null, tokenCounter: null })
          .where(and(eq(messages.id, id), eq(messages.ownerId, userId), ne(messages.status, 'streaming')))
          .returning(messageColumns);
        if (!row) {
          const found = await createMessageRepository(tx).findOwned(userId, id);
          return found ? { status: 'streaming' as const } : { status: 'not_found' as const };
        }
        await clearSummariesBelow(tx, id, true);
        // Its vector was of the old text: recall must not find it by words it no longer says
        // (the embedding job makes a new one).
        await tx.delete(messageEmbeddings).where(eq(messageEmbeddings.messageId, id));
        return { status: 'done' as const, value: row as MessageRow };
      });
    },

    /**
     * Deletes one message: its children move up to its parent (they become siblings of its
     * siblings, or roots), the messages of the turn it opened join the parent's turn (or, moved
     * to the root, open their own), and the conversation's visible branch stays on a message that
     * exists (when the deleted message was its leaf: the newest message now in its place, else its
     * parent). Answers the conversation's id.
     */
    async deleteOne(userId: string, id: string): Promise<TreeEditOutcome<{ conversationId: string }>> {
      return db.transaction(async (tx) => {
        const [message] = await tx
          .select({
            id: messages.id,
            conversationId: messages.conversationId,
            parentId: messages.parentId,
            status: messages.status,
          })
          .from(messages)
          .where(and(eq(messages.id, id), eq(messages.ownerId, userId)))
          .for('update');
        if (!message) return { status: 'not_found' as const };
        const [writing] = await tx
          .select({ id: messages.id })
          .from(messages)
          .where(and(eq(messages.parentId, id), eq(messages.status, 'streaming')))
          .limit(1);
        if (message.status === 'streaming' || writing) return { status: 'streaming' as const };
        const { conversationId, parentId } = message;
        await clearSummariesBelow(tx, id, false);
        // The turn the moved messages join: the parent's, or (at the root) each moved child's own.
        const parentTurn = parentId
          ? sql`(select coalesce(turn_id, id) from messages where id = ${parentId})`
          : sql`null::uuid`;
        await tx.execute(
          sql`with recursive down as (
                select id, coalesce(${parentTurn}, id) as top from messages where parent_id = ${id}
                union all
                select m.id, d.top from messages m join down d on m.parent_id = d.id where m.turn_id = ${id}
              )
              update messages set turn_id = down.top from down
              where messages.id = down.id and messages.turn_id = ${id}`,
        );
        await tx
          .update(messages)
          .set({ parentId })
          .where(and(eq(messages.conversationId, conversationId), eq(messages.parentId, id)));
        await tx.delete(messages).where(eq(messages.id, id));
        const conversations = createConversationRepository(tx);
        await conversations.recount(conversationId);
        const conversation = await conversations.findOwned(userId, conversationId);
        if (conversation && !conversation.activeLeafId) {
          // The deleted message was the leaf: show what took its place.
          const rows = createMessageRepository(tx);
          const anchor = (await rows.children(conversationId, parentId)).at(-1)?.id ?? parentId;
          const leaf = anchor ? await rows.newestLeafUnder(anchor) : null;
          await conversations.update(userId, conversationId, { activeLeafId: leaf });
        }
        return { status: 'done' as const, value: { conversationId } };
      });
    },
  };
}

export type MessageTreeEditRepository = ReturnType<typeof createMessageTreeEditRepository>;
