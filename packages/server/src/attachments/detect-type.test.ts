import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sanitizeAttachmentName } from './attachment-name.js';
import { storableText } from './attachment-text.js';
import { DOCX_MEDIA_TYPE, detectType, looksLikeZip } from './detect-type.js';
import { isWordDocument } from './docx-archive.js';

const fixture = (name: string) => fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

/** What detectType decides for a fixture, the zip check done as the service does it. */
async function detect(name: string, claimedType?: string) {
  const bytes = fixture(name);
  return detectType(bytes, {
    name,
    claimedType,
    isWordDocument: looksLikeZip(bytes) && (await isWordDocument(bytes)),
  });
}

describe('attachment type detection (by bytes)', () => {
  it('recognizes PDF and DOCX from their bytes whatever they are called', async () => {
    expect(await detect('hello.pdf')).toEqual({ kind: 'pdf', mediaType: 'application/pdf' });
    expect(await detect('hello.docx')).toEqual({ kind: 'docx', mediaType: DOCX_MEDIA_TYPE });
    const pdf = fixture('hello.pdf');
    expect(
      detectType(pdf, { name: 'photo.png', claimedType: 'image/png', isWordDocument: false }),
    ).toMatchObject({
      kind: 'pdf',
    });
  });

  it('refuses a zip that is not a Word document', async () => {
    expect(await detect('not-word.zip')).toBeUndefined();
    // Named .docx changes nothing.
    const bytes = fixture('not-word.zip');
    expect(
      detectType(bytes, {
        name: 'x.docx',
        claimedType: DOCX_MEDIA_TYPE,
        isWordDocument: await isWordDocument(bytes),
      }),
    ).toBeUndefined();
  });

  it('recognizes pictures by signature', () => {
    const cases: [number[], string][] = [
      [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0], 'image/png'],
      [[0xff, 0xd8, 0xff, 0xe0, 0], 'image/jpeg'],
      [[...Buffer.from('GIF89a'), 0], 'image/gif'],
      [[...Buffer.from('RIFF'), 1, 2, 3, 4, ...Buffer.from('WEBPVP8 ')], 'image/webp'],
    ];
    for (const [bytes, mediaType] of cases) {
      expect(
        detectType(Buffer.from(bytes), {
          name: 'notes.txt',
          claimedType: 'text/plain',
          isWordDocument: false,
        }),
      ).toMatchObject({
        kind: 'image',
        mediaType,
      });
    }
  });

  it('takes text by name or claimed type, only when it is UTF-8 without NUL', async () => {
    expect(await detect('notes.md')).toMatchObject({ kind: 'text', mediaType: 'text/markdown' });
    expect(await detect('table.csv')).toMatchObject({
      kind: 'text',
      mediaType: 'text/csv',
      text: 'name,age\nAda,36\nAlan,41\n',
    });
    const plain = detectType(Buffer.from('hello'), {
      name: 'upload',
      claimedType: 'text/plain; charset=utf-8',
      isWordDocument: false,
    });
    expect(plain).toEqual({ kind: 'text', mediaType: 'text/plain', text: 'hello' });
    // A BOM is not part of the text.
    const bom = detectType(Buffer.from([0xef, 0xbb, 0xbf, 0x68, 0x69]), {
      name: 'a.txt',
      claimedType: undefined,
      isWordDocument: false,
    });
    expect(bom).toMatchObject({ text: 'hi' });
    expect(await detect('with-nul.txt', 'text/plain')).toBeUndefined();
    const latin1 = Buffer.from('caf\xe9', 'latin1');
    expect(
      detectType(latin1, { name: 'a.txt', claimedType: 'text/plain', isWordDocument: false }),
    ).toBeUndefined();
  });

  it('does not take text that claims to be a picture', async () => {
    expect(await detect('text-named.png', 'image/png')).toBeUndefined();
    expect(await detect('text-named.png', 'application/octet-stream')).toBeUndefined();
  });
});

describe('attachment names', () => {
  it('keeps the last path segment without control or bidi characters', () => {
    expect(sanitizeAttachmentName('C:\\Users\\ada\\report.pdf')).toBe('report.pdf');
    expect(sanitizeAttachmentName('../../etc/passwd')).toBe('passwd');
    expect(sanitizeAttachmentName('evil\u202egpj.exe')).toBe('evilgpj.exe');
    expect(sanitizeAttachmentName('a\u0000b\r\n.txt')).toBe('ab.txt');
    expect(sanitizeAttachmentName('   ')).toBe('attachment');
    expect(sanitizeAttachmentName(undefined)).toBe('attachment');
    expect(sanitizeAttachmentName('..')).toBe('attachment');
  });

  it('shortens long names to 255 characters, keeping the extension', () => {
    const name = sanitizeAttachmentName(`${'é'.repeat(400)}.pdf`);
    expect([...name]).toHaveLength(255);
    expect(name.endsWith('.pdf')).toBe(true);
  });
});

describe('storable text', () => {
  it('removes NUL and lone surrogates and normalizes line ends', () => {
    expect(storableText('a\u0000b\r\nc\rd\ud800')).toEqual({ text: 'ab\nc\nd\ufffd', truncated: false });
  });

  it('cuts at the limit without splitting a surrogate pair', () => {
    expect(storableText('abcdef', 4)).toEqual({ text: 'abcd', truncated: true });
    expect(storableText('abc😀def', 4)).toEqual({ text: 'abc', truncated: true });
    expect(storableText('abcd', 4)).toEqual({ text: 'abcd', truncated: false });
  });
});
