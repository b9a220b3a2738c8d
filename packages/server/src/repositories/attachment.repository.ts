import { and, eq, sql } from 'drizzle-orm';
import { type Database, queryRows } from '../db/database.js';
import { files } from '../db/schema/index.js';
import { ATTACHMENT_FILE_KIND, type AttachmentRecord, attachmentUrl } from '../domain/attachment.js';

/** An attachment to store: the `files` row of kind `attachment`. */
export interface NewAttachment {
  ownerId: string;
  name: string;
  mediaType: string;
  bytes: Buffer;
  sha256: string;
  width: number | null;
  height: number | null;
  extractedText: string | null;
  textTruncated: boolean;
}

/** Everything but the bytes and the text, which can be megabytes. */
const recordColumns = {
  id: files.id,
  ownerId: files.ownerId,
  name: sql<string>`coalesce(${files.name}, 'attachment')`,
  mediaType: files.mimeType,
  sizeBytes: files.sizeBytes,
  width: files.width,
  height: files.height,
  textChars: sql<number | null>`char_length(${files.extractedText})`.mapWith((v: unknown) =>
    v === null ? null : Number(v),
  ),
  truncated: files.textTruncated,
  createdAt: files.createdAt,
};

const isAttachment = eq(files.kind, ATTACHMENT_FILE_KIND);

/**
 * The jsonb a message's `parts` contains when one of its `file` parts points at the attachment:
 * `parts @> '[{"type":"file","url":"/api/attachments/<id>"}]'`, which PGlite and PostgreSQL
 * evaluate alike. Messages are read by their owner's index: an attachment is only ever sent by
 * its owner, in their own conversations.
 */
const usedByMessage = (ownerId: unknown, id: unknown) => sql`exists (
  select 1 from messages m
  where m.owner_id = ${ownerId}
    and m.parts @> jsonb_build_array(jsonb_build_object('type', 'file', 'url', ${attachmentUrl('')} || ${id}::text)))`;

/**
 * Attachments (`files` rows of kind `attachment`). Every query but the purge takes the owner, so
 * a caller can never reach another person's file; the purge is the background job's.
 * @example const attachments = createAttachmentRepository(storage.db);
 */
export function createAttachmentRepository(db: Database) {
  return {
    async create(attachment: NewAttachment): Promise<AttachmentRecord> {
      const [row] = await db
        .insert(files)
        .values({
          ownerId: attachment.ownerId,
          kind: ATTACHMENT_FILE_KIND,
          name: attachment.name,
          mimeType: attachment.mediaType,
          bytes: attachment.bytes,
          sizeBytes: attachment.bytes.length,
          sha256: attachment.sha256,
          width: attachment.width,
          height: attachment.height,
          extractedText: attachment.extractedText,
          textTruncated: attachment.textTruncated,
        })
        .returning(recordColumns);
      return row!;
    },

    async findOwned(ownerId: string, id: string): Promise<AttachmentRecord | undefined> {
      const [row] = await db
        .select(recordColumns)
        .from(files)
        .where(and(eq(files.ownerId, ownerId), eq(files.id, id), isAttachment));
      return row;
    },

    /** The stored bytes with what serving them needs. */
    async bytesOwned(
      ownerId: string,
      id: string,
    ): Promise<
      (Pick<AttachmentRecord, 'name' | 'mediaType'> & { bytes: Buffer; sha256: string }) | undefined
    > {
      const [row] = await db
        .select({
          name: recordColumns.name,
          mediaType: files.mimeType,
          bytes: files.bytes,
          sha256: files.sha256,
        })
        .from(files)
        .where(and(eq(files.ownerId, ownerId), eq(files.id, id), isAttachment));
      return row;
    },

    /** The extracted text of a document (null text for a picture). */
    async textOwned(
      ownerId: string,
      id: string,
    ): Promise<{ text: string | null; truncated: boolean } | undefined> {
      const [row] = await db
        .select({ text: files.extractedText, truncated: files.textTruncated })
        .from(files)
        .where(and(eq(files.ownerId, ownerId), eq(files.id, id), isAttachment));
      return row;
    },

    /**
     * Deletes the owner's attachment unless a message uses it, in one statement (a message stored
     * meanwhile cannot slip between a check and the delete). `in-use` when a message does.
     */
    async deleteUnusedOwned(ownerId: string, id: string): Promise<'deleted' | 'in-use' | 'not-found'> {
      const rows = await queryRows<{ deleted: boolean; exists: boolean }>(
        db,
        sql`with target as (
              select f.id, ${usedByMessage(sql`f.owner_id`, sql`f.id`)} as used
              from files f
              where f.owner_id = ${ownerId} and f.id = ${id} and f.kind = ${ATTACHMENT_FILE_KIND}
            ), gone as (
              delete from files f using target t where f.id = t.id and not t.used returning f.id
            )
            select exists (select 1 from gone) as deleted, exists (select 1 from target) as exists`,
      );
      const row = rows[0]!;
      return row.deleted ? 'deleted' : row.exists ? 'in-use' : 'not-found';
    },

    /**
     * Deletes up to `limit` attachments created before `olderThan` that no message uses, and
     * answers how many. Every owner's: this is the purge job, not a request.
     */
    async purgeUnused(olderThan: Date, limit: number): Promise<number> {
      const rows = await queryRows<{ id: string }>(
        db,
        sql`delete from files where id in (
              select f.id from files f
              where f.kind = ${ATTACHMENT_FILE_KIND} and f.created_at < ${olderThan.toISOString()}::timestamptz
                and not ${usedByMessage(sql`f.owner_id`, sql`f.id`)}
              order by f.created_at
              limit ${limit}
            ) returning id`,
      );
      return rows.length;
    },
  };
}

export type AttachmentRepository = ReturnType<typeof createAttachmentRepository>;
