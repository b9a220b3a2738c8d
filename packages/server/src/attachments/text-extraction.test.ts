import fs from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ATTACHMENT_LIMITS } from '../domain/attachment.js';
import { AppError } from '../errors.js';
import {
  CONCURRENT_EXTRACTIONS,
  DocumentUnreadable,
  extractDocumentText,
  MAX_WAITING_EXTRACTIONS,
} from './text-extraction.js';

const fixture = (name: string) => fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const yazl = createRequire(import.meta.url)('yazl') as typeof import('yazl');

/** The reason a document is refused with, or a failure when it is not refused. */
async function refusal(
  kind: 'pdf' | 'docx',
  bytes: Buffer,
  bounds?: { timeoutMs: number; maxHeapMb: number },
) {
  try {
    await extractDocumentText(kind, bytes, bounds);
  } catch (err) {
    if (err instanceof DocumentUnreadable) return { reason: err.reason, message: err.message };
    throw err;
  }
  throw new Error('the document was read');
}

/** A DOCX whose one paragraph is `text`. */
function docxOf(text: string): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(
    Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    ),
    '[Content_Types].xml',
  );
  zip.addBuffer(
    Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    ),
    '_rels/.rels',
  );
  zip.addBuffer(
    Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>${text}</w:t></w:r></w:p></w:body></w:document>`,
    ),
    'word/document.xml',
  );
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

describe('document text extraction (worker thread)', () => {
  it('reads the text of every page of a PDF', async () => {
    expect(await extractDocumentText('pdf', fixture('hello.pdf'))).toEqual({
      text: 'Hello from Lumina.\nThis PDF has two pages.\n\nSecond page: the quick brown fox.',
      truncated: false,
    });
  });

  it('reads the text of a DOCX', async () => {
    expect(await extractDocumentText('docx', fixture('hello.docx'))).toEqual({
      text: 'Hello from a Word document.\n\nSecond paragraph: café – naïve.',
      truncated: false,
    });
  });

  it('refuses a password-protected PDF and says why', async () => {
    const refused = await refusal('pdf', fixture('encrypted.pdf'));
    expect(refused.reason).toBe('encrypted');
    expect(refused.message).toMatch(/password/);
  });

  it('refuses a damaged PDF', async () => {
    expect(await refusal('pdf', fixture('corrupt.pdf'))).toMatchObject({ reason: 'corrupt' });
    // A real PDF cut in half.
    const cut = fixture('hello.pdf').subarray(0, 200);
    expect(await refusal('pdf', Buffer.from(cut))).toMatchObject({ reason: 'corrupt' });
  });

  it('refuses a zip bomb from its headers, and one whose headers lie while inflating', async () => {
    const bomb = await refusal('docx', fixture('bomb.docx'));
    expect(bomb).toMatchObject({ reason: 'archive_bomb' });
    expect(bomb.message).toMatch(/compressed \d+:1/);
    const lying = await refusal('docx', fixture('lying-sizes.docx'));
    expect(lying).toMatchObject({ reason: 'archive_bomb' });
    expect(lying.message).toMatch(/more than the 2000 bytes its header declares/);
  });

  it('refuses a damaged DOCX', async () => {
    const cut = fixture('hello.docx').subarray(0, 400);
    expect(await refusal('docx', Buffer.from(cut))).toMatchObject({ reason: 'corrupt' });
  });

  it('cuts text past the limit and says so', async () => {
    const long = 'word '.repeat(ATTACHMENT_LIMITS.maxTextChars / 5 + 100);
    const read = await extractDocumentText('docx', await docxOf(long));
    expect(read.truncated).toBe(true);
    expect(read.text).toHaveLength(ATTACHMENT_LIMITS.maxTextChars);
    expect(read.text.startsWith('word word ')).toBe(true);
  });

  it('stops a worker at the time cap, and one that runs out of its heap, without harming the server', async () => {
    expect(await refusal('pdf', fixture('hello.pdf'), { timeoutMs: 1, maxHeapMb: 256 })).toMatchObject({
      reason: 'timeout',
    });
    expect(await refusal('pdf', fixture('hello.pdf'), { timeoutMs: 30_000, maxHeapMb: 2 })).toMatchObject({
      reason: 'too_complex',
    });
    // The process goes on reading documents.
    expect((await extractDocumentText('pdf', fixture('hello.pdf'))).text).toContain('Hello from Lumina.');
  });

  it('runs two at once, lets eight wait and refuses more with 503 service_busy', async () => {
    const pdf = fixture('hello.pdf');
    const calls = CONCURRENT_EXTRACTIONS + MAX_WAITING_EXTRACTIONS + 2;
    const outcomes = await Promise.allSettled(
      Array.from({ length: calls }, () => extractDocumentText('pdf', pdf)),
    );
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(refused).toHaveLength(2);
    for (const o of refused) {
      const reason = (o as PromiseRejectedResult).reason as AppError;
      expect(reason).toBeInstanceOf(AppError);
      expect(reason).toMatchObject({ status: 503, code: 'service_busy' });
    }
    for (const o of outcomes.filter((o) => o.status === 'fulfilled'))
      expect((o as PromiseFulfilledResult<{ text: string }>).value.text).toContain('Hello from Lumina.');
    // The queue drained: the next one runs.
    expect((await extractDocumentText('pdf', pdf)).truncated).toBe(false);
  });
});
