import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { type Database, queryRows } from '../db/database.js';
import { avatars, files, knowledgeChunks, knowledgeDocuments } from '../db/schema/index.js';
import { noteWrite } from '../db/write-notices.js';
import type { KnowledgeDocument } from '../domain/memory.js';

/** The `files.kind` of a knowledge document's original file. */
export const KNOWLEDGE_FILE_KIND = 'knowledge';

/** Chunks written per INSERT when a document is indexed (bounded statements, one transaction). */
export const CHUNK_INSERT_BATCH = 200;

/** A file to add to an avatar's knowledge: checked and named by the service. */
export interface NewKnowledgeFile {
  name: string;
  mediaType: string;
  bytes: Buffer;
  sha256: string;
}

/** A chunk to store (memory/chunk-document.ts `DocumentChunk`). */
export interface NewKnowledgeChunk {
  ord: number;
  page: number | null;
  content: string;
}

/** Why a document's indexing failed, as stored on it. */
export interface KnowledgeIndexError {
  code: string;
  message: string;
}

const d = knowledgeDocuments;

/** A document with the number of its chunks that carry a vector (the embedding progress). */
const documentColumns = {
  id: d.id,
  ownerId: d.ownerId,
  avatarId: d.avatarId,
  fileId: d.fileId,
  name: d.name,
  mediaType: d.mediaType,
  sizeBytes: d.sizeBytes,
  status: d.status,
  error: d.error,
  chunkCount: d.chunkCount,
  // Spelled out: drizzle writes a column of a one-table select without its table, which the
  // subquery would take for its own `id`.
  embeddedCount: sql<number>`(select count(*) from knowledge_chunks k
      where k.document_id = knowledge_documents.id and k.embedding is not null)`.mapWith(Number),
  pageCount: d.pageCount,
  truncated: d.truncated,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
};

const toDocument = (row: Omit<KnowledgeDocument, 'error'> & { error: unknown }): KnowledgeDocument => ({
  ...row,
  error: (row.error as KnowledgeDocument['error']) ?? null,
});

/**
 * Knowledge documents of avatars (knowledge_documents), their chunks (knowledge_chunks) and their
 * original files (`files` rows of kind `knowledge`). Every query takes the owner, so one person's
 * documents never reach another; those of one avatar also take the avatar. A document refers to
 * its file with ON DELETE CASCADE, so deleting the file deletes the document and its chunks in
 * one statement.
 * @example const knowledge = createKnowledgeRepository(storage.db);
 */
