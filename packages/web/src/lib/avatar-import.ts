import type { LuminaClient } from '@lumina/sdk';
import { LuminaApiError } from '@lumina/sdk';
import { friendlyMessage } from './api-errors';
import type { Avatar } from './avatars';

/** The file types the import accepts (for the file picker and the drop zone). */
export const IMPORT_ACCEPT = '.png,.apng,.json,.charx,.xml';
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;

export interface XmlIssue {
  line: number;
  column: number;
  message: string;
}

export interface ImportError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** Your avatar that an earlier import of the same card made (`already_imported`). */
export interface DuplicateOf {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

/** What to do with a card you already imported: ask first, update that avatar, or add another. */
export type DuplicateChoice = 'ask' | 'replace' | 'keep-both';

/** One file's outcome, as `POST /api/avatars/import` reports it. */
export type ImportResult =
  | { fileName: string; ok: true; avatar: Avatar; warnings: string[]; replaced?: boolean }
  | { fileName: string; ok: false; error: ImportError; duplicateOf?: DuplicateOf };

/** A file not imported because you already have it: the server waits for your choice. */
export function isDuplicate(
  result: ImportResult,
): result is Extract<ImportResult, { ok: false }> & { duplicateOf: DuplicateOf } {
  return !result.ok && result.error.code === 'already_imported' && result.duplicateOf !== undefined;
}

/** One row of the import list: waiting, on its way, or answered. */
export type ImportItem =
  | { key: string; fileName: string; size: number; state: 'queued' | 'uploading' }
  | { key: string; fileName: string; size: number; state: 'done'; result: ImportResult };

/** Plain words for why a file could not be imported. */
export function importErrorMessage(error: ImportError): string {
  switch (error.code) {
    case 'card_not_found':
      return 'This picture has no character card inside. Export the card as a PNG from the app it came from, or import its JSON file.';
    case 'card_png_invalid':
      return 'This PNG file is damaged or isn’t really a PNG, so the card inside can’t be read.';
    case 'card_not_json':
      return 'This file isn’t valid JSON, so it can’t be a character card.';
    case 'card_invalid':
      return `This file isn’t a character card Lumina understands${detailSuffix(error)}.`;
    case 'card_format_unsupported':
    case 'card_unsupported':
    case 'import_unsupported':
    case 'unsupported_file':
      return 'Lumina can’t import this kind of file. Use a PNG or JSON character card, a .charx package or Lumina XML.';
    case 'charx_unsafe_path':
      return 'This CHARX package was refused: it contains files with unsafe paths (outside the package).';
    case 'charx_too_large':
      return 'This CHARX package was refused: it unpacks to more than Lumina allows.';
    case 'charx_invalid':
    case 'charx_no_card':
      return 'This CHARX package is damaged or has no card.json inside.';
    case 'lorebook_invalid':
      return `The card’s lorebook (character book) can’t be read${detailSuffix(error)}.`;
    case 'xml_dtd_forbidden':
      return 'This XML file was refused because it declares a DTD (<!DOCTYPE>). Lumina XML never needs one, and DTDs can be used for attacks. Remove the <!DOCTYPE …> line and import it again.';
    case 'invalid_avatar_xml':
      return 'This XML file isn’t valid Lumina XML. Fix the problems below and import it again.';
    case 'already_imported':
      return 'You already have an avatar from this card.';
    case 'card_too_large':
    case 'file_too_large':
    case 'import_too_large':
    case 'payload_too_large':
      return 'This file is larger than 10 MB, the most Lumina imports at once.';
    default:
      return error.message || 'This file couldn’t be imported.';
  }
}

function detailSuffix(error: ImportError): string {
  const reason = typeof error.details?.reason === 'string' ? error.details.reason : null;
  return reason ? `: ${reason}` : '';
}

/** The line-numbered problems of an invalid XML file, in file order. */
export function xmlIssues(error: ImportError): XmlIssue[] {
  const raw = error.details?.errors;
  if (!Array.isArray(raw)) return [];
  return raw
    .filter(
      (e): e is XmlIssue =>
        typeof e === 'object' && e !== null && typeof (e as XmlIssue).message === 'string',
    )
    .map((e) => ({ line: Number(e.line) || 0, column: Number(e.column) || 0, message: e.message }))
    .sort((a, b) => a.line - b.line || a.column - b.column);
}

/** What the person sees for a file refused before it was sent, or null when it may go. */
export function checkImportFile(file: Pick<File, 'name' | 'size'>): ImportError | null {
  if (!/\.(png|apng|json|charx|xml)$/i.test(file.name))
    return {
      code: 'unsupported_file',
      message:
        'Lumina can’t import this kind of file. Use a PNG or JSON character card, a .charx package or Lumina XML.',
    };
  if (file.size > MAX_IMPORT_BYTES)
    return { code: 'file_too_large', message: 'This file is larger than 10 MB.' };
  return null;
}

/**
 * Sends one file to `POST /api/avatars/import` and returns its result. A failure of the request
 * itself (network, file too large for the server, session ended) becomes that file's error, so
 * one bad file never stops the others.
 */
export async function importOneFile(
  lumina: LuminaClient,
  file: File,
  signal?: AbortSignal,
  onDuplicate: DuplicateChoice = 'ask',
): Promise<ImportResult> {
  const refused = checkImportFile(file);
  if (refused) return { fileName: file.name, ok: false, error: refused };
  const form = new FormData();
  form.append('file', file, file.name);
  try {
    // Multipart: openapi-fetch passes FormData as is and the browser sets the boundary.
    const { data } = await lumina.POST('/api/avatars/import', {
      params: { query: { onDuplicate } },
      body: form as never,
      ...(signal ? { signal } : {}),
    });
    const result = data?.results?.[0];
    if (!result)
      return {
        fileName: file.name,
        ok: false,
        error: { code: 'empty', message: 'The server sent no result for this file.' },
      };
    return { ...result, fileName: result.fileName || file.name } as ImportResult;
  } catch (error) {
    if (error instanceof LuminaApiError) {
      if (error.status === 413)
        return { fileName: file.name, ok: false, error: { code: 'file_too_large', message: error.message } };
      return {
        fileName: file.name,
        ok: false,
        error: {
          code: error.code,
          message: friendlyMessage(error),
          ...(error.details ? { details: error.details } : {}),
        },
      };
    }
    if ((error as Error).name === 'AbortError') throw error;
    return {
      fileName: file.name,
      ok: false,
      error: { code: 'network_error', message: friendlyMessage(error) },
    };
  }
}
