import { and, asc, eq, getTableColumns, inArray, ne, sql } from 'drizzle-orm';
import { type Database, queryRows } from '../db/database.js';
import { type ConversationRow, type MessageRow, messages, type NewMessageRow } from '../db/schema/index.js';
import type { Message } from '../domain/message.js';
import { type MessagePart, partsOfText, textOfParts } from '../domain/message-parts.js';
import type { UsageEvent } from '../domain/usage.js';
import { newId } from '../ids.js';
import {
  type ConversationKey,
  type ConversationRows,
  type ConversationSpeaker,
  loadConversationRows,
  loadConversationWithRows,
  toMessageRow,
} from './conversation-rows.js';
import { type AppendRow, appendMessages, finishReply, type ReplyFinish } from './reply-statements.js';

export const INTERRUPTED_ERROR = {
  code: 'interrupted',
  message: 'The server stopped while this reply was being written',
};

/** How a reply whose writer stopped before finishing is stored (its text up to the last flush stays). */
const INTERRUPTED = {
  status: 'interrupted',
  finishReason: 'error',
  writerId: null,
  error: INTERRUPTED_ERROR,
} satisfies MessageFinish;

// Every column except the search vector, which no caller reads.
const { tsv: _tsv, ...messageColumns } = getTableColumns(messages);

/** Any of the columns a reply's final write sets (sweeps and recovery set some of them). */
export type MessageFinish = Partial<ReplyFinish>;

/**
 * What a streaming reply has written so far: its text (a text-only reply), or its parts in order
 * (then `content` is their text, derived here).
 */
export type MessageProgress = string | { parts: MessagePart[] };

/**
 * A row whose `parts` and `content` agree: given parts, `content` becomes their text (parts win
 * when both are given); given only `content`, parts become its one text part. Every write of a
 * message goes through this, so search (which reads `content`) and readers of parts never differ.
 * Rows that give neither (an update of other columns) are left alone.
 * @example withConsistentParts({ ...row, parts: [{ type: 'reasoning', text: '…' }, { type: 'text', text: 'Hi' }] }) // content 'Hi'
 */
export function withConsistentParts<
  T extends { content?: string | undefined; parts?: MessagePart[] | undefined },
>(row: T): T {
  if (row.parts !== undefined) return { ...row, content: textOfParts(row.parts) };
  if (row.content !== undefined) return { ...row, parts: partsOfText(row.content) };
  return row;
}

/** A conversation and its whole message tree, read at once; branches are walked in memory. */
export interface ConversationTree {
  conversation: ConversationRow;
  /** The conversation's avatar (null when the user may no longer use it) and the user's names. */
  speaker: ConversationSpeaker;
  /** A message of this conversation, or undefined when it is not one of them. */
  message(id: string): MessageRow | undefined;
  /** Root → `leafId` (empty when `leafId` is not a message of this conversation). */
  branch(leafId: string): MessageRow[];
}

/** The path root → `leafId` through the rows of one conversation. */
function walkUp(
  conversation: ConversationRows,
  byId: Map<string, ConversationRows['rows'][number]>,
  leafId: string,
) {
  const path: MessageRow[] = [];
  let values = byId.get(leafId);
  // The length check stops a (corrupt) cycle from looping forever.
  while (values && path.length < conversation.rows.length) {
    path.push(toMessageRow(values, conversation));
    values = values[1] ? byId.get(values[1]) : undefined;
  }
  return path.reverse();
}

