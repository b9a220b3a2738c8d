import { createHash } from 'node:crypto';
import { sanitizeAttachmentName } from '../attachments/attachment-name.js';
import { storableText } from '../attachments/attachment-text.js';
import { DOCX_MEDIA_TYPE, detectType, looksLikeZip, utf8Text } from '../attachments/detect-type.js';
import { isWordDocument } from '../attachments/docx-archive.js';
import type { UnreadableReason } from '../attachments/extraction-protocol.js';
import {
  DocumentUnreadable,
  EXTRACTION_BOUNDS,
  type ExtractedPages,
  type ExtractionBounds,
  extractDocumentPages,
} from '../attachments/text-extraction.js';
import type { ErrorCode } from '../domain/error-codes.js';
import { KNOWLEDGE_LIMITS, type KnowledgeDocument } from '../domain/memory.js';
import { AppError, notFound } from '../errors.js';
import { chunkDocument } from '../memory/chunk-document.js';
import type { KnowledgeIndexError, KnowledgeRepository } from '../repositories/knowledge.repository.js';

/** One uploaded file, as the route received it. */
export interface KnowledgeUpload {
  bytes: Buffer;
  /** The name the client gave the file (sanitized here). */
  fileName: string | undefined;
  /** The type the client claimed; only used to tell text kinds (and HTML) apart. */
  claimedType: string | undefined;
}

/** What indexing one document came to (`skipped`: deleted, or not waiting to be indexed). */
export type KnowledgeIndexOutcome = 'ready' | 'failed' | 'skipped';

/** The codes a document's indexing fails with, stored in its `error`. */
export type KnowledgeIndexErrorCode = Extract<ErrorCode, `document_${string}`>;

const UNREADABLE_CODES: Record<UnreadableReason, KnowledgeIndexErrorCode> = {
  encrypted: 'document_encrypted',
  corrupt: 'document_corrupt',
  archive_bomb: 'document_archive_bomb',
  timeout: 'document_timeout',
  too_complex: 'document_too_complex',
};

const HTML_MEDIA_TYPE = 'text/html';
const HTML_EXTENSION = /\.(?:html?|xhtml)$/i;
const HTML_CLAIMED = new Set(['text/html', 'application/xhtml+xml']);

/** The formats an avatar can read, told by the bytes (text kinds by the name or claimed type). */
type KnowledgeFormat = { kind: 'pdf' | 'docx' | 'html' | 'text'; mediaType: string };

/**
 * The knowledge documents of avatars (docs/knowledge.md): files an avatar has read, cut into
 * chunks that recall finds like memories and cites by document and page. Uploads are checked
 * (size, type from the bytes, the avatar's document limit) and stored `queued`; indexing, in a
 * durable job, reads the text with the attachments' bounded extraction, chunks it and marks the
 * document `ready`, or `failed` with a per-file error. Only the avatar's owner sees or changes
 * its documents; anyone else gets a 404.
 * @example const knowledge = createKnowledgeService({ avatars, knowledge: createKnowledgeRepository(db), queue });
 */
