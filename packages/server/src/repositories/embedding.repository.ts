import { type SQL, sql } from 'drizzle-orm';
import { type Database, queryRows } from '../db/database.js';
import { realArrayLiteral, type VectorTable } from '../memory/vector-index.js';

/** Where a text to embed lives: a memory, a knowledge chunk or a message. */
export type EmbeddingSource = 'memory' | 'chunk' | 'message';

export const EMBEDDING_SOURCE_TABLES: Record<EmbeddingSource, VectorTable> = {
  memory: 'memories',
  chunk: 'knowledge_chunks',
  message: 'message_embeddings',
};

/** A text lacking a vector of the current model; `content` is what the vector will stand for. */
export interface PendingText {
  id: string;
  content: string;
}

export interface EmbeddedText extends PendingText {
  /** Unit length. */
  vector: number[];
}

export interface EmbeddingCounts {
  total: number;
  embedded: number;
}

/**
 * The messages chat history recall may use (repositories/memory-search.repository.ts
 * `messageCorpora`): the user's own settled (complete) messages with text, in their own
 * conversations, never an incognito one. Avatar replies are not recalled, so not embedded: a
 * vector search then finds nearly only rows recall can use.
 */
const recallableMessages = (userId: string) => sql`
  from messages m
  join conversations c on c.id = m.conversation_id
  where m.owner_id = ${userId} and c.owner_id = ${userId} and not c.incognito
    and m.status = 'complete' and m.role = 'user'
    and (m.speaker_user_id is null or m.speaker_user_id = ${userId}) and m.content <> ''`;

/** A memory that still holds (domain/memory.ts `isCurrent`). */
const currentMemory = sql`(valid_to is null or valid_to > now())`;

/** Keyset paging inside one run: rows after `after` in id order. */
const after = (column: SQL, id: string | null) => (id ? sql`and ${column} > ${id}` : sql``);

const toRows = (items: EmbeddedText[]) =>
  JSON.stringify(
    items.map((item) => ({ id: item.id, content: item.content, v: realArrayLiteral(item.vector) })),
  );

/**
 * The SQL of background embedding (jobs/memory-embed-job.ts): what lacks a vector of the user's
 * current model, storing vectors, progress counts. Every statement is scoped to the owner.
 *
 * A vector is stored only while the text it was made from is still the item's text (an edit in
 * the meantime leaves the item pending), and always together with its model's id, so vectors of
 * two models are never mistaken for each other.
 */
