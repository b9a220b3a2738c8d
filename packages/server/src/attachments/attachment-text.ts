import { ATTACHMENT_LIMITS } from '../domain/attachment.js';
import { stripUnstorableText } from '../unstorable-text.js';

export interface ExtractedText {
  text: string;
  /** Cut at the limit, or (PDF) pages past the page limit left out. */
  truncated: boolean;
}

/**
 * Text as stored for the model: U+0000 removed and lone surrogates replaced (PostgreSQL text
 * cannot hold them), line ends made `\n`, and at most `maxChars` characters, never cutting a
 * surrogate pair in half.
 *
 * @example storableText('a\u0000b', 10) // { text: 'ab', truncated: false }
 */
export function storableText(raw: string, maxChars: number = ATTACHMENT_LIMITS.maxTextChars): ExtractedText {
  const text = stripUnstorableText(raw).replace(/\r\n?/g, '\n');
  if (text.length <= maxChars) return { text, truncated: false };
  let end = maxChars;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // a high surrogate whose pair is past the cut
  return { text: text.slice(0, end), truncated: true };
}
