/**
 * What an uploaded file is, decided from its bytes. The name and the type the client sent are
 * only consulted to tell plain text from Markdown or CSV (text has no signature), never to
 * accept bytes as a format they are not: a PNG name on text, or a PDF name on a zip, changes
 * nothing.
 */

export type DetectedType =
  | { kind: 'image'; format: 'png' | 'jpeg' | 'webp' | 'gif'; mediaType: string }
  | { kind: 'pdf'; mediaType: 'application/pdf' }
  | { kind: 'docx'; mediaType: typeof DOCX_MEDIA_TYPE }
  | { kind: 'text'; mediaType: 'text/plain' | 'text/markdown' | 'text/csv'; text: string };

export const DOCX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

const startsWith = (bytes: Buffer, signature: number[], at = 0) =>
  bytes.length >= at + signature.length && signature.every((b, i) => bytes[at + i] === b);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const GIF87 = ascii('GIF87a');
const GIF89 = ascii('GIF89a');
const RIFF = ascii('RIFF');
const WEBP = ascii('WEBP');
const PDF = ascii('%PDF-');
const ZIP = [0x50, 0x4b, 0x03, 0x04];
/** A UTF-8 byte order mark, which some editors write at the start of text files. */
const BOM = [0xef, 0xbb, 0xbf];

const TEXT_EXTENSIONS: Record<string, 'text/plain' | 'text/markdown' | 'text/csv'> = {
  txt: 'text/plain',
  text: 'text/plain',
  md: 'text/markdown',
  markdown: 'text/markdown',
  csv: 'text/csv',
};

/**
 * The type of `bytes`, or undefined when Lumina does not take such files. A zip counts as DOCX
 * only when the caller found `word/document.xml` in its central directory (`isWordDocument`); text must be valid UTF-8 without U+0000 and be named or sent as text.
 *
 * @example detectType(bytes, { name: 'notes.md', claimedType: 'text/markdown', isWordDocument: false })
 */
export function detectType(
  bytes: Buffer,
  hints: { name: string; claimedType: string | undefined; isWordDocument: boolean },
): DetectedType | undefined {
  if (startsWith(bytes, PNG)) return { kind: 'image', format: 'png', mediaType: 'image/png' };
  if (startsWith(bytes, JPEG)) return { kind: 'image', format: 'jpeg', mediaType: 'image/jpeg' };
  if (startsWith(bytes, GIF87) || startsWith(bytes, GIF89))
    return { kind: 'image', format: 'gif', mediaType: 'image/gif' };
  if (startsWith(bytes, RIFF) && startsWith(bytes, WEBP, 8))
    return { kind: 'image', format: 'webp', mediaType: 'image/webp' };
  if (startsWith(bytes, PDF)) return { kind: 'pdf', mediaType: 'application/pdf' };
  if (startsWith(bytes, ZIP))
    return hints.isWordDocument ? { kind: 'docx', mediaType: DOCX_MEDIA_TYPE } : undefined;
  const mediaType = textMediaType(hints.name, hints.claimedType);
  if (!mediaType) return undefined;
  const text = utf8Text(bytes);
  return text === undefined ? undefined : { kind: 'text', mediaType, text };
}

/** Whether the bytes start like a zip: worth reading the central directory for. */
export const looksLikeZip = (bytes: Buffer): boolean => startsWith(bytes, ZIP);

/** The text type a name or a claimed type says, or undefined when neither says text. */
function textMediaType(
  name: string,
  claimedType: string | undefined,
): 'text/plain' | 'text/markdown' | 'text/csv' | undefined {
  const extension = /\.([a-z]+)$/i.exec(name)?.[1]?.toLowerCase();
  if (extension && TEXT_EXTENSIONS[extension]) return TEXT_EXTENSIONS[extension];
  const claimed = claimedType?.split(';')[0]?.trim().toLowerCase();
  if (!claimed?.startsWith('text/')) return undefined;
  if (claimed === 'text/markdown' || claimed === 'text/x-markdown') return 'text/markdown';
  if (claimed === 'text/csv') return 'text/csv';
  return 'text/plain';
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The bytes as text when they are valid UTF-8 without U+0000 (a BOM is dropped); else undefined. */
export function utf8Text(bytes: Buffer): string | undefined {
  if (bytes.includes(0)) return undefined;
  const body = startsWith(bytes, BOM) ? bytes.subarray(BOM.length) : bytes;
  try {
    return decoder.decode(body);
  } catch {
    return undefined;
  }
}
