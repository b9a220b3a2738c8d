import { z } from 'zod';
import { KNOWLEDGE_STATUSES, type KnowledgeDocument } from '../domain/memory.js';

/** A knowledge document as the API shows it: without its owner and file ids, dates in ISO form. */
export const knowledgeDocumentDto = z
  .object({
    id: z.uuid(),
    avatarId: z.uuid(),
    name: z.string().describe("The uploaded file's name, sanitized"),
    mediaType: z.string().describe('Detected from the bytes (text kinds from the name or the claimed type)'),
    sizeBytes: z.int().min(0),
    status: z
      .enum(KNOWLEDGE_STATUSES)
      .describe('`queued` -> `indexing` -> `ready`, or `failed` with `error`; poll until ready or failed'),
    error: z
      .object({ code: z.string(), message: z.string() })
      .nullable()
      .describe(
        'Why indexing failed: `document_encrypted`, `document_corrupt`, `document_empty`, `document_archive_bomb`, `document_timeout`, `document_too_complex`, or another stable code',
      ),
    chunkCount: z.int().min(0).describe('Chunks made of the text'),
    embeddedCount: z.int().min(0).describe('Chunks that have a vector so far (embedding progress)'),
    pageCount: z.int().nullable().describe('Pages of a PDF; null for other formats'),
    truncated: z
      .boolean()
      .describe('The text was cut at the per-document limit (or the PDF at its page limit)'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'KnowledgeDocument' });

export type KnowledgeDocumentDto = z.infer<typeof knowledgeDocumentDto>;

export function toKnowledgeDocumentDto(document: KnowledgeDocument): KnowledgeDocumentDto {
  return {
    id: document.id,
    avatarId: document.avatarId,
    name: document.name,
    mediaType: document.mediaType,
    sizeBytes: document.sizeBytes,
    status: document.status,
    error: document.error,
    chunkCount: document.chunkCount,
    embeddedCount: document.embeddedCount,
    pageCount: document.pageCount,
    truncated: document.truncated,
    createdAt: document.createdAt.toISOString(),
    updatedAt: document.updatedAt.toISOString(),
  };
}
