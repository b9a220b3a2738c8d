import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import { type AvatarXml, avatarXmlSchema } from './avatar-xml-types.js';
import { parseAvatarXml } from './parse-avatar-xml.js';
import { writeAvatarXml } from './write-avatar-xml.js';

const fullAvatar: AvatarXml = {
  version: 1,
  name: 'Zoë «Nova» 星 & <Co> "quoted" \'single\'',
  nickname: 'Nov 🚀',
  description: 'Explains a < b && b > c without fear.',
  persona: 'Warm and direct.\n  Indented second line.\n\nA paragraph after a blank line.',
  traits: ['patient', 'curious', '  keeps its spaces  ', ''],
  style: [
    { name: 'formality', value: 0 },
    { name: 'warmth', value: 100, low: 'cold & "distant"', high: "it's\teffusive\nreally" },
    { name: 'stargazing-metaphors', value: 65, low: 'literal', high: 'poetic' },
  ],
  backstory: 'Line with trailing spaces   \nand a final line',
  scenario: '\tstarts with a tab',
  greeting: 'Hi {{user}}!',
  alternateGreetings: ['Welcome back!', 'Ready?\nLet us go.'],
  exampleDialogue: '<START>\n{{user}}: what is "]]>"?\n{{char}}: the end of CDATA ]]> twice ]]>',
  tags: ['education', 'наука', 'ملاحظة'],
  voice: { engine: 'piper', voice: 'en_US-amy-medium', rate: 1.25, pitch: 0.000001 + 1 },
  model: { default: 'ollama:llama3.1:8b', fallback: ['openai:gpt-4o-mini', 'groq:llama-3.1-8b-instant'] },
  memory: { enabled: false, scope: 'shared' },
  visibility: 'instance',
  creator: 'Ana & Bo',
  characterVersion: '2.0',
  creatorNotes: 'Carriage\r\nreturns survive',
  systemPrompt: 'Stay as {{char}}.',
  postHistoryInstructions: '',
  lorebook: {
    name: 'Observatory',
    description: 'Places',
    scanDepth: 4,
    tokenBudget: 512,
    recursiveScanning: true,
    entries: [
      {
        id: 0,
        name: 'Telescope',
        comment: 'a <comment>',
        keys: ['telescope', 'scope'],
        secondaryKeys: ['lens'],
        content: 'A 200 mm Dobsonian called "Old Faithful".',
        enabled: true,
        constant: false,
        selective: true,
        insertionOrder: -5,
        position: 'after_char',
        caseSensitive: true,
        priority: 10,
        extensions: { sillytavern: { depth: 4, note: 'has ]]> inside' } },
      },
      {
        keys: [],
        secondaryKeys: [],
        content: '',
        enabled: false,
        constant: true,
        selective: false,
        insertionOrder: 100,
        position: 'before_char',
        extensions: {},
      },
    ],
    extensions: { book: [1, 2, { deep: null }] },
  },
  extensions: { chub: { full_path: 'a/b', emoji: '🌌', weird: 'a\uFFFFb' }, list: [true, 1.5, 'x'] },
};

describe('writeAvatarXml', () => {
  it('round-trips a full avatar: write then parse gives the same object', () => {
    const xml = writeAvatarXml(fullAvatar);
    expect(parseAvatarXml(xml)).toStrictEqual(fullAvatar);
  });

  it('round-trips a minimal avatar with the defaults filled in', () => {
    const minimal = { name: 'Min' };
    expect(parseAvatarXml(writeAvatarXml(minimal))).toStrictEqual(avatarXmlSchema.parse(minimal));
    expect(writeAvatarXml(minimal)).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<avatar xmlns="https://lumina.dev/schema/avatar/1" version="1">\n' +
        '  <name>Min</name>\n' +
        '</avatar>\n',
    );
  });

  it('is stable: writing what it parsed gives the same text', () => {
    const xml = writeAvatarXml(fullAvatar);
    expect(writeAvatarXml(parseAvatarXml(xml))).toBe(xml);
  });

  it('escapes & < > in text and & < > " \' in attributes', () => {
    const xml = writeAvatarXml(fullAvatar);
    expect(xml).toContain('<name>Zoë «Nova» 星 &amp; &lt;Co&gt; "quoted" \'single\'</name>');
    expect(xml).toContain('low="cold &amp; &quot;distant&quot;" high="it&apos;s&#9;effusive&#10;really"');
  });

  it('splits ]]> across CDATA sections', () => {
    const xml = writeAvatarXml(fullAvatar);
    expect(xml).toContain('the end of CDATA ]]]]><![CDATA[> twice ]]]]><![CDATA[>');
    expect(xml.match(/<exampleDialogue><!\[CDATA\[/g)).toHaveLength(1);
  });

  it('pretty-prints with a 2-space indent and lays out multi-line text as an indented block', () => {
    const xml = writeAvatarXml(fullAvatar);
    expect(xml).toContain(
      '  <persona>\n    Warm and direct.\n      Indented second line.\n\n    A paragraph after a blank line.\n  </persona>',
    );
    expect(xml).toContain(
      '  <lorebook scanDepth="4" tokenBudget="512" recursiveScanning="true">\n    <name>',
    );
    expect(xml).toContain('      <keys>\n        <key>telescope</key>');
  });

  it('uses xml:space="preserve" only for values the whitespace rule would change', () => {
    const xml = writeAvatarXml(fullAvatar);
    expect(xml).toContain('<trait xml:space="preserve">  keeps its spaces  </trait>');
    expect(xml).toContain('<scenario xml:space="preserve">\tstarts with a tab</scenario>');
    expect(xml).toContain('<trait>patient</trait>');
  });

  it('keeps carriage returns as &#13;', () => {
    expect(writeAvatarXml(fullAvatar)).toContain('Carriage&#13;');
  });

  it('drops characters XML 1.0 cannot hold from text but keeps them in extension JSON', () => {
    const xml = writeAvatarXml({ name: 'A\u0000B\u001F\uD800C', extensions: { s: '\u0001\uFFFE' } });
    const parsed = parseAvatarXml(xml);
    expect(parsed.name).toBe('ABC');
    expect(parsed.extensions).toEqual({ s: '\u0001\uFFFE' });
  });

  it('writes small decimals without an exponent', () => {
    const xml = writeAvatarXml({ name: 'A', voice: { rate: 0.25 + 1e-7 } });
    expect(xml).toContain('rate="0.2500001"');
    expect(parseAvatarXml(xml).voice?.rate).toBe(0.25 + 1e-7);
  });

  it('refuses an avatar the format cannot describe', () => {
    const write = () => writeAvatarXml({ name: ' ', style: [{ name: 'Bad Name', value: 101 }] });
    expect(write).toThrow(AppError);
    expect(write).toThrow(expect.objectContaining({ status: 422, code: 'invalid_avatar' }));
  });
});
