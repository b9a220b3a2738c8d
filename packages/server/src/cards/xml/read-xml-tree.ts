import { SaxesParser } from 'saxes';
import type { XmlIssue, XmlPosition } from './xml-issue.js';

export interface XmlAttributeNode extends XmlPosition {
  /** Local name; `qname` keeps the prefix for messages. */
  name: string;
  qname: string;
  uri: string;
  value: string;
}

export interface XmlElementNode extends XmlPosition {
  name: string;
  uri: string;
  attributes: XmlAttributeNode[];
  children: XmlElementNode[];
  /** Text and CDATA content joined, comments left out. */
  text: string;
  /** Where the first non-whitespace text starts, if there is any. */
  textPosition?: XmlPosition;
}

export interface XmlReadLimits {
  /** UTF-8 bytes. A large lorebook is a few hundred kilobytes. */
  maxBytes: number;
  /** Element nesting; the avatar grammar needs 5. */
  maxDepth: number;
  /** Reading stops after this many problems, so garbage cannot grow the error list. */
  maxIssues: number;
}

export const DEFAULT_XML_READ_LIMITS: XmlReadLimits = {
  maxBytes: 2 * 1024 * 1024,
  maxDepth: 32,
  maxIssues: 50,
};

export type XmlReadResult = { ok: true; root: XmlElementNode } | { ok: false; issues: XmlIssue[] };

/** Namespace declarations (`xmlns`, `xmlns:x`) are reported as attributes in this namespace. */
export const XMLNS_URI = 'http://www.w3.org/2000/xmlns/';

/** Thrown inside parser callbacks to abandon the document at once. */
class StopReading extends Error {}

/**
 * Reads an XML document into a small element tree with source positions, refusing anything
 * hostile before it can cost memory: a DOCTYPE (so no entity is ever declared, let alone
 * expanded or fetched), more than `maxBytes`, or nesting deeper than `maxDepth`. Processing
 * instructions other than the XML declaration are ignored.
 *
 * @example
 * const result = readXmlTree('<a x="1"><b/></a>');
 * if (result.ok) result.root.children[0]?.name; // 'b'
 */
export function readXmlTree(
  input: string | Uint8Array,
  overrides: Partial<XmlReadLimits> = {},
): XmlReadResult {
  const limits = { ...DEFAULT_XML_READ_LIMITS, ...overrides };
  const decoded = decodeWithinLimit(input, limits.maxBytes);
  if (typeof decoded !== 'string') return { ok: false, issues: [decoded] };
  const text = decoded;
  const locate = positionFinder(text);
  const issues: XmlIssue[] = [];
  const stack: XmlElementNode[] = [];
  let root: XmlElementNode | undefined;
  let tagStart = 0;
  // Offset just past the last markup the parser reported: text starts there.
  let markupEnd = 0;

  const report = (issue: XmlIssue, stop = false) => {
    issues.push(issue);
    if (stop || issues.length >= limits.maxIssues) throw new StopReading();
  };

  const parser = new SaxesParser({ xmlns: true, position: true });
  const afterMarkup = () => {
    markupEnd = parser.position;
  };
  parser.on('error', (err) => {
    report({
      code: 'xml_malformed',
      line: parser.line,
      column: Math.max(1, parser.columnIndex),
      message: err.message.replace(/^\d+:\d+: /, ''),
    });
  });
  parser.on('xmldecl', (decl) => {
    if (decl.encoding !== undefined && !/^utf-?8$/i.test(decl.encoding)) {
      report({
        code: 'xml_malformed',
        ...locate(0),
        message: `Encoding "${decl.encoding}" is not supported; use UTF-8`,
      });
    }
    afterMarkup();
  });
  parser.on('doctype', (doctype) => {
    // saxes hands over the declaration unparsed and never defines its entities; refusing here
    // means none is ever expanded or fetched.
    const guess = parser.position - doctype.length - '<!DOCTYPE>'.length;
    const start = text.startsWith('<!DOCTYPE', guess) ? guess : text.indexOf('<!DOCTYPE', markupEnd);
    report(
      {
        code: 'xml_dtd_forbidden',
        ...locate(Math.max(0, start)),
        message: 'DOCTYPE declarations are not allowed (no DTDs, no entity declarations)',
      },
      true,
    );
  });
  // Other processing instructions carry no meaning in this format (editors add xml-model
  // or xml-stylesheet), so they are skipped rather than refused.
  parser.on('processinginstruction', afterMarkup);
  parser.on('comment', afterMarkup);
  parser.on('opentagstart', () => {
    tagStart = text.lastIndexOf('<', parser.position - 1);
    if (stack.length >= limits.maxDepth) {
      report(
        {
          code: 'xml_too_deep',
          ...locate(tagStart),
          message: `Elements nest deeper than ${limits.maxDepth} levels`,
        },
        true,
      );
    }
  });
  parser.on('opentag', (tag) => {
    const offsets = attributeOffsets(text.slice(tagStart, parser.position));
    const node: XmlElementNode = {
      name: tag.local,
      uri: tag.uri,
      ...locate(tagStart),
      attributes: Object.values(tag.attributes).map((attr) => ({
        name: attr.local,
        qname: attr.name,
        uri: attr.uri,
        value: attr.value,
        ...locate(tagStart + (offsets.get(attr.name) ?? 0)),
      })),
      children: [],
      text: '',
    };
    const parent = stack.at(-1);
    if (parent) parent.children.push(node);
    else root ??= node;
    stack.push(node);
    afterMarkup();
  });
  parser.on('closetag', () => {
    stack.pop();
    afterMarkup();
  });
  const appendText = (chunk: string) => {
    const node = stack.at(-1);
    if (node) {
      if (!node.textPosition && /\S/.test(chunk))
        node.textPosition = locate(firstContentOffset(text, markupEnd));
      node.text += chunk;
    }
  };
  parser.on('text', appendText);
  parser.on('cdata', (chunk) => {
    appendText(chunk);
    afterMarkup();
  });

  try {
    parser.write(text).close();
  } catch (err) {
    if (!(err instanceof StopReading)) throw err;
  }
  if (issues.length > 0 || !root) return { ok: false, issues };
  return { ok: true, root };
}

