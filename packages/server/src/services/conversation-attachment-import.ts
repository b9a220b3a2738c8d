import { createHash } from 'node:crypto';
import type { ImportedAttachment } from '../conversation-formats/exported-attachment.js';
import type { PlannedMessage } from '../conversation-formats/plan-import.js';
import { ATTACHMENT_FILE_KIND, ATTACHMENT_LIMITS, attachmentUrl } from '../domain/attachment.js';
import type { MessagePart } from '../domain/message-parts.js';
import type { FileRepository } from '../repositories/file.repository.js';
import { stripUnstorableText } from '../unstorable-text.js';
import { readPictureHeader } from './picture-limits.js';

/** The documents an attachment may be (what the upload route accepts, by their stored types). */
const DOCUMENT_TYPES = new Set([
  'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'text/plain',
  'text/markdown',
  'text/csv',
]);
const PICTURE_TYPES: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

type StoredAs = { url: string; mediaType: string; sizeBytes: number; name: string };

/**
 * Stores the attachments a conversation file carries as the importer's own (`files` rows of kind
 * `attachment`, new ids) and answers, by the url the file's parts name, what they point at now.
 * Bytes from a file are outside input, checked as an upload's are, from the bytes: a picture
 * must be PNG, JPEG or WebP by its header (libvips reads no pixels) within the upload's bytes and
 * pixels, a document one of the accepted types within the document size, its text within the
 * per-file limit. One that fails is left out: its parts keep their old url, which names nothing
 * here, and the model is told the file is no longer available.
 */
export async function storeImportedAttachments(
  files: Pick<FileRepository, 'create'>,
  ownerId: string,
  attachments: readonly ImportedAttachment[],
): Promise<Map<string, StoredAs>> {
  const stored = new Map<string, StoredAs>();
  for (const attachment of attachments) {
    if (stored.has(attachment.url)) continue;
    const checked = await check(attachment);
    if (!checked) continue;
    const bytes = Buffer.from(attachment.bytes);
    const name = stripUnstorableText(attachment.name).slice(0, ATTACHMENT_LIMITS.maxNameChars) || 'file';
    const { id } = await files.create({
      ownerId,
      kind: ATTACHMENT_FILE_KIND,
      mimeType: checked.mediaType,
      bytes,
      sizeBytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      name,
      width: checked.width,
      height: checked.height,
      extractedText: checked.text,
    });
    stored.set(attachment.url, {
      url: attachmentUrl(id),
      mediaType: checked.mediaType,
      sizeBytes: bytes.length,
      name,
    });
  }
  return stored;
}

async function check(attachment: ImportedAttachment) {
  const size = attachment.bytes.length;
  if (attachment.mediaType.startsWith('image/')) {
    if (size > ATTACHMENT_LIMITS.maxImageBytes) return null;
    const header = await readPictureHeader(Buffer.from(attachment.bytes)).catch(() => null);
    const mediaType = header?.format ? PICTURE_TYPES[header.format] : undefined;
    if (!header || !mediaType || header.width * header.height > ATTACHMENT_LIMITS.maxImagePixels) return null;
    if (Math.max(header.width, header.height) > ATTACHMENT_LIMITS.maxImageSide) return null;
    return { mediaType, width: header.width, height: header.height, text: null };
  }
  if (!DOCUMENT_TYPES.has(attachment.mediaType) || size > ATTACHMENT_LIMITS.maxDocumentBytes) return null;
  const text = attachment.text === null ? '' : stripUnstorableText(attachment.text);
  return {
    mediaType: attachment.mediaType,
    width: null,
    height: null,
    text: text.slice(0, ATTACHMENT_LIMITS.maxTextChars),
  };
}

/** The planned messages with their file parts pointed at the attachments stored for them. */
export function pointFilePartsAt(
  messages: PlannedMessage[],
  stored: ReadonlyMap<string, StoredAs>,
): PlannedMessage[] {
  if (stored.size === 0) return messages;
  return messages.map((message) => {
    const parts = message.parts as MessagePart[] | undefined;
    if (!parts?.some((part) => part.type === 'file' && stored.has(part.url))) return message;
    return {
      ...message,
      parts: parts.map((part) => {
        const now = part.type === 'file' ? stored.get(part.url) : undefined;
        return now && part.type === 'file'
          ? {
              ...part,
              url: now.url,
              mediaType: now.mediaType,
              sizeBytes: now.sizeBytes,
              name: part.name ?? now.name,
            }
          : part;
      }),
    };
  });
}
