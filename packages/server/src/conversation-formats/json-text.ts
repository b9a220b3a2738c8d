import { assertJsonTextDepth, MAX_JSON_DEPTH } from '../json-depth.js';
import { conversationFileErrors } from './conversation-format-errors.js';
import { findJsonErrorOffset } from './json-error-offset.js';

/**
 * JSON.parse whose failure names the line and column, so a person can open the file and look.
 *
 * Text nested deeper than MAX_JSON_DEPTH is refused first (`json_too_deep`).
 *
 * @example parseJsonText('{"a": }') // throws conversation_file_not_json {line: 1, column: 7}
 */
export function parseJsonText(text: string): unknown {
  assertJsonTextDepth(text, MAX_JSON_DEPTH, 'the file');
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw conversationFileErrors.notJson(shortReason(message), locate(text, message));
  }
}

/** The reason without V8's echo of the input and position. */
export function shortReason(message: string): string {
  return (
    message
      .replace(/\s*\(line \d+ column \d+\)/, '')
      .replace(/, ".*" is not valid JSON$/s, '')
      .replace(/ in JSON at position \d+.*$/, '')
      .trim() || 'invalid JSON'
  );
}

function locate(text: string, message: string): { line?: number; column?: number } {
  const lineColumn = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lineColumn) return { line: Number(lineColumn[1]), column: Number(lineColumn[2]) };
  const position = /at position (\d+)/.exec(message);
  const offset = position ? Number(position[1]) : findJsonErrorOffset(text);
  if (offset < 0) return {};
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
