import { createHash } from 'node:crypto';
import { sanitizeAttachmentName } from '../attachments/attachment-name.js';
import { storableText } from '../attachments/attachment-text.js';
import { detectType, looksLikeZip } from '../attachments/detect-type.js';
import { isWordDocument } from '../attachments/docx-archive.js';
import { normalizeImage } from '../attachments/normalize-image.js';
import {
  DocumentUnreadable,
  EXTRACTION_BOUNDS,
  type ExtractionBounds,
  extractDocumentText,
} from '../attachments/text-extraction.js';
import { ATTACHMENT_LIMITS, type AttachmentRecord } from '../domain/attachment.js';
import { AppError, notFound } from '../errors.js';
import type { AttachmentRepository, NewAttachment } from '../repositories/attachment.repository.js';

export interface AttachmentUpload {
  bytes: Buffer;
  /** The name the client gave the file (sanitized here). */
  fileName: string | undefined;
  /** The type the client claimed; only used to tell text kinds apart. */
  claimedType: string | undefined;
}

/**
 * Attachments (docs/attachments.md): an upload is identified by its bytes, bounded (size,
 * pixels, archive, time and memory of the text extraction), normalized or extracted, and stored
 * for its owner; reading, the text and deleting are the owner's only. Deleting refuses while a
 * message uses the attachment; the purge job deletes those no message used for a day.
 * @example const attachments = createAttachmentService({ attachments: createAttachmentRepository(db) });
 */
export function createAttachmentService(deps: {
  attachments: AttachmentRepository;
  /** Tests shorten these to reach the time cap and the heap limit. */
  extraction?: ExtractionBounds;
}) {
  const { attachments } = deps;
  const bounds = deps.extraction ?? EXTRACTION_BOUNDS;

  async function owned(ownerId: string, id: string): Promise<AttachmentRecord> {
    const found = await attachments.findOwned(ownerId, id);
    if (!found) throw notFound('attachment');
    return found;
  }

  return {
    async upload(ownerId: string, upload: AttachmentUpload): Promise<AttachmentRecord> {
      const { bytes } = upload;
      if (bytes.length > ATTACHMENT_LIMITS.maxDocumentBytes) throw tooLarge(bytes.length, 'document');
      if (bytes.length === 0) throw unsupported('The file is empty');
      const name = sanitizeAttachmentName(upload.fileName);
      const type = detectType(bytes, {
        name,
        claimedType: upload.claimedType,
        isWordDocument: looksLikeZip(bytes) && (await isWordDocument(bytes)),
      });
      if (!type) {
        throw unsupported(
          'Lumina takes pictures (PNG, JPEG, WebP, GIF), PDF, Word (.docx) and UTF-8 text, Markdown or CSV files; this file is none of them',
        );
      }
      const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
      let stored: Omit<NewAttachment, 'ownerId' | 'name'>;
      if (type.kind === 'image') {
        if (bytes.length > ATTACHMENT_LIMITS.maxImageBytes) throw tooLarge(bytes.length, 'image');
        const image = await normalizeImage(bytes, type.format);
        stored = {
          bytes: image.bytes,
          sha256: sha256(image.bytes),
          mediaType: image.mediaType,
          width: image.width,
          height: image.height,
          extractedText: null,
          textTruncated: false,
        };
      } else {
        const text =
          type.kind === 'text'
            ? storableText(type.text.trim() === '' ? '' : type.text) // only blanks: nothing to read
            : await documentText(type.kind, bytes);
        stored = {
          bytes,
          sha256: sha256(bytes),
          mediaType: type.mediaType,
          width: null,
          height: null,
          extractedText: text.text,
          textTruncated: text.truncated,
        };
      }
      return attachments.create({ ownerId, name: withExtension(name, stored.mediaType), ...stored });
    },

    get: owned,

    async content(ownerId: string, id: string) {
      const found = await attachments.bytesOwned(ownerId, id);
      if (!found) throw notFound('attachment');
      return found;
    },

    /** The text of a document; a picture has none (404, as the contract says). */
    async text(ownerId: string, id: string): Promise<{ text: string; truncated: boolean }> {
      const found = await attachments.textOwned(ownerId, id);
      if (!found || found.text === null) throw notFound('attachment');
      return { text: found.text, truncated: found.truncated };
    },

    async remove(ownerId: string, id: string): Promise<void> {
      const outcome = await attachments.deleteUnusedOwned(ownerId, id);
      if (outcome === 'not-found') throw notFound('attachment');
      if (outcome === 'in-use') {
        throw new AppError(
          409,
          'attachment_in_use',
          'A message uses this attachment; delete the message first (the attachment goes with it a day later)',
        );
      }
    },

    /** The purge job: attachments no message uses, older than the retention. Answers how many went. */
    async purgeUnused(now = new Date(), batch = 500): Promise<number> {
      const before = new Date(now.getTime() - ATTACHMENT_LIMITS.unusedRetentionHours * 3_600_000);
      let total = 0;
      for (;;) {
        const purged = await attachments.purgeUnused(before, batch);
        total += purged;
        if (purged < batch) return total;
      }
    },
  };

  async function documentText(kind: 'pdf' | 'docx', bytes: Buffer) {
    try {
      return await extractDocumentText(kind, bytes, bounds);
    } catch (err) {
      if (!(err instanceof DocumentUnreadable)) throw err;
      throw new AppError(422, 'attachment_unreadable', err.message, { reason: err.reason });
    }
  }
}

function tooLarge(sizeBytes: number, kind: 'image' | 'document'): AppError {
  const limitBytes = kind === 'image' ? ATTACHMENT_LIMITS.maxImageBytes : ATTACHMENT_LIMITS.maxDocumentBytes;
  return new AppError(
    413,
    'attachment_too_large',
    `${kind === 'image' ? 'Pictures' : 'Files'} may be at most ${limitBytes / 1_000_000} MB`,
    { sizeBytes, limitBytes },
  );
}

const unsupported = (message: string) => new AppError(415, 'attachment_unsupported_type', message);

/** A GIF stored as PNG is named `.png`, so a download opens as what it is. */
function withExtension(name: string, mediaType: string): string {
  if (mediaType !== 'image/png' || /\.png$/i.test(name)) return name;
  return /\.gif$/i.test(name) ? `${name.slice(0, -4)}.png` : name;
}

export type AttachmentService = ReturnType<typeof createAttachmentService>;
