// Characters XML 1.0 cannot carry at all, not even as character references: C0 controls other
// than tab/LF/CR, lone surrogates, U+FFFE and U+FFFF.
const UNREPRESENTABLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding these characters is the point.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Drops the characters an XML 1.0 document cannot hold.
 *
 * @example removeUnrepresentableXmlChars('a\u0000b') // 'ab'
 */
export const removeUnrepresentableXmlChars = (value: string) => value.replace(UNREPRESENTABLE, '');

/**
 * JSON can keep those characters as \u escapes, so opaque JSON loses nothing.
 *
 * @example escapeUnrepresentableInJson('"\uFFFF"') // '"\\uffff"'
 */
export const escapeUnrepresentableInJson = (json: string) =>
  json.replace(UNREPRESENTABLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * Escapes element text. A carriage return becomes `&#13;` because parsers turn a literal one
 * into a line feed.
 *
 * @example escapeXmlText('a < b & c') // 'a &lt; b &amp; c'
 */
export const escapeXmlText = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');

/**
 * Escapes a double-quoted attribute value, including the whitespace that attribute-value
 * normalization would otherwise turn into spaces.
 *
 * @example escapeXmlAttribute(`"Hi" it's`) // '&quot;Hi&quot; it&apos;s'
 */
export const escapeXmlAttribute = (value: string) =>
  escapeXmlText(value)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;');

/**
 * Wraps text in CDATA; a `]]>` inside is split across two sections, the only way to carry it.
 *
 * @example cdataSection('a]]>b') // '<![CDATA[a]]]]><![CDATA[>b]]>'
 */
export const cdataSection = (value: string) => `<![CDATA[${value.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