/** Messages of conversation trees; reads take the owner so no query crosses users. */
export function createMessageRepository(db: Database) {
  return {
    async insert(row: NewMessageRow): Promise<MessageRow> {
      const [created] = await db.insert(messages).values(withConsistentParts(row)).returning(messageColumns);
      return created as MessageRow;
    },

    /**
     * Adds messages (a user message and its reply, parents first) and moves the conversation's
     * visible branch to the last one, in ONE statement (reply-statements.ts): atomic like a
     * transaction — a reply row is never stored without its question, nor the leaf moved without
     * them — in one round trip instead of BEGIN/INSERT/UPDATE/COMMIT. The last row's `created_at`
     * defaults to `now()`, the statement's time, which is what the conversation's
     * `last_message_at` is set to. Rows come back in the order given.
     */
    async append(conversationId: string, rows: AppendRow[]): Promise<MessageRow[]> {
      if (rows.length === 0) return [];
      return appendMessages(
        db,
        conversationId,
        rows.map((row) => {
          const consistent = withConsistentParts({ ...row, id: row.id ?? newId() });
          return { ...consistent, content: consistent.content ?? '' };
        }),
      );
    },

    /** Inserts many at once (fork, import); parents must come before their children. */
    async insertMany(rows: NewMessageRow[]): Promise<void> {
      for (let i = 0; i < rows.length; i += 500) {
        await db.insert(messages).values(rows.slice(i, i + 500).map(withConsistentParts));
      }
    },

    async findOwned(userId: string, id: string): Promise<MessageRow | undefined> {
      const [row] = await db
        .select(messageColumns)
        .from(messages)
        .where(and(eq(messages.id, id), eq(messages.ownerId, userId)));
      return row as MessageRow | undefined;
    },

    /**
     * The path from the root to `leafId`, root first: the conversation in one range scan, walked
     * in memory. (A recursive CTE pays an index lookup per ancestor: 200+ ms for a
     * 10,000-message branch; docs/performance.md.)
     */
    async branch(userId: string, leafId: string): Promise<MessageRow[]> {
      return (await this.branchWithForks(userId, leafId)).path;
    },

    /**
     * The branch, plus where the tree forks (parent id, or null for the roots → children oldest
     * first, only where there are two or more), from the one read of the conversation.
     */
    async branchWithForks(
      userId: string,
      leafId: string,
    ): Promise<{ path: MessageRow[]; forks: Map<string | null, string[]> }> {
      const conversation = await loadConversationRows(db, userId, leafId);
      const forks = new Map<string | null, string[]>();
      if (!conversation) return { path: [], forks };
      const byId = new Map(conversation.rows.map((values) => [values[0], values]));
      const path = walkUp(conversation, byId, leafId);
      const children = new Map<string | null, string[]>();
      for (const [id, parentId] of conversation.rows) {
        const list = children.get(parentId);
        if (list) list.push(id);
        else children.set(parentId, [id]);
      }
      for (const [parentId, ids] of children) if (ids.length > 1) forks.set(parentId, ids.sort());
      return { path, forks };
    },

    /**
     * The conversation (owned by `userId`, found by its id or one of its messages' ids) and its
     * whole tree, in one statement: what a turn reads before it is planned.
     */
    async conversationTree(userId: string, key: ConversationKey): Promise<ConversationTree | undefined> {
      const loaded = await loadConversationWithRows(db, userId, key);
      if (!loaded) return undefined;
      const byId = new Map(loaded.rows.rows.map((values) => [values[0], values]));
      return {
        conversation: loaded.conversation,
        speaker: loaded.speaker,
        message: (id) => {
          const values = byId.get(id);
          return values ? toMessageRow(values, loaded.rows) : undefined;
        },
        branch: (leafId) => walkUp(loaded.rows, byId, leafId),
      };
    },

    /** Every message of a conversation, oldest first. */
    async tree(conversationId: string): Promise<MessageRow[]> {
      const rows = await db
        .select(messageColumns)
        .from(messages)
        .where(eq(messages.conversationId, conversationId))
        .orderBy(asc(messages.id));
      return rows as MessageRow[];
    },

    /** The children of one message (or the roots when `parentId` is null), oldest first. */
    async children(conversationId: string, parentId: string | null): Promise<MessageRow[]> {
      const rows = await db
        .select(messageColumns)
        .from(messages)
        .where(
          and(
            eq(messages.conversationId, conversationId),
            parentId ? eq(messages.parentId, parentId) : sql`${messages.parentId} is null`,
          ),
        )
        .orderBy(asc(messages.id));
      return rows as MessageRow[];
    },

    /** Follows the newest child down from `id` to a leaf (what a sibling switch shows). */
    async newestLeafUnder(id: string): Promise<string> {
      const rows = await queryRows<{ id: string }>(
        db,
        sql`with recursive down as (
              select ${id}::uuid as id, 0 as depth
              union all
              select (select c.id from messages c where c.parent_id = down.id order by c.id desc limit 1), depth + 1
              from down where down.id is not null
            )
            select id from down where id is not null order by depth desc limit 1`,
      );
      return rows[0]?.id ?? id;
    },

    /**
     * Saves what a streaming reply has written so far (also its heartbeat), in one UPDATE: its
     * text (`flush(id, 'Hel')`, stored as one text part) or its parts in order
     * (`flush(id, { parts })`, `content` becomes the text of their text parts). Each flush writes
     * the whole reply so far, so a failed one is repaired by the next.
     */
    async flush(id: string, progress: MessageProgress): Promise<void> {
      const written = typeof progress === 'string' ? { content: progress } : { parts: progress.parts };
      await db.update(messages).set(withConsistentParts(written)).where(eq(messages.id, id));
    },

    /**
     * Stores how a reply ended, in one UPDATE. With `parts`, `content` is derived from them (a
     * `content` given beside them is ignored); with `content` alone, parts become its text part;
     * with neither, both stay as last flushed.
     */
    async finish(id: string, fields: MessageFinish): Promise<MessageRow | undefined> {
      const [row] = await db
        .update(messages)
        .set(withConsistentParts(fields))
        .where(eq(messages.id, id))
        .returning(messageColumns);
      return row as MessageRow | undefined;
    },

    /**
     * Stores how a reply ended, with the usage events of its model calls, in ONE statement
     * (reply-statements.ts): `content` is derived from `parts`. Each event keeps its id, and a
     * conflict is skipped, so writing the same finish again counts no call twice.
     */
    async finishReply(
      reply: Message,
      fields: Omit<ReplyFinish, 'content'>,
      usage: UsageEvent[] = [],
    ): Promise<Message | undefined> {
      return finishReply(db, reply, { ...fields, content: textOfParts(fields.parts) }, usage);
    },

    async setSummary(id: string, summary: string): Promise<void> {
      await db.update(messages).set({ summary }).where(eq(messages.id, id));
    },

    /** Deletes a message and everything below it. */
    async deleteSubtree(userId: string, id: string): Promise<number> {
      const rows = await db
        .delete(messages)
        .where(and(eq(messages.id, id), eq(messages.ownerId, userId)))
        .returning({ id: messages.id });
      return rows.length;
    },

    /** Writers with replies still marked streaming, other than `except`. */
    async streamingWriters(except: string): Promise<string[]> {
      const rows = await db
        .selectDistinct({ writerId: messages.writerId })
        .from(messages)
        .where(and(eq(messages.status, 'streaming'), ne(messages.writerId, except)));
      return rows.map((r) => r.writerId).filter((w): w is string => w !== null);
    },

    /** Ids of the replies `writerId` has marked streaming. */
    async streamingReplies(writerId: string): Promise<string[]> {
      const rows = await db
        .select({ id: messages.id })
        .from(messages)
        .where(and(eq(messages.status, 'streaming'), eq(messages.writerId, writerId)));
      return rows.map((r) => r.id);
    },

    /** The replies of a conversation still being written, oldest first, at most `limit`. */
    async streamingInConversation(conversationId: string, limit: number): Promise<string[]> {
      const rows = await db
        .select({ id: messages.id })
        .from(messages)
        .where(
          and(
            eq(messages.conversationId, conversationId),
            eq(messages.status, 'streaming'),
            eq(messages.role, 'assistant'),
          ),
        )
        .orderBy(asc(messages.id))
        .limit(limit);
      return rows.map((r) => r.id);
    },

    /** Marks the replies of dead writers `interrupted` (their text up to the last flush stays). */
    async markInterrupted(writerIds: string[] | 'all'): Promise<number> {
      const rows = await db
        .update(messages)
        .set(INTERRUPTED)
        .where(
          and(
            eq(messages.status, 'streaming'),
            writerIds === 'all' ? undefined : inArray(messages.writerId, writerIds),
          ),
        )
        .returning({ id: messages.id });
      return rows.length;
    },

    /**
     * Marks these replies `interrupted` when they are still streaming (a reply that ended in the
     * meantime keeps its status); answers the rows that changed.
     */
    async interruptReplies(ids: string[]): Promise<MessageRow[]> {
      if (ids.length === 0) return [];
      const rows = await db
        .update(messages)
        .set(INTERRUPTED)
        .where(and(eq(messages.status, 'streaming'), inArray(messages.id, ids)))
        .returning(messageColumns);
      return rows as MessageRow[];
    },
  };
}

export type MessageRepository = ReturnType<typeof createMessageRepository>;
