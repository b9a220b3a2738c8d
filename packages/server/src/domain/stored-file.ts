/**
 * A file Lumina keeps in its database (avatar pictures today), so backups include it (the
 * `files` row satisfies this structurally). `kind` says what it is for, e.g. `avatar-image`.
 */
export interface StoredFile {
  id: string;
  ownerId: string;
  kind: string;
  mimeType: string;
  bytes: Buffer;
  sizeBytes: number;
  /** Hex SHA-256 of `bytes`. */
  sha256: string;
  /** Pixels, for pictures; null for other files. */
  width: number | null;
  height: number | null;
  /** The name it was uploaded under (sanitized); null for files made by the server. */
  name: string | null;
  /** Documents attached to messages: the text extracted for the model; null otherwise. */
  extractedText: string | null;
  /** `extractedText` was cut at the per-file limit. */
  textTruncated: boolean;
  createdAt: Date;
}

/** A file to store: everything but the id and creation time, which the database fills in. */
export type NewStoredFile = Omit<
  StoredFile,
  'id' | 'createdAt' | 'width' | 'height' | 'name' | 'extractedText' | 'textTruncated'
> &
  Partial<Pick<StoredFile, 'width' | 'height' | 'name' | 'extractedText' | 'textTruncated'>>;
