import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import { parseAvatarXml } from './parse-avatar-xml.js';
import { validateAvatarXml } from './validate-avatar-xml.js';

/** Lines 1-2 are the declaration and <avatar>, so the body starts on line 3. */
const avatarDoc = (...body: string[]) =>
  [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<avatar xmlns="https://lumina.dev/schema/avatar/1" version="1">',
    ...body,
    '</avatar>',
  ].join('\n');

const errorsOf = (text: string) => {
  const result = validateAvatarXml(text);
  if (result.ok) throw new Error('expected the document to be invalid');
  return result.errors;
};

describe('validateAvatarXml', () => {
  it('accepts a small valid avatar', () => {
    const result = validateAvatarXml(avatarDoc('  <name>Nova</name>'));
    expect(result).toMatchObject({ ok: true, avatar: { name: 'Nova', traits: [] } });
  });

  it('reports well-formedness errors at the parser position', () => {
    const errors = errorsOf(avatarDoc('  <name>Nova</name>', '  <persona>Kind</personality>'));
    expect(errors[0]).toMatchObject({ code: 'xml_malformed', line: 4 });
    expect(errors[0]!.message).toMatch(/closing tag|close tag/);
  });

  it('reports an undefined entity as malformed instead of resolving it', () => {
    expect(errorsOf(avatarDoc('  <name>&nova;</name>'))[0]).toMatchObject({
      code: 'xml_malformed',
      line: 3,
      message: 'undefined entity.',
    });
  });

  it('reports an unknown element with its line and column', () => {
    expect(errorsOf(avatarDoc('  <name>Nova</name>', '    <mood>sunny</mood>'))).toEqual([
      { code: 'xml_unknown_element', line: 4, column: 5, message: 'Unknown element <mood> in <avatar>' },
    ]);
  });

  it('reports an element from another namespace as unknown', () => {
    const errors = errorsOf(avatarDoc('  <name>Nova</name>', '  <x:name xmlns:x="urn:other">N</x:name>'));
    expect(errors).toEqual([
      expect.objectContaining({
        line: 4,
        column: 3,
        message: 'Unknown element <name> (namespace "urn:other") in <avatar>',
      }),
    ]);
  });

  it('reports an unknown attribute at the attribute itself', () => {
    const errors = errorsOf(
      avatarDoc(
        '  <name>Nova</name>',
        '  <style>',
        '    <slider name="warmth" value="5"',
        '            colour="red"/>',
        '  </style>',
      ),
    );
    expect(errors).toEqual([
      {
        code: 'xml_unknown_attribute',
        line: 6,
        column: 13,
        message: 'Unknown attribute "colour" on <slider>',
      },
    ]);
  });

  it('requires <name> and reports it on <avatar>', () => {
    expect(errorsOf(avatarDoc('  <nickname>N</nickname>'))).toEqual([
      { code: 'xml_missing', line: 2, column: 1, message: '<avatar> is missing the required element <name>' },
    ]);
  });

  it('refuses a blank name', () => {
    expect(errorsOf(avatarDoc('  <name>  </name>'))[0]).toMatchObject({
      line: 3,
      message: '<name> must not be empty',
    });
  });

  it('requires version="1" on the root', () => {
    const text =
      '<avatar xmlns="https://lumina.dev/schema/avatar/1" version="2">\n  <name>N</name>\n</avatar>';
    expect(errorsOf(text)).toEqual([
      {
        code: 'xml_invalid_value',
        line: 1,
        column: 52,
        message: 'Attribute "version" on <avatar> must be one of 1; got "2"',
      },
    ]);
  });

  it('requires the Lumina namespace and the <avatar> root', () => {
    expect(errorsOf('<avatar version="1"><name>N</name></avatar>')[0]).toMatchObject({
      code: 'xml_wrong_root',
      line: 1,
      message: expect.stringContaining('must be in the namespace https://lumina.dev/schema/avatar/1'),
    });
    expect(errorsOf('<card/>')[0]).toMatchObject({
      message: 'The root element must be <avatar>, not <card>',
    });
  });

  it('checks slider value ranges', () => {
    const errors = errorsOf(
      avatarDoc('  <name>N</name>', '  <style>', '    <slider name="warmth" value="150"/>', '  </style>'),
    );
    expect(errors).toEqual([
      {
        code: 'xml_invalid_value',
        line: 5,
        column: 27,
        message: 'Attribute "value" on <slider> must be an integer from 0 to 100, got "150"',
      },
    ]);
  });

  it('checks slider names', () => {
    const errors = errorsOf(
      avatarDoc('  <name>N</name>', '  <style><slider name="Warm Th" value="1"/></style>'),
    );
    expect(errors[0]).toMatchObject({
      line: 4,
      column: 18,
      message:
        'Attribute "name" on <slider> must be a lowercase name (a letter, then letters, digits, _ or -; ' +
        'at most 40), got "Warm Th"',
    });
  });

  it('reports duplicate slider names on the second slider', () => {
    const errors = errorsOf(
      avatarDoc(
        '  <name>N</name>',
        '  <style>',
        '    <slider name="warmth" value="10"/>',
        '    <slider name="humor" value="10"/>',
        '    <slider name="warmth" value="90"/>',
        '  </style>',
      ),
    );
    expect(errors).toEqual([
      {
        code: 'xml_duplicate',
        line: 7,
        column: 5,
        message: 'Duplicate slider "warmth" (first defined on line 5)',
      },
    ]);
  });

  it('reports an element that may appear once appearing twice', () => {
    expect(errorsOf(avatarDoc('  <name>A</name>', '  <name>B</name>'))).toEqual([
      {
        code: 'xml_duplicate',
        line: 4,
        column: 3,
        message: '<name> may appear only once in <avatar> (first on line 3)',
      },
    ]);
  });

  it('checks voice rate and pitch ranges', () => {
    const errors = errorsOf(avatarDoc('  <name>N</name>', '  <voice rate="9" pitch="fast"/>'));
    expect(errors).toEqual([
      expect.objectContaining({
        line: 4,
        column: 10,
        message: 'Attribute "rate" on <voice> must be a number from 0.25 to 4, got "9"',
      }),
      expect.objectContaining({
        line: 4,
        column: 19,
        message: 'Attribute "pitch" on <voice> must be a number from 0.25 to 4, got "fast"',
      }),
    ]);
  });

  it('checks enum values in attributes and text', () => {
    const errors = errorsOf(
      avatarDoc(
        '  <name>N</name>',
        '  <memory enabled="yes" scope="global"/>',
        '  <visibility>\n    public\n  </visibility>',
      ),
    );
    expect(errors).toEqual([
      expect.objectContaining({
        line: 4,
        column: 11,
        message: 'Attribute "enabled" on <memory> must be "true" or "false", got "yes"',
      }),
      expect.objectContaining({
        line: 4,
        column: 25,
        message: 'Attribute "scope" on <memory> must be one of private, shared; got "global"',
      }),
      expect.objectContaining({
        line: 6,
        column: 5,
        message: '<visibility> must be one of private, instance; got "public"',
      }),
    ]);
  });

  it('checks lorebook entries', () => {
    const errors = errorsOf(
      avatarDoc(
        '  <name>N</name>',
        '  <lorebook scanDepth="-1">',
        '    <entry position="middle">',
        '      <keys><key>a</key></keys>',
        '    </entry>',
        '  </lorebook>',
      ),
    );
    expect(errors).toEqual([
      expect.objectContaining({
        line: 4,
        column: 13,
        message: 'Attribute "scanDepth" on <lorebook> must be an integer of at least 0, got "-1"',
      }),
      expect.objectContaining({
        line: 5,
        column: 5,
        message: '<entry> is missing the required element <content>',
      }),
      expect.objectContaining({
        line: 5,
        column: 12,
        message: 'Attribute "position" on <entry> must be one of before_char, after_char; got "middle"',
      }),
    ]);
  });

  it('reports text where only elements belong, and elements where only text belongs', () => {
    const errors = errorsOf(
      avatarDoc('  <name>N</name>', '  <traits>', '    kind', '  </traits>', '  <persona><b>x</b></persona>'),
    );
    expect(errors).toEqual([
      { code: 'xml_unexpected_content', line: 5, column: 5, message: 'Text is not allowed inside <traits>' },
      {
        code: 'xml_unexpected_content',
        line: 7,
        column: 12,
        message: '<persona> holds text only; element <b> is not allowed in it',
      },
    ]);
  });

  it('requires extensions to hold a JSON object', () => {
    const errors = errorsOf(
      avatarDoc('  <name>N</name>', '  <extensions><![CDATA[', '    [1, 2]', '  ]]></extensions>'),
    );
    expect(errors).toEqual([
      expect.objectContaining({ line: 5, column: 5, message: '<extensions> must hold a JSON object' }),
    ]);
    const broken = errorsOf(avatarDoc('  <name>N</name>', '  <extensions>{nope}</extensions>'));
    expect(broken[0]).toMatchObject({
      line: 4,
      column: 15,
      message: expect.stringMatching(/^<extensions> must hold valid JSON/),
    });
  });

  it('collects several problems in document order', () => {
    const errors = errorsOf(avatarDoc('  <mood/>', '  <style><slider name="humor" value="x"/></style>'));
    expect(errors.map((e) => [e.line, e.code])).toEqual([
      [2, 'xml_missing'],
      [3, 'xml_unknown_element'],
      [4, 'xml_invalid_value'],
    ]);
  });

  it('ignores comments, processing instructions and xsi attributes', () => {
    const text = [
      '<?xml version="1.0"?>',
      '<?xml-model href="lumina-avatar.xsd"?>',
      '<!-- exported by hand -->',
      '<avatar xmlns="https://lumina.dev/schema/avatar/1" version="1"',
      '  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
      '  xsi:schemaLocation="https://lumina.dev/schema/avatar/1 lumina-avatar.xsd">',
      '  <name>No<!-- inner -->va<?ignored pi?></name>',
      '</avatar>',
    ].join('\n');
    expect(validateAvatarXml(text)).toMatchObject({ ok: true, avatar: { name: 'Nova' } });
  });

  it('refuses a declared encoding other than UTF-8 and bytes that are not UTF-8', () => {
    const latin = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<avatar/>';
    expect(errorsOf(latin)[0]).toMatchObject({
      code: 'xml_malformed',
      message: 'Encoding "ISO-8859-1" is not supported; use UTF-8',
    });
    expect(errorsOf(new Uint8Array([0x3c, 0x61, 0xff, 0x3e]))[0]).toMatchObject({
      code: 'xml_malformed',
      message: 'The document is not valid UTF-8',
    });
  });

  it('reads UTF-8 bytes, with or without a BOM', () => {
    const bytes = new TextEncoder().encode(`\uFEFF${avatarDoc('  <name>Zoë</name>')}`);
    expect(validateAvatarXml(bytes)).toMatchObject({ ok: true, avatar: { name: 'Zoë' } });
  });
});

describe('parseAvatarXml', () => {
  it('throws 422 invalid_avatar_xml with the line-numbered problems', () => {
    const parse = () => parseAvatarXml(avatarDoc('  <name>N</name>', '  <mood/>'));
    expect(parse).toThrow(AppError);
    expect(parse).toThrow(
      expect.objectContaining({
        status: 422,
        code: 'invalid_avatar_xml',
        message: 'The avatar XML has 1 problem; first: Unknown element <mood> in <avatar> (line 4, column 3)',
        details: { errors: [expect.objectContaining({ line: 4, column: 3 })] },
      }),
    );
  });

  it('throws 400 xml_malformed for broken XML', () => {
    expect(() => parseAvatarXml('<avatar>')).toThrow(
      expect.objectContaining({ status: 400, code: 'xml_malformed' }),
    );
  });
});