export function createKnowledgeService(deps: {
  avatars: { getOwned(userId: string, avatarId: string): Promise<unknown> };
  knowledge: KnowledgeRepository;
  /**
   * Has new documents indexed: app.ts enqueues the durable `knowledge-index` job per document.
   * Without it (an app with no job queue) they are indexed in this process, in the background.
   */
  queue?: (userId: string, documentId: string) => Promise<void>;
  /** Tests shorten these to reach the time cap and the heap limit. */
  extraction?: ExtractionBounds;
  log?: { warn(fields: object, message: string): void };
}) {
  const { knowledge } = deps;
  const bounds = deps.extraction ?? EXTRACTION_BOUNDS;
  const inProcess = new Set<Promise<unknown>>();

  async function owned(userId: string, avatarId: string, documentId: string): Promise<KnowledgeDocument> {
    const found = await knowledge.findOwned(userId, avatarId, documentId);
    if (!found) throw notFound('document');
    return found;
  }

  async function queue(userId: string, documentId: string): Promise<void> {
    if (deps.queue) return deps.queue(userId, documentId);
    const run = service
      .index(userId, documentId)
      .catch((err: unknown) => deps.log?.warn({ err, documentId }, 'knowledge indexing failed'))
      .finally(() => inProcess.delete(run));
    inProcess.add(run);
  }

  /** The text of a document, by page for a PDF, at most `KNOWLEDGE_LIMITS.textChars` characters. */
  async function readPages(mediaType: string, bytes: Buffer): Promise<ExtractedPages> {
    if (mediaType === 'application/pdf') return extractDocumentPages('pdf', bytes, options());
    if (mediaType === DOCX_MEDIA_TYPE) return extractDocumentPages('docx', bytes, options());
    if (mediaType === HTML_MEDIA_TYPE) return extractDocumentPages('html', bytes, options());
    const text = utf8Text(bytes);
    if (text === undefined) throw new DocumentUnreadable('corrupt', 'The file is not UTF-8 text any more');
    const stored = storableText(text, KNOWLEDGE_LIMITS.textChars);
    return { pages: [{ page: null, text: stored.text }], truncated: stored.truncated, pageCount: null };
  }
  const options = () => ({ maxChars: KNOWLEDGE_LIMITS.textChars, bounds });

  const service = {
    /**
     * Adds files to the avatar's knowledge, all or none: each at most `KNOWLEDGE_LIMITS.fileBytes`
     * (413 `file_too_large`), PDF, DOCX, Markdown, text or HTML (415 `unsupported_file_type`),
     * the avatar within `documentsPerAvatar` (409 `knowledge_limit_reached`) and the caller's own
     * (404, also for an avatar someone else shares). Answers the documents, `queued`.
     */
    async upload(
      userId: string,
      avatarId: string,
      uploads: readonly KnowledgeUpload[],
    ): Promise<KnowledgeDocument[]> {
      await deps.avatars.getOwned(userId, avatarId); // a stranger's avatar is a 404 before the files are read
      if (uploads.length === 0) throw new AppError(400, 'invalid_request', 'No file was sent');
      const checked = [];
      for (const upload of uploads) {
        const { bytes } = upload;
        if (bytes.length > KNOWLEDGE_LIMITS.fileBytes) throw tooLarge(upload.fileName, bytes.length);
        const name = sanitizeAttachmentName(upload.fileName, 'document');
        if (bytes.length === 0) throw unsupported(name, 'The file is empty');
        const format = await formatOf(bytes, name, upload.claimedType);
        if (!format) {
          throw unsupported(
            name,
            'An avatar reads PDF, Word (.docx), Markdown, plain text and HTML files (text in UTF-8); this file is none of them',
          );
        }
        checked.push({
          name,
          mediaType: format.mediaType,
          bytes,
          sha256: createHash('sha256').update(bytes).digest('hex'),
        });
      }
      const added = await knowledge.addDocuments(
        userId,
        avatarId,
        checked,
        KNOWLEDGE_LIMITS.documentsPerAvatar,
      );
      if (!added.ok && added.reason === 'avatar-not-found') throw notFound('avatar');
      if (!added.ok) {
        throw new AppError(
          409,
          'knowledge_limit_reached',
          `An avatar can read at most ${KNOWLEDGE_LIMITS.documentsPerAvatar} documents; this one has ${added.count}. Delete some first.`,
          { limit: KNOWLEDGE_LIMITS.documentsPerAvatar, count: added.count },
        );
      }
      for (const document of added.documents) await queue(userId, document.id);
      return added.documents;
    },

    /** Throws 404 unless the avatar is the caller's own (checked before an upload is read). */
    async checkAvatar(userId: string, avatarId: string): Promise<void> {
      await deps.avatars.getOwned(userId, avatarId);
    },

    async list(userId: string, avatarId: string): Promise<KnowledgeDocument[]> {
      await deps.avatars.getOwned(userId, avatarId);
      return knowledge.listForAvatar(userId, avatarId);
    },

    get: owned,

    /** The original file as uploaded. */
    async file(userId: string, avatarId: string, documentId: string) {
      const found = await knowledge.fileOwned(userId, avatarId, documentId);
      if (!found) throw notFound('document');
      return found;
    },

    /** Deletes the document, its chunks and its file at once: recall never finds it again. */
    async remove(userId: string, avatarId: string, documentId: string): Promise<void> {
      if (!(await knowledge.deleteOwned(userId, avatarId, documentId))) throw notFound('document');
    },

    /**
     * Indexes one document (the `knowledge-index` job): `indexing` → text (bounded; cut at
     * `textChars`, then `truncated`) → chunks → `ready`; an unreadable or textless file is
     * `failed` with its code. Other errors (the database, a busy extraction queue) are thrown
     * for the job to retry; a document left `indexing` by a dead process is taken up again.
     */
    async index(userId: string, documentId: string): Promise<KnowledgeIndexOutcome> {
      const started = await knowledge.startIndexing(userId, documentId);
      if (!started) return 'skipped';
      const { document, bytes } = started;
      let read: ExtractedPages;
      try {
        read = await readPages(document.mediaType, bytes);
      } catch (err) {
        if (!(err instanceof DocumentUnreadable)) throw err;
        await knowledge.markFailed(userId, documentId, {
          code: UNREADABLE_CODES[err.reason],
          message: err.message,
        });
        return 'failed';
      }
      const chunks = chunkDocument(read.pages);
      if (chunks.length === 0) {
        await knowledge.markFailed(userId, documentId, emptyError(document.mediaType), read.pageCount);
        return 'failed';
      }
      const stored = await knowledge.storeChunks(userId, documentId, chunks, {
        pageCount: read.pageCount,
        truncated: read.truncated,
      });
      return stored ? 'ready' : 'skipped';
    },

    /** Marks a document whose indexing failed for good (the job's last attempt threw). */
    async giveUp(userId: string, documentId: string, error: KnowledgeIndexError): Promise<void> {
      await knowledge.markFailed(userId, documentId, error);
    },

    /** Deletes knowledge files no document refers to (an avatar's deletion leaves them). */
    purgeOrphanFiles: (): Promise<number> => knowledge.purgeOrphanFiles(),

    /** Waits for documents being indexed in this process (no job queue) to finish. */
    async close(): Promise<void> {
      await Promise.allSettled([...inProcess]);
    },
  };
  return service;
}

