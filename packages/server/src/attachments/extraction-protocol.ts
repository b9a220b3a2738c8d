/** What the main thread asks an extraction worker (attachments/extraction-worker.ts) to do. */
export interface ExtractionRequest {
  /** `html` (knowledge documents): UTF-8 the main thread has checked; scripts and styles are dropped. */
  kind: 'pdf' | 'docx' | 'html';
  bytes: Uint8Array;
  /** Characters to collect at most; the rest is left unread (the answer says `truncated`). */
  maxChars: number;
  maxPdfPages: number;
  docx: DocxArchiveLimits;
  /**
   * Answer a PDF's pages apart (`pageTexts`, for citations by page) instead of joined in `text`
   * (then empty). `maxChars` counts the pages' text together either way.
   */
  byPage?: boolean;
}

/** Why a document gives no text: each becomes 422 `attachment_unreadable` with its own words. */
export type UnreadableReason = 'encrypted' | 'corrupt' | 'archive_bomb' | 'timeout' | 'too_complex';

export type ExtractionAnswer =
  | { ok: true; text: string; truncated: boolean; pages?: number; pageTexts?: string[] }
  | { ok: false; reason: UnreadableReason; message: string };

/** The zip of a DOCX, checked from its central directory and while inflating, before mammoth reads it. */
export interface DocxArchiveLimits {
  maxEntries: number;
  /** Uncompressed bytes of all entries together (declared, and counted while inflating). */
  maxTotalBytes: number;
  /** Uncompressed / compressed of one entry, for entries past `ratioCheckMinBytes`. */
  maxCompressionRatio: number;
  /** All entries' uncompressed bytes / the archive's size, past `ratioCheckMinBytes`. */
  maxArchiveRatio: number;
  ratioCheckMinBytes: number;
}

export const DOCX_ARCHIVE_LIMITS: DocxArchiveLimits = {
  maxEntries: 2_000,
  maxTotalBytes: 64 * 1024 * 1024,
  // Word's XML compresses 5–20:1, pictures not at all; 1000:1 is a bomb.
  maxCompressionRatio: 200,
  maxArchiveRatio: 100,
  ratioCheckMinBytes: 1024 * 1024,
};
