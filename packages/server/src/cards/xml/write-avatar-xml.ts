import { AppError } from '../../errors.js';
import { CDATA_ELEMENTS } from './avatar-xml-grammar.js';
import {
  AVATAR_XML_NAMESPACE,
  type AvatarXmlInput,
  avatarXmlSchema,
  type LorebookEntry,
} from './avatar-xml-types.js';
import {
  cdataSection,
  escapeUnrepresentableInJson,
  escapeXmlAttribute,
  escapeXmlText,
  removeUnrepresentableXmlChars,
} from './xml-escape.js';
import { layoutXmlText } from './xml-text-layout.js';

type Attributes = Record<string, string | number | boolean | undefined>;
type Chunk = string | undefined;

/**
 * Writes an avatar as a pretty-printed (2-space) Lumina XML document. `parseAvatarXml` of
 * the result equals `avatarXmlSchema.parse(avatar)`; the only loss is characters XML 1.0
 * cannot hold (C0 controls other than tab/LF/CR, lone surrogates, U+FFFE/U+FFFF), which
 * are dropped from text and kept as \u escapes inside extension JSON.
 *
 * @example
 * writeAvatarXml({ name: 'Nova', style: [{ name: 'warmth', value: 80 }] });
 * // <?xml version="1.0" encoding="UTF-8"?>
 * // <avatar xmlns="https://lumina.dev/schema/avatar/1" version="1">
 * //   <name>Nova</name>
 * //   <style>
 * //     <slider name="warmth" value="80"/>
 * // ...
 */
export function writeAvatarXml(input: AvatarXmlInput): string {
  const parsed = avatarXmlSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError(422, 'invalid_avatar', 'The avatar cannot be written as XML', {
      issues: parsed.error.issues,
    });
  }
  const avatar = parsed.data;
  const model = avatar.model && {
    default: avatar.model.default,
    fallback: avatar.model.fallback.length > 0 ? avatar.model.fallback.join(' ') : undefined,
  };
  const body = element('avatar', 0, { xmlns: AVATAR_XML_NAMESPACE, version: avatar.version }, [
    text('name', avatar.name, 1),
    text('nickname', avatar.nickname, 1),
    text('description', avatar.description, 1),
    text('persona', avatar.persona, 1),
    list('traits', 'trait', avatar.traits, 1),
    avatar.style.length > 0
      ? element(
          'style',
          1,
          {},
          avatar.style.map((slider) => element('slider', 2, { ...slider }, [])),
        )
      : undefined,
    text('backstory', avatar.backstory, 1),
    text('scenario', avatar.scenario, 1),
    text('greeting', avatar.greeting, 1),
    list('alternateGreetings', 'greeting', avatar.alternateGreetings, 1),
    text('exampleDialogue', avatar.exampleDialogue, 1),
    list('tags', 'tag', avatar.tags, 1),
    avatar.voice && element('voice', 1, { ...avatar.voice }, []),
    model && element('model', 1, model, []),
    avatar.memory && element('memory', 1, { ...avatar.memory }, []),
    text('visibility', avatar.visibility, 1),
    text('creator', avatar.creator, 1),
    text('characterVersion', avatar.characterVersion, 1),
    text('creatorNotes', avatar.creatorNotes, 1),
    text('systemPrompt', avatar.systemPrompt, 1),
    text('postHistoryInstructions', avatar.postHistoryInstructions, 1),
    avatar.lorebook &&
      element(
        'lorebook',
        1,
        {
          scanDepth: avatar.lorebook.scanDepth,
          tokenBudget: avatar.lorebook.tokenBudget,
          recursiveScanning: avatar.lorebook.recursiveScanning,
        },
        [
          text('name', avatar.lorebook.name, 2),
          text('description', avatar.lorebook.description, 2),
          ...avatar.lorebook.entries.map((entry) => lorebookEntry(entry, 2)),
          json('extensions', avatar.lorebook.extensions, 2),
        ],
      ),
    json('extensions', avatar.extensions, 1),
  ]);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body}\n`;
}

function lorebookEntry(entry: LorebookEntry, depth: number): string {
  const { id, enabled, constant, selective, insertionOrder, position, caseSensitive, priority } = entry;
  return element(
    'entry',
    depth,
    { id, enabled, constant, selective, insertionOrder, position, caseSensitive, priority },
    [
      text('name', entry.name, depth + 1),
      text('comment', entry.comment, depth + 1),
      list('keys', 'key', entry.keys, depth + 1),
      list('secondaryKeys', 'key', entry.secondaryKeys, depth + 1),
      text('content', entry.content, depth + 1),
      json('extensions', entry.extensions, depth + 1),
    ],
  );
}

const indentOf = (depth: number) => '  '.repeat(depth);

function attributesOf(attributes: Attributes): string {
  return Object.entries(attributes)
    .filter((pair): pair is [string, string | number | boolean] => pair[1] !== undefined)
    .map(([name, value]) => ` ${name}="${escapeXmlAttribute(formatValue(value))}"`)
    .join('');
}

function formatValue(value: string | number | boolean): string {
  if (typeof value !== 'number') return removeUnrepresentableXmlChars(String(value));
  const plain = String(value);
  // xs:decimal has no exponent form, and 1e-7 is what String() gives for small numbers.
  return /e/i.test(plain) ? value.toFixed(20).replace(/\.?0+$/, '') : plain;
}

/** An element holding other elements (or none: then it is written self-closed). */
function element(name: string, depth: number, attributes: Attributes, children: Chunk[]): string {
  const inner = children.filter((chunk): chunk is string => chunk !== undefined);
  const open = `${indentOf(depth)}<${name}${attributesOf(attributes)}`;
  if (inner.length === 0) return `${open}/>`;
  return [`${open}>`, ...inner, `${indentOf(depth)}</${name}>`].join('\n');
}

function text(name: string, value: string | undefined, depth: number): Chunk {
  if (value === undefined) return undefined;
  const indent = indentOf(depth);
  const layout = layoutXmlText(removeUnrepresentableXmlChars(value), indent);
  const open = `${indent}<${name}${layout.preserve ? ' xml:space="preserve"' : ''}`;
  if (layout.body === '') return `${open}/>`;
  // CDATA cannot carry a carriage return (parsers turn it into a line feed); text can, as &#13;.
  const asCdata = CDATA_ELEMENTS.has(name) && !layout.body.includes('\r');
  return `${open}>${asCdata ? cdataSection(layout.body) : escapeXmlText(layout.body)}</${name}>`;
}

function list(name: string, item: string, values: string[], depth: number): Chunk {
  if (values.length === 0) return undefined;
  return element(
    name,
    depth,
    {},
    values.map((value) => text(item, value, depth + 1)),
  );
}

function json(name: string, value: Record<string, unknown>, depth: number): Chunk {
  if (Object.keys(value).length === 0) return undefined;
  return text(name, escapeUnrepresentableInJson(JSON.stringify(value, null, 2)), depth);
}
