import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { grammarVocabulary } from './avatar-xml-grammar.js';
import { parseAvatarXml } from './parse-avatar-xml.js';
import { readXmlTree, type XmlElementNode } from './read-xml-tree.js';
import { validateAvatarXml } from './validate-avatar-xml.js';
import { writeAvatarXml } from './write-avatar-xml.js';

// The guide and the schema are read from docs/, so they cannot drift from the code.
const docs = new URL('../../../../../docs/', import.meta.url);
const guide = fs.readFileSync(new URL('lumina-xml.md', docs), 'utf8');
const xsd = fs.readFileSync(new URL('lumina-avatar.xsd', docs), 'utf8');

const XS = 'http://www.w3.org/2001/XMLSchema';

function declaredNames(node: XmlElementNode, kind: 'element' | 'attribute', names = new Set<string>()) {
  if (node.uri === XS && node.name === kind) {
    const name = node.attributes.find((attribute) => attribute.name === 'name')?.value;
    if (name) names.add(name);
  }
  for (const child of node.children) declaredNames(child, kind, names);
  return names;
}

describe('docs/lumina-xml.md', () => {
  const example = /```xml\n([\s\S]*?)```/.exec(guide)?.[1];

  it('has a full example that validates', () => {
    expect(example).toBeDefined();
    const result = validateAvatarXml(example!);
    if (!result.ok) expect.fail(JSON.stringify(result.errors, null, 2));
    expect(result.avatar).toMatchObject({
      name: 'Nova',
      traits: ['patient', 'curious', 'precise'],
      memory: { enabled: true, scope: 'private' },
      model: {
        default: 'ollama:llama3.1:8b',
        fallback: ['openai:gpt-4o-mini', 'anthropic:claude-3-5-haiku'],
      },
      visibility: 'instance',
    });
    expect(result.avatar.persona).toBe(
      'Nova is warm, curious and direct. She explains things with everyday\n' +
        'comparisons, checks that you followed, and admits when she is unsure.\n\n' +
        'She never talks down to anyone & she loves questions.',
    );
    expect(result.avatar.style).toHaveLength(7);
    expect(result.avatar.lorebook?.entries).toHaveLength(2);
    expect(result.avatar.extensions).toEqual({
      chub: { full_path: 'example/nova' },
      depth_prompt: { depth: 4, prompt: '' },
    });
  });

  it('uses every element of the format in its example', () => {
    const used = new Set<string>();
    const collect = (node: XmlElementNode) => {
      used.add(node.name);
      node.children.forEach(collect);
    };
    const read = readXmlTree(example!);
    if (!read.ok) expect.fail('example is not well-formed');
    collect(read.root);
    expect([...grammarVocabulary().elements].filter((name) => !used.has(name))).toEqual([]);
  });

  it('survives a write/parse round trip', () => {
    const avatar = parseAvatarXml(example!);
    expect(parseAvatarXml(writeAvatarXml(avatar))).toStrictEqual(avatar);
  });
});

describe('docs/lumina-avatar.xsd', () => {
  const read = readXmlTree(xsd);

  it('is well-formed XML Schema for the Lumina namespace', () => {
    if (!read.ok) expect.fail(JSON.stringify(read.issues));
    expect(read.root).toMatchObject({ name: 'schema', uri: XS });
    const target = read.root.attributes.find((attribute) => attribute.name === 'targetNamespace');
    expect(target?.value).toBe('https://lumina.dev/schema/avatar/1');
  });

  it('declares exactly the elements and attributes the parser accepts', () => {
    if (!read.ok) expect.fail('schema is not well-formed');
    const grammar = grammarVocabulary();
    expect([...declaredNames(read.root, 'element')].sort()).toEqual([...grammar.elements].sort());
    expect([...declaredNames(read.root, 'attribute')].sort()).toEqual([...grammar.attributes].sort());
  });
});
