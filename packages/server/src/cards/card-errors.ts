import type { z } from 'zod';
import { AppError } from '../errors.js';

/**
 * Every way a character card import can fail, each with its own stable code, so the web app can say
 * exactly what is wrong with the file (a truncated download is not the same mistake as a lorebook
 * picked instead of a card). Broken containers are 400, well-formed containers with the wrong
 * content are 422, oversize input is 413.
 */
export const cardErrors = {
  /** @example throw cardErrors.pngInvalid('chunk IDAT has a bad CRC', { offset: 33 }) */
  pngInvalid: (reason: string, details?: Record<string, unknown>) =>
    new AppError(400, 'card_png_invalid', `The PNG file is damaged: ${reason}`, details),

  notFound: (where: string) =>
    new AppError(422, 'card_not_found', `No character card was found in ${where}`, { where }),

  notJson: (where: string, reason: string) =>
    new AppError(422, 'card_not_json', `The character card in ${where} is not valid JSON: ${reason}`, {
      where,
    }),

  invalid: (message: string, issues?: z.core.$ZodIssue[]) =>
    new AppError(
      422,
      'card_invalid',
      message,
      issues
        ? { issues: issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message })) }
        : undefined,
    ),

  tooLarge: (sizeBytes: number, limitBytes: number) =>
    new AppError(413, 'card_too_large', `The card file is larger than the ${limitBytes}-byte limit`, {
      sizeBytes,
      limitBytes,
    }),

  unsupportedFormat: () =>
    new AppError(
      415,
      'card_format_unsupported',
      'This is not a character card file (expected PNG, CHARX, JSON or XML)',
    ),

  charxInvalid: (reason: string) =>
    new AppError(400, 'charx_invalid', `The CHARX archive is damaged or unsupported: ${reason}`),

  charxUnsafePath: (path: string, reason: string) =>
    new AppError(400, 'charx_unsafe_path', `The CHARX archive contains an unsafe entry: ${reason}`, {
      path,
      reason,
    }),

  charxTooLarge: (reason: string, details: Record<string, unknown>) =>
    new AppError(413, 'charx_too_large', `The CHARX archive is too large: ${reason}`, details),

  lorebookInvalid: (message: string, issues?: z.core.$ZodIssue[]) =>
    new AppError(
      422,
      'lorebook_invalid',
      message,
      issues
        ? { issues: issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message })) }
        : undefined,
    ),
};
