/**
 * Files a person attaches to a message (docs/attachments.md): pictures the model looks at and
 * documents whose text it reads. Stored as `files` rows of kind `attachment`; a message refers to
 * one by its URL in a `file` part (`attachmentUrl`).
 */

/** The `files.kind` of attachments. */
export const ATTACHMENT_FILE_KIND = 'attachment';

/** What every upload and message is held to; checked before the work they bound. */
export const ATTACHMENT_LIMITS = {
  /** Bytes of an uploaded picture. */
  maxImageBytes: 10_000_000,
  /** Decoded pixels of a picture (width × height), checked from its header before decoding. */
  maxImagePixels: 40_000_000,
  /** The stored picture's long side, in pixels (larger ones are scaled down). */
  maxImageSide: 2048,
  /** Bytes of an uploaded document (PDF, DOCX, text). */
  maxDocumentBytes: 20_000_000,
  /** Characters (UTF-16 code units) of text kept per document; longer text is cut. */
  maxTextChars: 200_000,
  /** PDF pages read; later pages are left out and the text marked truncated. */
  maxPdfPages: 500,
  /** Wall-clock time to read one PDF or DOCX; its worker thread is stopped past it. */
  extractionTimeoutMs: 30_000,
  /** Heap of the worker thread reading one PDF or DOCX, in MB. */
  extractionHeapMb: 256,
  /** Attachments on one message. */
  maxPerMessage: 10,
  /** Characters of extracted text on one message, all its documents together. */
  maxTextCharsPerMessage: 400_000,
  /** Characters of a file name kept (longer names are shortened, keeping the extension). */
  maxNameChars: 255,
  /** Hours an attachment no message uses is kept before the purge job deletes it. */
  unusedRetentionHours: 24,
} as const;

export const ATTACHMENT_KINDS = ['image', 'document'] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];

/** An attachment as the API shows it (`Attachment` in the OpenAPI document). */
export interface AttachmentDto {
  id: string;
  /** `/api/attachments/<id>`: the bytes, and what a message's `file` part stores. */
  url: string;
  name: string;
  mediaType: string;
  sizeBytes: number;
  kind: AttachmentKind;
  /** Pixels of the stored picture; null for documents. */
  width: number | null;
  height: number | null;
  /** Characters of extracted text; null for pictures. */
  textChars: number | null;
  /** The text was cut at `maxTextChars` (or the PDF at `maxPdfPages`). */
  truncated: boolean;
  createdAt: string;
}

/** An attachment as the server keeps it, without the bytes and the text. */
export interface AttachmentRecord {
  id: string;
  ownerId: string;
  name: string;
  mediaType: string;
  sizeBytes: number;
  width: number | null;
  height: number | null;
  textChars: number | null;
  truncated: boolean;
  createdAt: Date;
}

const URL_PREFIX = '/api/attachments/';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** @example attachmentUrl('0190…') // '/api/attachments/0190…' */
export const attachmentUrl = (id: string): string => `${URL_PREFIX}${id}`;

/**
 * The attachment id a `file` part's URL names, or null for any other URL (an avatar picture, a
 * URL with a suffix or a query).
 * @example attachmentIdOfUrl('/api/attachments/0190…') // '0190…'
 */
export function attachmentIdOfUrl(url: string): string | null {
  if (!url.startsWith(URL_PREFIX)) return null;
  const id = url.slice(URL_PREFIX.length);
  return UUID.test(id) ? id.toLowerCase() : null;
}

/** Pictures are image/*; everything else attached is a document. */
export const attachmentKindOf = (mediaType: string): AttachmentKind =>
  mediaType.startsWith('image/') ? 'image' : 'document';