export function createEmbeddingRepository(db: Database) {
  return {
    /**
     * Current memories whose vector is missing or of another model. A superseded or invalidated
     * one is history: recall never reads it, so it is not worth a provider call.
     */
    async pendingMemories(userId: string, model: string, limit: number, afterId: string | null = null) {
      return queryRows<PendingText>(
        db,
        sql`select id, content from memories
          where owner_id = ${userId} and ${currentMemory} and embedding_model is distinct from ${model}
            ${after(sql`id`, afterId)}
          order by id limit ${limit}`,
      );
    },

    /** Knowledge chunks whose vector is missing or of another model. */
    async pendingChunks(userId: string, model: string, limit: number, afterId: string | null = null) {
      return queryRows<PendingText>(
        db,
        sql`select id, content from knowledge_chunks
          where owner_id = ${userId} and embedding_model is distinct from ${model} ${after(sql`id`, afterId)}
          order by id limit ${limit}`,
      );
    },

    /**
     * Recallable messages without a vector of `model` (none yet, or another model's); with
     * `since`, only those written after it (the messages_owner_created_idx range), which keeps
     * the check after each reply cheap for a user with a million messages already embedded.
     */
    async pendingMessages(
      userId: string,
      model: string,
      limit: number,
      afterId: string | null = null,
      since: Date | null = null,
    ) {
      return queryRows<PendingText>(
        db,
        sql`select m.id, m.content ${recallableMessages(userId)} ${after(sql`m.id`, afterId)}
          ${since ? sql`and m.created_at > ${since.toISOString()}` : sql``}
          and not exists (
            select 1 from message_embeddings e where e.message_id = m.id and e.embedding_model = ${model})
          order by m.id limit ${limit}`,
      );
    },

    /** Stores memory vectors; returns how many were stored (an edited or deleted one is skipped). */
    async storeMemoryVectors(userId: string, model: string, items: EmbeddedText[]): Promise<number> {
      if (items.length === 0) return 0;
      const rows = await queryRows<{ id: string }>(
        db,
        sql`update memories t set embedding = v.v::real[], embedding_model = ${model}
          from json_to_recordset(${toRows(items)}::json) as v(id uuid, content text, v text)
          where t.id = v.id and t.owner_id = ${userId} and t.content = v.content
          returning t.id`,
      );
      return rows.length;
    },

    async storeChunkVectors(userId: string, model: string, items: EmbeddedText[]): Promise<number> {
      if (items.length === 0) return 0;
      const rows = await queryRows<{ id: string }>(
        db,
        sql`update knowledge_chunks t set embedding = v.v::real[], embedding_model = ${model}
          from json_to_recordset(${toRows(items)}::json) as v(id uuid, content text, v text)
          where t.id = v.id and t.owner_id = ${userId} and t.content = v.content
          returning t.id`,
      );
      return rows.length;
    },

    /** Stores message vectors, replacing a vector of another model in the same statement. */
    async storeMessageVectors(userId: string, model: string, items: EmbeddedText[]): Promise<number> {
      if (items.length === 0) return 0;
      const rows = await queryRows<{ message_id: string }>(
        db,
        sql`insert into message_embeddings (message_id, owner_id, embedding, embedding_model, created_at)
          select m.id, ${userId}, v.v::real[], ${model}, now()
          from json_to_recordset(${toRows(items)}::json) as v(id uuid, content text, v text)
          join messages m on m.id = v.id and m.owner_id = ${userId} and m.content = v.content
          on conflict (message_id) do update
            set embedding = excluded.embedding, embedding_model = excluded.embedding_model,
                created_at = excluded.created_at
          returning message_id`,
      );
      return rows.length;
    },

    /**
     * The dimension of the user's stored vectors of `model`, or null when none is stored. All of
     * a model's vectors have one dimension (memory/embedder.ts checks it), so any row tells.
     */
    async storedDimensions(userId: string, model: string): Promise<number | null> {
      const [row] = await queryRows<{ dims: number | null }>(
        db,
        sql`select coalesce(
            (select array_length(embedding, 1) from memories
              where owner_id = ${userId} and embedding_model = ${model} limit 1),
            (select array_length(embedding, 1) from message_embeddings
              where owner_id = ${userId} and embedding_model = ${model} limit 1),
            (select array_length(embedding, 1) from knowledge_chunks
              where owner_id = ${userId} and embedding_model = ${model} and embedding is not null limit 1)
          ) as dims`,
      );
      return row?.dims ?? null;
    },

    /**
     * How many items there are to embed (current memories, recallable messages, document chunks)
     * and how many carry a vector of `model` (null: none do).
     */
    async counts(
      userId: string,
      model: string | null,
    ): Promise<{ memories: EmbeddingCounts; messages: EmbeddingCounts; documents: EmbeddingCounts }> {
      const [row] = await queryRows<Record<string, string | number>>(
        db,
        sql`select
            (select count(*) from memories where owner_id = ${userId} and ${currentMemory}) as memories_total,
            (select count(*) from memories
              where owner_id = ${userId} and ${currentMemory} and embedding_model = ${model}) as memories_embedded,
            (select count(*) ${recallableMessages(userId)}) as messages_total,
            -- Only recallable messages get a vector (and lose it with their row), so the vectors
            -- are counted on their own index instead of probing each message.
            (select count(*) from message_embeddings
              where owner_id = ${userId} and embedding_model = ${model}) as messages_embedded,
            (select count(*) from knowledge_chunks where owner_id = ${userId}) as chunks_total,
            (select count(*) from knowledge_chunks where owner_id = ${userId} and embedding_model = ${model}) as chunks_embedded`,
      );
      const n = (key: string) => Number(row?.[key] ?? 0);
      return {
        memories: { total: n('memories_total'), embedded: n('memories_embedded') },
        messages: {
          total: n('messages_total'),
          // A message emptied by an edit keeps its old vector until it is embedded again.
          embedded: Math.min(n('messages_embedded'), n('messages_total')),
        },
        documents: { total: n('chunks_total'), embedded: n('chunks_embedded') },
      };
    },

    /**
     * Deletes every vector of the user (all models), so everything is embedded again from
     * scratch: the way out when a model's answers changed dimension under the same name.
     */
    async clearVectors(userId: string): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.execute(
          sql`update memories set embedding = null, embedding_model = null
            where owner_id = ${userId} and embedding_model is not null`,
        );
        await tx.execute(
          sql`update knowledge_chunks set embedding = null, embedding_model = null
            where owner_id = ${userId} and embedding_model is not null`,
        );
        await tx.execute(sql`delete from message_embeddings where owner_id = ${userId}`);
      });
    },
  };
}

export type EmbeddingRepository = ReturnType<typeof createEmbeddingRepository>;