function decodeWithinLimit(input: string | Uint8Array, maxBytes: number): string | XmlIssue {
  const tooLarge: XmlIssue = {
    code: 'xml_too_large',
    line: 1,
    column: 1,
    message: `The document is larger than the ${maxBytes}-byte limit`,
  };
  if (typeof input === 'string') {
    // A UTF-16 code unit is at least one UTF-8 byte, so the cheap test goes first.
    if (input.length > maxBytes || Buffer.byteLength(input, 'utf8') > maxBytes) return tooLarge;
    return input;
  }
  if (input.byteLength > maxBytes) return tooLarge;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    return { code: 'xml_malformed', line: 1, column: 1, message: 'The document is not valid UTF-8' };
  }
}

/** Offset -> line/column through a table of line starts (binary search). */
function positionFinder(text: string): (offset: number) => XmlPosition {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - starts[low]! + 1 };
  };
}

/** Where each attribute name starts inside a well-formed start tag. */
function attributeOffsets(tag: string): Map<string, number> {
  const offsets = new Map<string, number>();
  const nameEnd = /[\s/>]/.exec(tag.slice(1));
  let i = nameEnd ? nameEnd.index + 1 : tag.length;
  while (i < tag.length) {
    while (i < tag.length && /\s/.test(tag[i]!)) i++;
    if (i >= tag.length || tag[i] === '>' || tag[i] === '/') break;
    const start = i;
    while (i < tag.length && !/[\s=]/.test(tag[i]!)) i++;
    offsets.set(tag.slice(start, i), start);
    const quote = /["']/.exec(tag.slice(i));
    if (!quote) break;
    const close = tag.indexOf(quote[0], i + quote.index + 1);
    if (close === -1) break;
    i = close + 1;
  }
  return offsets;
}

/** First non-whitespace character of content starting at `from`, looking inside CDATA. */
function firstContentOffset(text: string, from: number): number {
  let i = from;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text.startsWith('<![CDATA[', i)) i += '<![CDATA['.length;
    else if (text.startsWith('<!--', i)) i = Math.max(i + 4, text.indexOf('-->', i) + 3);
    else return i;
  }
}
