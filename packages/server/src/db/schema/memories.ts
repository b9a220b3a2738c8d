import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  real,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import type { KnowledgeStatus, MemoryKind, MemoryOrigin } from '../../domain/memory.js';
import { avatars, files } from './avatars.js';
import { createdAt, id, updatedAt } from './columns.js';
import { conversations, messages } from './conversations.js';
import { users } from './users.js';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * Vectors are stored as `real[]` (unit length, so a dot product is the cosine) with the id of
 * the model that made them: vectors of different models are never compared. Where the pgvector
 * extension exists (PGlite always), recall casts them to `vector` and an HNSW index per model
 * dimension serves the search (memory/vector-index.ts); elsewhere it scans exactly.
 */
const embedding = () => real('embedding').array();
const embeddingModel = () => text('embedding_model');

/** Memory items (domain/memory.ts): one self-contained sentence each, kept in history when superseded. */
export const memories = pgTable(
  'memories',
  {
    id: id(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Null: shared with the user's avatars whose memory policy is `shared`. */
    avatarId: uuid('avatar_id').references(() => avatars.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<MemoryKind>().notNull(),
    content: text('content').notNull(),
    importance: real('importance').notNull().default(0.5),
    confidence: real('confidence').notNull().default(1),
    origin: text('origin').$type<MemoryOrigin>().notNull(),
    sourceMessageIds: uuid('source_message_ids').array().notNull().default(sql`'{}'::uuid[]`),
    sourceConversationId: uuid('source_conversation_id').references(() => conversations.id, {
      onDelete: 'set null',
    }),
    validFrom: timestamp('valid_from', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    validTo: timestamp('valid_to', { withTimezone: true, mode: 'date' }),
    supersededBy: uuid('superseded_by').references((): AnyPgColumn => memories.id, { onDelete: 'set null' }),
    pinned: boolean('pinned').notNull().default(false),
    embedding: embedding(),
    embeddingModel: embeddingModel(),
    tsv: tsvector('tsv').generatedAlwaysAs(sql`to_tsvector('simple', content)`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    lastRecalledAt: timestamp('last_recalled_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    index('memories_owner_avatar_idx').on(t.ownerId, t.avatarId, t.validTo),
    index('memories_owner_kind_idx').on(t.ownerId, t.kind),
    index('memories_tsv_idx').using('gin', t.tsv),
    index('memories_superseded_by_idx').on(t.supersededBy),
    index('memories_source_conversation_idx').on(t.sourceConversationId),
    index('memories_embedding_model_idx').on(t.ownerId, t.embeddingModel),
    // The profile recall reads on every turn: a few pinned rows among a user's many memories.
    index('memories_pinned_idx').on(t.ownerId, t.avatarId).where(sql`${t.pinned}`),
    check('memories_kind_check', sql`${t.kind} in ('fact', 'preference', 'person', 'event', 'profile')`),
    check('memories_origin_check', sql`${t.origin} in ('extracted', 'manual', 'command', 'imported')`),
    check('memories_importance_check', sql`${t.importance} between 0 and 1`),
    check('memories_confidence_check', sql`${t.confidence} between 0 and 1`),
  ],
);

/** A message's vector, for chat history recall (its text is searched through messages.tsv). */
export const messageEmbeddings = pgTable(
  'message_embeddings',
  {
    messageId: uuid('message_id')
      .primaryKey()
      .references(() => messages.id, { onDelete: 'cascade' }),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    embedding: embedding().notNull(),
    embeddingModel: embeddingModel().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('message_embeddings_owner_model_idx').on(t.ownerId, t.embeddingModel)],
);

/** A file an avatar has read (domain/memory.ts KnowledgeDocument). */
export const knowledgeDocuments = pgTable(
  'knowledge_documents',
  {
    id: id(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    avatarId: uuid('avatar_id')
      .notNull()
      .references(() => avatars.id, { onDelete: 'cascade' }),
    fileId: uuid('file_id')
      .notNull()
      .references(() => files.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    mediaType: text('media_type').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    status: text('status').$type<KnowledgeStatus>().notNull().default('queued'),
    error: jsonb('error').$type<{ code: string; message: string }>(),
    chunkCount: integer('chunk_count').notNull().default(0),
    pageCount: integer('page_count'),
    truncated: boolean('truncated').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('knowledge_documents_avatar_idx').on(t.avatarId, t.createdAt),
    index('knowledge_documents_owner_idx').on(t.ownerId),
    index('knowledge_documents_file_idx').on(t.fileId),
    check('knowledge_documents_status_check', sql`${t.status} in ('queued', 'indexing', 'ready', 'failed')`),
  ],
);

/** A piece of a document's text, recalled like a memory and cited with its page. */
export const knowledgeChunks = pgTable(
  'knowledge_chunks',
  {
    id: id(),
    documentId: uuid('document_id')
      .notNull()
      .references(() => knowledgeDocuments.id, { onDelete: 'cascade' }),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    avatarId: uuid('avatar_id')
      .notNull()
      .references(() => avatars.id, { onDelete: 'cascade' }),
    ord: integer('ord').notNull(),
    page: integer('page'),
    content: text('content').notNull(),
    tsv: tsvector('tsv').generatedAlwaysAs(sql`to_tsvector('simple', content)`),
    embedding: embedding(),
    embeddingModel: embeddingModel(),
  },
  (t) => [
    index('knowledge_chunks_document_idx').on(t.documentId, t.ord),
    index('knowledge_chunks_owner_avatar_idx').on(t.ownerId, t.avatarId),
    index('knowledge_chunks_tsv_idx').using('gin', t.tsv),
  ],
);

export type MemoryRow = typeof memories.$inferSelect;
export type NewMemoryRow = typeof memories.$inferInsert;
export type MessageEmbeddingRow = typeof messageEmbeddings.$inferSelect;
export type KnowledgeDocumentRow = typeof knowledgeDocuments.$inferSelect;
export type KnowledgeChunkRow = typeof knowledgeChunks.$inferSelect;
