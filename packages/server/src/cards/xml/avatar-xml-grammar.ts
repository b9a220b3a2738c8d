import {
  LOREBOOK_POSITIONS,
  MEMORY_SCOPES,
  SLIDER_NAME_PATTERN,
  VISIBILITIES,
  VOICE_MULTIPLIER_RANGE,
} from './avatar-xml-types.js';

// The vocabulary of the format as data: the checker enforces it, the writer follows its
// field tables, and a test compares it with docs/lumina-avatar.xsd so the two cannot drift.

export type ValueType =
  | { kind: 'string'; nonEmpty?: boolean; pattern?: RegExp; hint?: string }
  | { kind: 'tokens' }
  | { kind: 'integer'; min?: number; max?: number }
  | { kind: 'decimal'; min: number; max: number }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: readonly string[] };

export interface AttributeRule {
  type: ValueType;
  required?: boolean;
}

export interface ChildRule {
  rule: ElementRule;
  required?: boolean;
  repeatable?: boolean;
}

/** `elements`: children only (none declared = empty); `text`: text only; `json`: a JSON object as text. */
export interface ElementRule {
  content: 'elements' | 'text' | 'json';
  text?: ValueType;
  attributes?: Record<string, AttributeRule>;
  children?: Record<string, ChildRule>;
}

const text = (type?: ValueType): ElementRule =>
  type ? { content: 'text', text: type } : { content: 'text' };
const plainText = text();
const json: ElementRule = { content: 'json' };
const once = (rule: ElementRule): ChildRule => ({ rule });
const many = (rule: ElementRule): ChildRule => ({ rule, repeatable: true });
const listOf = (item: string): ElementRule => ({
  content: 'elements',
  children: { [item]: many(plainText) },
});

const nonEmpty: ValueType = { kind: 'string', nonEmpty: true };
const boolean: ValueType = { kind: 'boolean' };
const multiplier: ValueType = { kind: 'decimal', ...VOICE_MULTIPLIER_RANGE };
const attr = (type: ValueType, required = false): AttributeRule => ({ type, required });

const slider: ElementRule = {
  content: 'elements',
  attributes: {
    name: attr(
      {
        kind: 'string',
        pattern: SLIDER_NAME_PATTERN,
        hint: 'a lowercase name (a letter, then letters, digits, _ or -; at most 40)',
      },
      true,
    ),
    value: attr({ kind: 'integer', min: 0, max: 100 }, true),
    low: attr({ kind: 'string' }),
    high: attr({ kind: 'string' }),
  },
};

const entry: ElementRule = {
  content: 'elements',
  attributes: {
    id: attr({ kind: 'integer', min: 0 }),
    enabled: attr(boolean),
    constant: attr(boolean),
    selective: attr(boolean),
    insertionOrder: attr({ kind: 'integer' }),
    position: attr({ kind: 'enum', values: LOREBOOK_POSITIONS }),
    caseSensitive: attr(boolean),
    priority: attr({ kind: 'integer' }),
  },
  children: {
    name: once(plainText),
    comment: once(plainText),
    keys: once(listOf('key')),
    secondaryKeys: once(listOf('key')),
    content: { rule: plainText, required: true },
    extensions: once(json),
  },
};

const lorebook: ElementRule = {
  content: 'elements',
  attributes: {
    scanDepth: attr({ kind: 'integer', min: 0 }),
    tokenBudget: attr({ kind: 'integer', min: 0 }),
    recursiveScanning: attr(boolean),
  },
  children: {
    name: once(plainText),
    description: once(plainText),
    entry: many(entry),
    extensions: once(json),
  },
};

/** Avatar properties held by one text element of the same name, in the order the writer uses. */
export const AVATAR_TEXT_FIELDS = [
  'nickname',
  'description',
  'persona',
  'backstory',
  'scenario',
  'greeting',
  'exampleDialogue',
  'creator',
  'characterVersion',
  'creatorNotes',
  'systemPrompt',
  'postHistoryInstructions',
] as const;

/** Avatar properties held as a list element of repeated items. */
export const AVATAR_LIST_FIELDS = [
  { property: 'traits', item: 'trait' },
  { property: 'alternateGreetings', item: 'greeting' },
  { property: 'tags', item: 'tag' },
] as const;

/** Text elements the writer puts in CDATA, because they hold markup-like text or JSON. */
export const CDATA_ELEMENTS: ReadonlySet<string> = new Set(['exampleDialogue', 'extensions']);

export const AVATAR_ELEMENT: ElementRule = {
  content: 'elements',
  attributes: { version: attr({ kind: 'enum', values: ['1'] }, true) },
  children: {
    name: { rule: text(nonEmpty), required: true },
    ...Object.fromEntries(AVATAR_TEXT_FIELDS.map((field) => [field, once(plainText)])),
    ...Object.fromEntries(AVATAR_LIST_FIELDS.map(({ property, item }) => [property, once(listOf(item))])),
    style: once({ content: 'elements', children: { slider: many(slider) } }),
    voice: once({
      content: 'elements',
      attributes: {
        engine: attr(nonEmpty),
        voice: attr(nonEmpty),
        rate: attr(multiplier),
        pitch: attr(multiplier),
      },
    }),
    model: once({
      content: 'elements',
      attributes: { default: attr(nonEmpty), fallback: attr({ kind: 'tokens' }) },
    }),
    memory: once({
      content: 'elements',
      attributes: { enabled: attr(boolean), scope: attr({ kind: 'enum', values: MEMORY_SCOPES }) },
    }),
    visibility: once(text({ kind: 'enum', values: VISIBILITIES })),
    lorebook: once(lorebook),
    extensions: once(json),
  },
};

/**
 * Every element name and attribute name the grammar accepts, for cross-checking the XSD.
 *
 * @example grammarVocabulary().elements.has('slider') // true
 */
export function grammarVocabulary(rule: ElementRule = AVATAR_ELEMENT, name = 'avatar') {
  const elements = new Set<string>([name]);
  const attributes = new Set<string>(Object.keys(rule.attributes ?? {}));
  for (const [childName, child] of Object.entries(rule.children ?? {})) {
    const nested = grammarVocabulary(child.rule, childName);
    for (const element of nested.elements) elements.add(element);
    for (const attribute of nested.attributes) attributes.add(attribute);
  }
  return { elements, attributes };
}
