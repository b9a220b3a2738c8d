import { jsonTextDepth, MAX_JSON_DEPTH } from '../../json-depth.js';
import type { AttributeRule, ElementRule, ValueType } from './avatar-xml-grammar.js';
import { XMLNS_URI, type XmlAttributeNode, type XmlElementNode } from './read-xml-tree.js';
import type { XmlIssue, XmlPosition } from './xml-issue.js';
import { normalizeXmlText } from './xml-text-layout.js';

const XML_URI = 'http://www.w3.org/XML/1998/namespace';
const XSI_URI = 'http://www.w3.org/2001/XMLSchema-instance';

export type XmlValue = string | number | boolean | string[];

/** An element that passed its rule, with typed attribute values and layout-free text. */
export interface CheckedElement extends XmlPosition {
  name: string;
  attributes: Record<string, XmlValue>;
  text: string;
  json?: Record<string, unknown>;
  children: CheckedElement[];
}

/**
 * Checks an element tree against a grammar rule, collecting one issue per offending node and
 * returning the typed tree (which is only trustworthy when no issue was added).
 *
 * @example
 * const issues: XmlIssue[] = [];
 * const checked = checkXmlGrammar(root, AVATAR_ELEMENT, AVATAR_XML_NAMESPACE, issues);
 */
export function checkXmlGrammar(
  node: XmlElementNode,
  rule: ElementRule,
  namespace: string,
  issues: XmlIssue[],
  maxIssues = Number.POSITIVE_INFINITY,
): CheckedElement {
  // Capped so a document of ten thousand unknown elements cannot build a huge error list.
  const at = (place: XmlPosition, code: XmlIssue['code'], message: string) => {
    if (issues.length < maxIssues) issues.push({ code, line: place.line, column: place.column, message });
  };
  const checked: CheckedElement = {
    name: node.name,
    line: node.line,
    column: node.column,
    attributes: {},
    text: '',
    children: [],
  };
  let preserve = false;

  for (const attribute of node.attributes) {
    if (attribute.uri === XMLNS_URI || attribute.uri === XSI_URI) continue;
    if (attribute.uri === XML_URI && attribute.name === 'space' && rule.content !== 'elements') {
      if (attribute.value !== 'preserve' && attribute.value !== 'default') {
        at(attribute, 'xml_invalid_value', `Attribute "xml:space" must be "preserve" or "default"`);
      }
      preserve = attribute.value === 'preserve';
      continue;
    }
    const attributeRule = attribute.uri === '' ? rule.attributes?.[attribute.name] : undefined;
    if (!attributeRule) {
      at(attribute, 'xml_unknown_attribute', `Unknown attribute "${attribute.qname}" on <${node.name}>`);
      continue;
    }
    const value = parseXmlValue(attribute.value, attributeRule.type);
    if (value.ok) checked.attributes[attribute.name] = value.value;
    else
      at(attribute, 'xml_invalid_value', `Attribute "${attribute.name}" on <${node.name}> ${value.problem}`);
  }
  for (const [name, attributeRule] of Object.entries(rule.attributes ?? {}) as [string, AttributeRule][]) {
    if (attributeRule.required && !hasAttribute(node.attributes, name)) {
      at(node, 'xml_missing', `<${node.name}> is missing the required attribute "${name}"`);
    }
  }

  if (rule.content === 'elements') {
    if (node.textPosition)
      at(node.textPosition, 'xml_unexpected_content', `Text is not allowed inside <${node.name}>`);
    const firstSeen = new Map<string, XmlElementNode>();
    for (const child of node.children) {
      const childRule = child.uri === namespace ? rule.children?.[child.name] : undefined;
      if (!childRule) {
        const where = child.uri === namespace ? '' : ` (namespace "${child.uri}")`;
        at(child, 'xml_unknown_element', `Unknown element <${child.name}>${where} in <${node.name}>`);
        continue;
      }
      const first = firstSeen.get(child.name);
      if (first && !childRule.repeatable) {
        at(
          child,
          'xml_duplicate',
          `<${child.name}> may appear only once in <${node.name}> (first on line ${first.line})`,
        );
        continue;
      }
      firstSeen.set(child.name, first ?? child);
      checked.children.push(checkXmlGrammar(child, childRule.rule, namespace, issues, maxIssues));
    }
    for (const [name, childRule] of Object.entries(rule.children ?? {})) {
      if (childRule.required && !firstSeen.has(name)) {
        at(node, 'xml_missing', `<${node.name}> is missing the required element <${name}>`);
      }
    }
    return checked;
  }

  for (const child of node.children) {
    at(
      child,
      'xml_unexpected_content',
      `<${node.name}> holds text only; element <${child.name}> is not allowed in it`,
    );
  }
  checked.text = preserve ? node.text : normalizeXmlText(node.text);
  const textAt = node.textPosition ?? node;
  if (rule.content === 'json') {
    const parsed = parseJsonObject(checked.text);
    if (typeof parsed === 'string') at(textAt, 'xml_invalid_value', `<${node.name}> ${parsed}`);
    else checked.json = parsed;
  } else if (rule.text) {
    const value = parseXmlValue(checked.text, rule.text);
    if (!value.ok) at(textAt, 'xml_invalid_value', `<${node.name}> ${value.problem}`);
  }
  return checked;
}

