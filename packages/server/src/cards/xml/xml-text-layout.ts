// The whitespace rule of the format. People indent text inside elements, so reading drops the
// blank first/last lines and the indentation the lines share; the writer indents multi-line
// text the same way and falls back to xml:space="preserve" whenever the rule would change a
// value, which is what makes every string survive a round trip.

const BLANK_LINE = /^[ \t]*$/;

const leadingIndent = (line: string) => /^[ \t]*/.exec(line)![0].length;

/**
 * The value a text element holds once layout whitespace is removed.
 *
 * @example normalizeXmlText('\n    Warm and curious.\n      Asks questions.\n  ')
 * // 'Warm and curious.\n  Asks questions.'
 */
export function normalizeXmlText(raw: string): string {
  const lines = raw.split('\n');
  while (lines.length > 0 && BLANK_LINE.test(lines[0]!)) lines.shift();
  while (lines.length > 0 && BLANK_LINE.test(lines.at(-1)!)) lines.pop();
  if (lines.length === 0) return '';
  if (lines.length === 1) return lines[0]!.replace(/^[ \t]+|[ \t]+$/g, '');
  const indent = Math.min(...lines.filter((line) => !BLANK_LINE.test(line)).map(leadingIndent));
  const body = lines.map((line) => (BLANK_LINE.test(line) ? '' : line.slice(indent)));
  body[body.length - 1] = body.at(-1)!.replace(/[ \t]+$/, '');
  return body.join('\n');
}

export interface TextLayout {
  /** True when the value must be written verbatim under xml:space="preserve". */
  preserve: boolean;
  /** What goes between the tags, before escaping. */
  body: string;
}

/**
 * How the writer lays out a text value whose element starts at `indent`.
 *
 * @example layoutXmlText('line one\nline two', '  ')
 * // { preserve: false, body: '\n    line one\n    line two\n  ' }
 */
export function layoutXmlText(value: string, indent: string): TextLayout {
  if (normalizeXmlText(value) !== value) return { preserve: true, body: value };
  if (!value.includes('\n')) return { preserve: false, body: value };
  const inner = `${indent}  `;
  const lines = value.split('\n').map((line) => (line === '' ? '' : inner + line));
  return { preserve: false, body: `\n${lines.join('\n')}\n${indent}` };
}
