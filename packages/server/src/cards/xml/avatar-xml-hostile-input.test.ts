import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAvatarXml } from './parse-avatar-xml.js';
import { readXmlTree } from './read-xml-tree.js';
import { validateAvatarXml } from './validate-avatar-xml.js';

const NS = 'https://lumina.dev/schema/avatar/1';

const errorsOf = (text: string | Uint8Array, limits = {}) => {
  const result = validateAvatarXml(text, limits);
  if (result.ok) throw new Error('expected the document to be refused');
  return result.errors;
};

// Ten levels of ten-fold entity references: about 3 GB if a parser ever expanded &lol9;.
const billionLaughs = [
  '<?xml version="1.0"?>',
  '<!DOCTYPE avatar [',
  '  <!ENTITY lol "lol">',
  ...Array.from(
    { length: 9 },
    (_, i) => `  <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`,
  ),
  ']>',
  `<avatar xmlns="${NS}" version="1"><name>${'&lol9;'.repeat(1000)}</name></avatar>`,
].join('\n');

describe('hostile XML', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-xxe-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('refuses billion laughs at the DOCTYPE, before any expansion', () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const errors = errorsOf(billionLaughs);
    // One issue only: reading stopped at the DOCTYPE and never reached the &lol9; references.
    expect(errors).toEqual([
      {
        code: 'xml_dtd_forbidden',
        line: 2,
        column: 1,
        message: 'DOCTYPE declarations are not allowed (no DTDs, no entity declarations)',
      },
    ]);
    // An expansion would need gigabytes; a generous bound still proves there was none.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('throws a 400 xml_dtd_forbidden AppError from parseAvatarXml', () => {
    expect(() => parseAvatarXml(billionLaughs)).toThrow(
      expect.objectContaining({
        status: 400,
        code: 'xml_dtd_forbidden',
        details: { errors: [expect.anything()] },
      }),
    );
  });

  it('refuses external entities (XXE) without reading the file', () => {
    const secret = path.join(tmp, 'secret.txt');
    fs.writeFileSync(secret, 'TOP-SECRET-MARKER');
    const xxe = [
      '<?xml version="1.0"?>',
      `<!DOCTYPE avatar [<!ENTITY xxe SYSTEM "file://${secret}">]>`,
      `<avatar xmlns="${NS}" version="1"><name>&xxe;</name></avatar>`,
    ].join('\n');
    const result = validateAvatarXml(xxe);
    expect(result).toEqual({
      ok: false,
      errors: [expect.objectContaining({ code: 'xml_dtd_forbidden', line: 2 })],
    });
    expect(JSON.stringify(result)).not.toContain('TOP-SECRET-MARKER');
    const passwd = `<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><avatar xmlns="${NS}" version="1"><name>&x;</name></avatar>`;
    expect(JSON.stringify(validateAvatarXml(passwd))).not.toContain('root:');
  });

  it('refuses every kind of DOCTYPE: external DTD, parameter entities, a bare name', () => {
    const doctypes = [
      '<!DOCTYPE avatar SYSTEM "http://127.0.0.1:9/evil.dtd">',
      '<!DOCTYPE avatar PUBLIC "-//X//Y" "file:///etc/passwd">',
      '<!DOCTYPE avatar [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
      '<!DOCTYPE avatar>',
    ];
    for (const doctype of doctypes) {
      expect(errorsOf(`${doctype}\n<avatar xmlns="${NS}" version="1"><name>N</name></avatar>`)).toEqual([
        expect.objectContaining({ code: 'xml_dtd_forbidden', line: 1, column: 1 }),
      ]);
    }
  });

  it('points at the DOCTYPE even when a comment before it mentions one', () => {
    const text = `<!-- <!DOCTYPE is not here -->\n  <!DOCTYPE avatar>\n<avatar xmlns="${NS}" version="1"/>`;
    expect(errorsOf(text)[0]).toMatchObject({ code: 'xml_dtd_forbidden', line: 2, column: 3 });
  });

  it('refuses deep nesting as soon as the limit is passed', () => {
    const depth = 100_000;
    const text = `<avatar xmlns="${NS}" version="1">\n${'<x>'.repeat(depth)}${'</x>'.repeat(depth)}</avatar>`;
    expect(errorsOf(text)).toEqual([
      { code: 'xml_too_deep', line: 2, column: 31 * 3 + 1, message: 'Elements nest deeper than 32 levels' },
    ]);
    expect(errorsOf('<a><b><c/></b></a>', { maxDepth: 2 })[0]).toMatchObject({
      code: 'xml_too_deep',
      column: 7,
    });
  });

  it('refuses oversize documents before parsing', () => {
    const padding = ' '.repeat(2 * 1024 * 1024);
    expect(errorsOf(`<avatar xmlns="${NS}" version="1"><name>N</name></avatar>${padding}`)).toEqual([
      {
        code: 'xml_too_large',
        line: 1,
        column: 1,
        message: 'The document is larger than the 2097152-byte limit',
      },
    ]);
    expect(() => parseAvatarXml('<a/>'.repeat(10), { maxBytes: 20 })).toThrow(
      expect.objectContaining({ status: 400, code: 'xml_too_large' }),
    );
  });

  it('counts the limit in UTF-8 bytes, for strings and for byte input', () => {
    // 8 characters, 24 bytes.
    expect(errorsOf('<a>星星</a>', { maxBytes: 10 })[0]?.code).toBe('xml_too_large');
    expect(errorsOf(new Uint8Array(11), { maxBytes: 10 })[0]?.code).toBe('xml_too_large');
  });

  it('ignores processing instructions instead of acting on them', () => {
    const text = `<?xml version="1.0"?>\n<?php system('rm -rf /') ?>\n<avatar xmlns="${NS}" version="1"><name>N</name></avatar>`;
    expect(validateAvatarXml(text)).toMatchObject({ ok: true, avatar: { name: 'N' } });
  });

  it('stops after 50 problems', () => {
    const text = `<avatar xmlns="${NS}" version="1"><name>${'&bad;'.repeat(500)}</name>${'<mood/>'.repeat(500)}</avatar>`;
    expect(errorsOf(text)).toHaveLength(50);
    const schemaErrors = errorsOf(
      `<avatar xmlns="${NS}" version="1"><name>N</name>${'<mood/>'.repeat(500)}</avatar>`,
    );
    expect(schemaErrors).toHaveLength(50);
    expect(schemaErrors.every((error) => error.code === 'xml_unknown_element')).toBe(true);
  });

  it('never defines entities even when asked to read a tree directly', () => {
    const result = readXmlTree('<a>&lt;&amp;&#x41;&unknown;</a>');
    expect(result).toEqual({
      ok: false,
      issues: [expect.objectContaining({ message: 'undefined entity.' })],
    });
  });
});