const hasAttribute = (attributes: XmlAttributeNode[], name: string) =>
  attributes.some((attribute) => attribute.uri === '' && attribute.name === name);

type Parsed = { ok: true; value: XmlValue } | { ok: false; problem: string };

/**
 * Parses one attribute or text value by its declared type. Numbers, booleans and enums are
 * whitespace-collapsed as XML Schema does; strings are taken as written.
 *
 * @example parseXmlValue('150', { kind: 'integer', min: 0, max: 100 })
 * // { ok: false, problem: 'must be an integer from 0 to 100, got "150"' }
 */
export function parseXmlValue(raw: string, type: ValueType): Parsed {
  const value = raw.trim();
  const got = `got "${raw}"`;
  switch (type.kind) {
    case 'string':
      if (type.nonEmpty && value === '') return { ok: false, problem: 'must not be empty' };
      if (type.pattern && !type.pattern.test(raw))
        return { ok: false, problem: `must be ${type.hint}, ${got}` };
      return { ok: true, value: raw };
    case 'tokens':
      return { ok: true, value: value === '' ? [] : value.split(/\s+/) };
    case 'boolean':
      if (value === 'true' || value === 'false') return { ok: true, value: value === 'true' };
      return { ok: false, problem: `must be "true" or "false", ${got}` };
    case 'enum':
      if (type.values.includes(value)) return { ok: true, value };
      return { ok: false, problem: `must be one of ${type.values.join(', ')}; ${got}` };
    case 'integer': {
      const number = Number(value);
      const inRange =
        (type.min === undefined || number >= type.min) && (type.max === undefined || number <= type.max);
      if (/^[+-]?\d+$/.test(value) && Number.isSafeInteger(number) && inRange)
        return { ok: true, value: number };
      return { ok: false, problem: `must be ${describeInteger(type)}, ${got}` };
    }
    case 'decimal': {
      const number = Number(value);
      if (/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(value) && number >= type.min && number <= type.max) {
        return { ok: true, value: number };
      }
      return { ok: false, problem: `must be a number from ${type.min} to ${type.max}, ${got}` };
    }
  }
}

function describeInteger(type: { min?: number; max?: number }) {
  if (type.min !== undefined && type.max !== undefined) return `an integer from ${type.min} to ${type.max}`;
  if (type.min !== undefined) return `an integer of at least ${type.min}`;
  return 'an integer';
}

function parseJsonObject(text: string): Record<string, unknown> | string {
  if (text === '') return {};
  if (jsonTextDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    return `must hold JSON nested at most ${MAX_JSON_DEPTH} levels deep`;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `must hold valid JSON (${(err as Error).message})`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must hold a JSON object';
  return value as Record<string, unknown>;
}
