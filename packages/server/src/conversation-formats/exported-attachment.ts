import type { MessagePart } from '../domain/message-parts.js';

/**
 * An attachment as the exports carry it: the file a message's `file` part names, with its bytes
 * (and, for documents, the text the model read), so a file can be read without the server.
 */
export interface ExportedAttachment {
  /** The `file` part's url (`/api/attachments/<id>`) on the server that exported it. */
  url: string;
  name: string;
  mediaType: string;
  sizeBytes: number;
  bytes: Uint8Array;
  /** Documents: the extracted text; null for pictures. */
  text: string | null;
}

/** Attachments by the url their file parts name. */
export type ExportedAttachments = ReadonlyMap<string, ExportedAttachment>;

/** An attachment read from a file, before it is stored under a new id. */
export type ImportedAttachment = Omit<ExportedAttachment, 'sizeBytes'>;

type FilePart = Extract<MessagePart, { type: 'file' }>;

/** The file parts of a message's parts, in order. */
export const filePartsOf = (parts: readonly MessagePart[] | null | undefined): FilePart[] =>
  (parts ?? []).filter((part): part is FilePart => part.type === 'file');

/** @example dataUrl({ mediaType: 'image/png', bytes }) // 'data:image/png;base64,iVBOR…' */
export const dataUrl = (file: Pick<ExportedAttachment, 'mediaType' | 'bytes'>): string =>
  `data:${file.mediaType};base64,${Buffer.from(file.bytes).toString('base64')}`;

/** `12 KB`, `1.4 MB`: a size as people read it. */
export function readableSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