/** The format of an upload: PDF and DOCX by their bytes, text and HTML by being UTF-8 and named so. */
async function formatOf(
  bytes: Buffer,
  name: string,
  claimedType: string | undefined,
): Promise<KnowledgeFormat | undefined> {
  const claimed = claimedType?.split(';')[0]?.trim().toLowerCase();
  const saysHtml = HTML_EXTENSION.test(name) || (claimed !== undefined && HTML_CLAIMED.has(claimed));
  const detected = detectType(bytes, {
    name,
    claimedType: saysHtml ? 'text/plain' : claimedType,
    isWordDocument: looksLikeZip(bytes) && (await isWordDocument(bytes)),
  });
  if (detected?.kind === 'pdf' || detected?.kind === 'docx') return detected;
  if (detected?.kind !== 'text') return undefined; // pictures and everything else
  return saysHtml
    ? { kind: 'html', mediaType: HTML_MEDIA_TYPE }
    : { kind: 'text', mediaType: detected.mediaType };
}

function emptyError(mediaType: string): KnowledgeIndexError {
  return {
    code: 'document_empty',
    message:
      mediaType === 'application/pdf'
        ? 'The PDF has no text to read (a scan needs text recognition first)'
        : 'The file has no text to read',
  };
}

function tooLarge(fileName: string | undefined, sizeBytes: number): AppError {
  return new AppError(
    413,
    'file_too_large',
    `Files may be at most ${KNOWLEDGE_LIMITS.fileBytes / 1_000_000} MB`,
    { fileName: fileName ?? null, sizeBytes, limitBytes: KNOWLEDGE_LIMITS.fileBytes },
  );
}

const unsupported = (fileName: string, message: string) =>
  new AppError(415, 'unsupported_file_type', message, { fileName });

export type KnowledgeService = ReturnType<typeof createKnowledgeService>;
