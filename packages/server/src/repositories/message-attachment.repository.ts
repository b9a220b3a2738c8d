import { and, eq, inArray, sql } from 'drizzle-orm';
import type { ExportedAttachment } from '../conversation-formats/exported-attachment.js';
import type { Database } from '../db/database.js';
import { files } from '../db/schema/index.js';
import { ATTACHMENT_FILE_KIND, attachmentUrl } from '../domain/attachment.js';
import type { LoadedAttachment } from '../prompt/message-attachments.js';

/** What a send needs to know of an attachment to check it and name it in the message's parts. */
export interface AttachmentFacts {
  id: string;
  kind: 'image' | 'document';
  mediaType: string;
  name: string | null;
  sizeBytes: number;
  /** Characters of extracted text (documents); 0 for pictures. */
  textChars: number;
}

const isImage = sql<boolean>`${files.mimeType} like 'image/%'`;

/**
 * The attachments of messages as sends and context assembly read them: one statement each, always
 * with the owner (an id that is not the caller's is simply not found). The files themselves are
 * written and served by the attachment routes (file.repository.ts).
 * @example const facts = await createMessageAttachmentRepository(db).facts(userId, ids);
 */
export function createMessageAttachmentRepository(db: Database) {
  return {
    /** The owner's attachments among `ids` (any order; missing ids are absent). Never the bytes or text. */
    async facts(ownerId: string, ids: readonly string[]): Promise<AttachmentFacts[]> {
      if (ids.length === 0) return [];
      const rows = await db
        .select({
          id: files.id,
          image: isImage,
          mediaType: files.mimeType,
          name: files.name,
          sizeBytes: files.sizeBytes,
          textChars: sql<number>`coalesce(length(${files.extractedText}), 0)::int`,
        })
        .from(files)
        .where(
          and(eq(files.ownerId, ownerId), eq(files.kind, ATTACHMENT_FILE_KIND), inArray(files.id, [...ids])),
        );
      return rows.map(({ image, ...row }) => ({
        ...row,
        kind: image ? 'image' : 'document',
        textChars: Number(row.textChars),
      }));
    },

    /**
     * What the model is sent of the owner's attachments among `ids`: documents' text, and the bytes
     * of the pictures in `imageIds` only (older pictures are not sent, so not read).
     */
    async contents(
      ownerId: string,
      ids: readonly string[],
      imageIds: ReadonlySet<string>,
    ): Promise<Map<string, LoadedAttachment>> {
      const found = new Map<string, LoadedAttachment>();
      if (ids.length === 0) return found;
      const wanted = [...imageIds];
      const rows = await db
        .select({
          id: files.id,
          image: isImage,
          mediaType: files.mimeType,
          name: files.name,
          bytes:
            wanted.length > 0
              ? sql<Uint8Array | null>`case when ${inArray(files.id, wanted)} then ${files.bytes} end`
              : sql<null>`null`,
          text: files.extractedText,
        })
        .from(files)
        .where(
          and(eq(files.ownerId, ownerId), eq(files.kind, ATTACHMENT_FILE_KIND), inArray(files.id, [...ids])),
        );
      for (const { image, ...row } of rows)
        found.set(row.id, { ...row, kind: image ? 'image' : 'document', bytes: row.bytes ?? null });
      return found;
    },

    /** The owner's attachments among `ids` whole (bytes and text), for an export; by their url. */
    async forExport(ownerId: string, ids: readonly string[]): Promise<Map<string, ExportedAttachment>> {
      const found = new Map<string, ExportedAttachment>();
      if (ids.length === 0) return found;
      const rows = await db
        .select({
          id: files.id,
          name: files.name,
          mediaType: files.mimeType,
          sizeBytes: files.sizeBytes,
          bytes: files.bytes,
          text: files.extractedText,
        })
        .from(files)
        .where(
          and(eq(files.ownerId, ownerId), eq(files.kind, ATTACHMENT_FILE_KIND), inArray(files.id, [...ids])),
        );
      for (const { id, name, ...row } of rows) {
        const url = attachmentUrl(id);
        found.set(url, { ...row, url, name: name ?? 'file' });
      }
      return found;
    },
  };
}

export type MessageAttachmentRepository = ReturnType<typeof createMessageAttachmentRepository>;
