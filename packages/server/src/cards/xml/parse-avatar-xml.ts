import { AppError } from '../../errors.js';
import type { AvatarXml } from './avatar-xml-types.js';
import type { XmlReadLimits } from './read-xml-tree.js';
import { validateAvatarXml } from './validate-avatar-xml.js';
import { isRefusal, type XmlIssue } from './xml-issue.js';

/**
 * Parses a Lumina XML avatar, throwing an AppError when it is not one:
 * - 400 `xml_dtd_forbidden` | `xml_too_large` | `xml_too_deep` for refused documents;
 * - 400 `xml_malformed` when it is not well-formed XML;
 * - 422 `invalid_avatar_xml` when it breaks the format's rules.
 * Every error carries the line-numbered problems in `details.errors`.
 *
 * @example
 * const avatar = parseAvatarXml(await readFile('nova.avatar.xml', 'utf8'));
 * avatar.style.find((s) => s.name === 'warmth')?.value; // 80
 */
export function parseAvatarXml(input: string | Uint8Array, limits: Partial<XmlReadLimits> = {}): AvatarXml {
  const result = validateAvatarXml(input, limits);
  if (result.ok) return result.avatar;
  throw avatarXmlError(result.errors);
}

/**
 * The AppError for a failed validation.
 *
 * @example throw avatarXmlError(result.errors) // 422 invalid_avatar_xml, details.errors
 */
export function avatarXmlError(errors: XmlIssue[]): AppError {
  const first = errors[0] ?? { code: 'xml_malformed', line: 1, column: 1, message: 'Unreadable document' };
  const where = `line ${first.line}, column ${first.column}`;
  const details = { errors };
  if (isRefusal(first)) return new AppError(400, first.code, `${first.message} (${where})`, details);
  if (first.code === 'xml_malformed') {
    return new AppError(
      400,
      'xml_malformed',
      `The XML is not well-formed: ${first.message} (${where})`,
      details,
    );
  }
  const count = errors.length === 1 ? '1 problem' : `${errors.length} problems`;
  return new AppError(
    422,
    'invalid_avatar_xml',
    `The avatar XML has ${count}; first: ${first.message} (${where})`,
    details,
  );
}
