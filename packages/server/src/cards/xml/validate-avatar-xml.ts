import { AVATAR_ELEMENT, AVATAR_LIST_FIELDS, AVATAR_TEXT_FIELDS } from './avatar-xml-grammar.js';
import { AVATAR_XML_NAMESPACE, type AvatarXml, avatarXmlSchema } from './avatar-xml-types.js';
import { type CheckedElement, checkXmlGrammar } from './check-xml-grammar.js';
import { DEFAULT_XML_READ_LIMITS, readXmlTree, type XmlReadLimits } from './read-xml-tree.js';
import type { XmlIssue } from './xml-issue.js';

export type AvatarXmlValidation = { ok: true; avatar: AvatarXml } | { ok: false; errors: XmlIssue[] };

/**
 * Checks a Lumina XML avatar and returns either the avatar or every problem found, each with
 * the line and column of the offending node. Never throws for bad input: hostile documents
 * come back as a single refusal (`xml_dtd_forbidden`, `xml_too_large`, `xml_too_deep`).
 *
 * @example
 * const result = validateAvatarXml(text);
 * if (!result.ok) for (const e of result.errors) console.warn(`${e.line}:${e.column} ${e.message}`);
 */
export function validateAvatarXml(
  input: string | Uint8Array,
  limits: Partial<XmlReadLimits> = {},
): AvatarXmlValidation {
  const read = readXmlTree(input, limits);
  if (!read.ok) return { ok: false, errors: read.issues };
  const { root } = read;
  if (root.name !== 'avatar' || root.uri !== AVATAR_XML_NAMESPACE) {
    const message =
      root.name === 'avatar'
        ? `<avatar> must be in the namespace ${AVATAR_XML_NAMESPACE} (add xmlns="${AVATAR_XML_NAMESPACE}")`
        : `The root element must be <avatar>, not <${root.name}>`;
    return { ok: false, errors: [{ code: 'xml_wrong_root', line: root.line, column: root.column, message }] };
  }

  const errors: XmlIssue[] = [];
  const maxIssues = limits.maxIssues ?? DEFAULT_XML_READ_LIMITS.maxIssues;
  const checked = checkXmlGrammar(root, AVATAR_ELEMENT, AVATAR_XML_NAMESPACE, errors, maxIssues);
  errors.push(...duplicateSliders(checked).slice(0, Math.max(0, maxIssues - errors.length)));
  if (errors.length > 0) return { ok: false, errors: errors.sort(byPosition) };

  const parsed = avatarXmlSchema.safeParse(toAvatarShape(checked));
  // The grammar enforces every rule the schema has, so this is a guard against the two drifting.
  if (!parsed.success) {
    const message = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    return {
      ok: false,
      errors: [{ code: 'xml_invalid_value', line: root.line, column: root.column, message }],
    };
  }
  return { ok: true, avatar: parsed.data };
}

const byPosition = (a: XmlIssue, b: XmlIssue) => a.line - b.line || a.column - b.column;

const child = (element: CheckedElement | undefined, name: string) =>
  element?.children.find((candidate) => candidate.name === name);

const childrenNamed = (element: CheckedElement | undefined, name: string) =>
  element?.children.filter((candidate) => candidate.name === name) ?? [];

const textOf = (element: CheckedElement | undefined, name: string) => child(element, name)?.text;

const itemsOf = (element: CheckedElement | undefined, name: string) =>
  child(element, name)?.children.map((item) => item.text) ?? [];

function duplicateSliders(root: CheckedElement): XmlIssue[] {
  const firstLine = new Map<string, number>();
  const issues: XmlIssue[] = [];
  for (const slider of childrenNamed(child(root, 'style'), 'slider')) {
    const name = slider.attributes.name;
    if (typeof name !== 'string') continue;
    const line = firstLine.get(name);
    if (line === undefined) firstLine.set(name, slider.line);
    else {
      issues.push({
        code: 'xml_duplicate',
        line: slider.line,
        column: slider.column,
        message: `Duplicate slider "${name}" (first defined on line ${line})`,
      });
    }
  }
  return issues;
}

/** Maps the checked tree onto the plain object; types were enforced by the grammar. */
function toAvatarShape(root: CheckedElement): Record<string, unknown> {
  const avatar: Record<string, unknown> = { version: 1, name: textOf(root, 'name') };
  // Absent elements leave no key behind, so a parsed avatar has the same keys as the one written.
  for (const field of AVATAR_TEXT_FIELDS) avatar[field] = textOf(root, field);
  for (const { property } of AVATAR_LIST_FIELDS) avatar[property] = itemsOf(root, property);
  avatar.style = childrenNamed(child(root, 'style'), 'slider').map((slider) => ({ ...slider.attributes }));
  avatar.voice = child(root, 'voice')?.attributes;
  avatar.model = child(root, 'model')?.attributes;
  avatar.memory = child(root, 'memory')?.attributes;
  avatar.visibility = textOf(root, 'visibility');
  const lorebook = child(root, 'lorebook');
  if (lorebook) {
    avatar.lorebook = defined({
      ...lorebook.attributes,
      name: textOf(lorebook, 'name'),
      description: textOf(lorebook, 'description'),
      entries: childrenNamed(lorebook, 'entry').map((entry) =>
        defined({
          ...entry.attributes,
          name: textOf(entry, 'name'),
          comment: textOf(entry, 'comment'),
          keys: itemsOf(entry, 'keys'),
          secondaryKeys: itemsOf(entry, 'secondaryKeys'),
          content: textOf(entry, 'content'),
          extensions: child(entry, 'extensions')?.json,
        }),
      ),
      extensions: child(lorebook, 'extensions')?.json,
    });
  }
  avatar.extensions = child(root, 'extensions')?.json;
  return defined(avatar);
}

const defined = (object: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