export function createKnowledgeRepository(db: Database) {
  return {
    /**
     * Stores the files and a `queued` document for each, all or none, unless the avatar is not
     * the owner's (`avatar-not-found`) or would then hold more than `maxPerAvatar` documents
     * (`limit`, with how many it holds). The avatar's row is locked meanwhile, so two uploads at
     * once cannot both pass the count.
     */
    async addDocuments(
      ownerId: string,
      avatarId: string,
      uploads: readonly NewKnowledgeFile[],
      maxPerAvatar: number,
    ): Promise<
      | { ok: true; documents: KnowledgeDocument[] }
      | { ok: false; reason: 'avatar-not-found' }
      | { ok: false; reason: 'limit'; count: number }
    > {
      return db.transaction(async (tx) => {
        const [avatar] = await tx
          .select({ id: avatars.id })
          .from(avatars)
          .where(and(eq(avatars.id, avatarId), eq(avatars.ownerId, ownerId)))
          .for('update');
        if (!avatar) return { ok: false, reason: 'avatar-not-found' } as const;
        const [counted] = await tx
          .select({ count: sql<number>`count(*)`.mapWith(Number) })
          .from(d)
          .where(and(eq(d.ownerId, ownerId), eq(d.avatarId, avatarId)));
        const count = counted?.count ?? 0;
        if (count + uploads.length > maxPerAvatar) return { ok: false, reason: 'limit', count } as const;
        const ids: string[] = [];
        for (const upload of uploads) {
          const [file] = await tx
            .insert(files)
            .values({
              ownerId,
              kind: KNOWLEDGE_FILE_KIND,
              name: upload.name,
              mimeType: upload.mediaType,
              bytes: upload.bytes,
              sizeBytes: upload.bytes.length,
              sha256: upload.sha256,
            })
            .returning({ id: files.id });
          const [document] = await tx
            .insert(d)
            .values({
              ownerId,
              avatarId,
              fileId: file!.id,
              name: upload.name,
              mediaType: upload.mediaType,
              sizeBytes: upload.bytes.length,
            })
            .returning({ id: d.id });
          ids.push(document!.id);
        }
        const rows = await tx
          .select(documentColumns)
          .from(d)
          .where(and(eq(d.ownerId, ownerId), inArray(d.id, ids)))
          .orderBy(asc(d.createdAt), asc(d.id));
        return { ok: true, documents: rows.map(toDocument) } as const;
      });
    },

    /** The avatar's documents, oldest first (the order they were added). */
    async listForAvatar(ownerId: string, avatarId: string): Promise<KnowledgeDocument[]> {
      const rows = await db
        .select(documentColumns)
        .from(d)
        .where(and(eq(d.ownerId, ownerId), eq(d.avatarId, avatarId)))
        .orderBy(asc(d.createdAt), asc(d.id));
      return rows.map(toDocument);
    },

    async findOwned(ownerId: string, avatarId: string, id: string): Promise<KnowledgeDocument | undefined> {
      const [row] = await db
        .select(documentColumns)
        .from(d)
        .where(and(eq(d.ownerId, ownerId), eq(d.avatarId, avatarId), eq(d.id, id)));
      return row && toDocument(row);
    },

    /** The original file of a document, with what serving it needs. */
    async fileOwned(
      ownerId: string,
      avatarId: string,
      id: string,
    ): Promise<{ name: string; mediaType: string; bytes: Buffer; sha256: string } | undefined> {
      const [row] = await db
        .select({ name: d.name, mediaType: d.mediaType, bytes: files.bytes, sha256: files.sha256 })
        .from(d)
        .innerJoin(files, and(eq(files.id, d.fileId), eq(files.ownerId, ownerId)))
        .where(and(eq(d.ownerId, ownerId), eq(d.avatarId, avatarId), eq(d.id, id)));
      return row;
    },

    /** Deletes the document's file, and with it (cascade) the document and its chunks. */
    /** Whether the avatar has any document chunk (recall skips an empty corpus: memory/document-presence.ts). */
    async hasChunks(ownerId: string, avatarId: string): Promise<boolean> {
      const [row] = await db
        .select({ id: knowledgeChunks.id })
        .from(knowledgeChunks)
        .where(and(eq(knowledgeChunks.ownerId, ownerId), eq(knowledgeChunks.avatarId, avatarId)))
        .limit(1);
      return row !== undefined;
    },

    async deleteOwned(ownerId: string, avatarId: string, id: string): Promise<boolean> {
      const rows = await queryRows<{ id: string }>(
        db,
        sql`delete from files f
            using knowledge_documents doc
            where doc.id = ${id} and doc.owner_id = ${ownerId} and doc.avatar_id = ${avatarId}
              and f.id = doc.file_id and f.owner_id = ${ownerId} and f.kind = ${KNOWLEDGE_FILE_KIND}
            returning f.id`,
      );
      return rows.length > 0;
    },

    /**
     * Marks a `queued` document `indexing` and answers it with its file's bytes. A document left
     * `indexing` by a process that died is taken again (the job's retry); `ready` and `failed`
     * ones, and deleted ones, answer undefined: there is nothing to do.
     */
    async startIndexing(
      ownerId: string,
      id: string,
    ): Promise<{ document: KnowledgeDocument; bytes: Buffer } | undefined> {
      const claimed = await db
        .update(d)
        .set({ status: 'indexing', error: null, updatedAt: new Date() })
        .where(and(eq(d.ownerId, ownerId), eq(d.id, id), inArray(d.status, ['queued', 'indexing'])))
        .returning({ id: d.id });
      if (claimed.length === 0) return undefined;
      const [row] = await db
        .select({ ...documentColumns, bytes: files.bytes })
        .from(d)
        .innerJoin(files, and(eq(files.id, d.fileId), eq(files.ownerId, ownerId)))
        .where(and(eq(d.ownerId, ownerId), eq(d.id, id)));
      if (!row) return undefined;
      const { bytes, ...document } = row;
      return { document: toDocument(document), bytes };
    },

    /**
     * Replaces the document's chunks with these (in batches of CHUNK_INSERT_BATCH) and marks it
     * `ready`, in one transaction: recall never sees half a document, and a crash leaves the
     * old state for the retry. False when the document was deleted meanwhile.
     */
    async storeChunks(
      ownerId: string,
      id: string,
      chunks: readonly NewKnowledgeChunk[],
      outcome: { pageCount: number | null; truncated: boolean },
    ): Promise<boolean> {
      const stored = await db.transaction(async (tx) => {
        const [document] = await tx
          .select({ avatarId: d.avatarId })
          .from(d)
          .where(and(eq(d.ownerId, ownerId), eq(d.id, id)))
          .for('update');
        if (!document) return false;
        await tx.delete(knowledgeChunks).where(eq(knowledgeChunks.documentId, id));
        for (let at = 0; at < chunks.length; at += CHUNK_INSERT_BATCH) {
          await tx.insert(knowledgeChunks).values(
            chunks.slice(at, at + CHUNK_INSERT_BATCH).map((chunk) => ({
              documentId: id,
              ownerId,
              avatarId: document.avatarId,
              ord: chunk.ord,
              page: chunk.page,
              content: chunk.content,
            })),
          );
        }
        await tx
          .update(d)
          .set({
            status: 'ready',
            error: null,
            chunkCount: chunks.length,
            pageCount: outcome.pageCount,
            truncated: outcome.truncated,
            updatedAt: new Date(),
          })
          .where(and(eq(d.ownerId, ownerId), eq(d.id, id)));
        return true;
      });
      // Recall's corpus presence learns of the new chunks at once (memory/corpus-presence.ts).
      if (stored) noteWrite(db, 'knowledge_chunks', ownerId);
      return stored;
    },

    /** Marks the document `failed` with why; its chunks (from an earlier run, if any) go. */
    async markFailed(
      ownerId: string,
      id: string,
      error: KnowledgeIndexError,
      pageCount: number | null = null,
    ): Promise<void> {
      await db.transaction(async (tx) => {
        await tx
          .delete(knowledgeChunks)
          .where(and(eq(knowledgeChunks.ownerId, ownerId), eq(knowledgeChunks.documentId, id)));
        await tx
          .update(d)
          .set({ status: 'failed', error, chunkCount: 0, pageCount, truncated: false, updatedAt: new Date() })
          .where(and(eq(d.ownerId, ownerId), eq(d.id, id)));
      });
    },

    /** The chunks of a document in order (what recall reads, for the owner's inspection and tests). */
    async chunksOwned(
      ownerId: string,
      id: string,
    ): Promise<{ ord: number; page: number | null; content: string; avatarId: string }[]> {
      return db
        .select({
          ord: knowledgeChunks.ord,
          page: knowledgeChunks.page,
          content: knowledgeChunks.content,
          avatarId: knowledgeChunks.avatarId,
        })
        .from(knowledgeChunks)
        .where(and(eq(knowledgeChunks.ownerId, ownerId), eq(knowledgeChunks.documentId, id)))
        .orderBy(asc(knowledgeChunks.ord));
    },

    /**
     * Deletes knowledge files no document refers to (left when an avatar was deleted: its
     * documents go by cascade, their files stay). Answers how many went.
     */
    async purgeOrphanFiles(ownerId?: string): Promise<number> {
      const rows = await queryRows<{ id: string }>(
        db,
        sql`delete from files f
            where f.kind = ${KNOWLEDGE_FILE_KIND}
              ${ownerId === undefined ? sql`` : sql`and f.owner_id = ${ownerId}`}
              and not exists (select 1 from knowledge_documents doc where doc.file_id = f.id)
            returning f.id`,
      );
      return rows.length;
    },
  };
}

export type KnowledgeRepository = ReturnType<typeof createKnowledgeRepository>;
