import type { z } from 'zod';
import { AppError } from '../errors.js';

/**
 * Every way a conversation file can fail to import, each with its own stable code, so the web app
 * can say exactly what is wrong (a broken line of a SillyTavern chat is not the same mistake as a
 * ChatGPT export whose message tree loops). Broken syntax is 400, well-formed files with the wrong
 * content are 422, oversize input is 413, files of no known format are 415.
 */
export const conversationFileErrors = {
  /** `sizeBytes` is unknown when the upload was cut off at the limit. */
  tooLarge: (limitBytes: number, sizeBytes?: number) =>
    new AppError(
      413,
      'conversation_file_too_large',
      `The file is larger than the ${Math.round(limitBytes / 1024 / 1024)} MB limit`,
      { limitBytes, ...(sizeBytes === undefined ? {} : { sizeBytes }) },
    ),

  tooManyMessages: (count: number, limit: number) =>
    new AppError(
      413,
      'conversation_too_many_messages',
      `The conversation has ${count} messages; at most ${limit} can be imported`,
      { count, limit },
    ),

  unsupported: (reason: string) =>
    new AppError(
      415,
      'conversation_file_unsupported',
      `This is not a conversation file Lumina can read (Lumina JSON, SillyTavern chat JSONL or ChatGPT conversations.json): ${reason}`,
    ),

  /** @example throw conversationFileErrors.notJson('Unexpected token', { line: 3, column: 14 }) */
  notJson: (reason: string, where: { line?: number; column?: number } = {}) =>
    new AppError(
      400,
      'conversation_file_not_json',
      `The file is not valid JSON${where.line ? ` (line ${where.line}${where.column ? `, column ${where.column}` : ''})` : ''}: ${reason}`,
      where,
    ),

  /** A JSONL file whose line `line` is not a JSON object. */
  badLine: (line: number, reason: string) =>
    new AppError(400, 'conversation_file_bad_line', `Line ${line} is not a valid JSON object: ${reason}`, {
      line,
    }),

  invalid: (message: string, details?: Record<string, unknown>, issues?: z.core.$ZodIssue[]) =>
    new AppError(422, 'conversation_file_invalid', message, {
      ...details,
      ...(issues
        ? { issues: issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message })) }
        : {}),
    }),

  versionUnsupported: (version: unknown) =>
    new AppError(
      422,
      'conversation_file_version_unsupported',
      `This Lumina conversation file is version ${String(version)}; this server reads version 1`,
      { version },
    ),

  empty: (what = 'The file') =>
    new AppError(422, 'conversation_file_empty', `${what} has no messages to import`),

  /** The messages do not form a tree: a parent that is not in the file, a loop, a repeated id. */
  treeInvalid: (
    reason: 'cycle' | 'dangling_parent' | 'duplicate_id' | 'active_leaf_unknown',
    messageId: string,
  ) =>
    new AppError(422, 'conversation_tree_invalid', TREE_MESSAGES[reason](messageId), { reason, messageId }),
};

const TREE_MESSAGES = {
  cycle: (id: string) => `The messages loop back on themselves (message ${id} is its own ancestor)`,
  dangling_parent: (id: string) => `Message ${id} answers a message that is not in the file`,
  duplicate_id: (id: string) => `Two messages share the id ${id}`,
  active_leaf_unknown: (id: string) => `The active message ${id} is not in the file`,
} as const;
