import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../db/database.js';
import { ATTACHMENT_LIMITS, attachmentUrl } from '../domain/attachment.js';
import { newId } from '../ids.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import { createTestApp } from '../test-support/app.js';
import { startChat } from '../test-support/conversations.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

const fixture = (name: string) =>
  fs.readFileSync(new URL(`../attachments/fixtures/${name}`, import.meta.url));

/** A multipart body with one file field, as a browser's FormData sends it. */
async function form(bytes: Buffer, fileName: string, type = 'application/octet-stream', field = 'file') {
  const data = new FormData();
  data.append(field, new Blob([new Uint8Array(bytes)], { type }), fileName);
  const request = new Request('http://x/', { method: 'POST', body: data });
  return {
    contentType: request.headers.get('content-type')!,
    payload: Buffer.from(await request.arrayBuffer()),
  };
}

describeStorage('attachments API (%s)', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let chat: Awaited<ReturnType<typeof startChat>>;
  let other: Awaited<ReturnType<typeof startChat>>;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    app = (await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' })).app;
    chat = await startChat(app, 'ada@example.org');
    other = await startChat(app, 'eve@example.org');
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  const upload = async (
    bytes: Buffer,
    fileName: string,
    options: { type?: string; field?: string; as?: typeof chat } = {},
  ) => {
    const body = await form(bytes, fileName, options.type, options.field);
    return app.inject({
      method: 'POST',
      url: '/api/attachments',
      headers: { ...(options.as ?? chat).headers, 'content-type': body.contentType },
      payload: body.payload,
    });
  };
  const get = (url: string, as = chat) => app.inject({ method: 'GET', url, headers: as.headers });

  it('stores a PDF: 201 with the Attachment, its text, its bytes as a download', async () => {
    const res = await upload(fixture('hello.pdf'), 'Report “Q3”.pdf', { type: 'image/png' });
    expect(res.statusCode, res.body).toBe(201);
    const { attachment } = res.json();
    expect(attachment).toEqual({
      id: expect.any(String),
      url: `/api/attachments/${attachment.id}`,
      name: 'Report “Q3”.pdf',
      mediaType: 'application/pdf',
      sizeBytes: fixture('hello.pdf').length,
      kind: 'document',
      width: null,
      height: null,
      textChars: 'Hello from Lumina.\nThis PDF has two pages.\n\nSecond page: the quick brown fox.'.length,
      truncated: false,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    const text = await get(`${attachment.url}/text`);
    expect(text.statusCode).toBe(200);
    expect(text.json()).toEqual({
      text: 'Hello from Lumina.\nThis PDF has two pages.\n\nSecond page: the quick brown fox.',
      truncated: false,
    });
    expect((await get(`${attachment.url}/meta`)).json()).toEqual({ attachment });

    const bytes = await get(attachment.url);
    expect(bytes.statusCode).toBe(200);
    expect(bytes.rawPayload.equals(fixture('hello.pdf'))).toBe(true);
    expect(bytes.headers['content-type']).toBe('application/pdf');
    expect(bytes.headers['x-content-type-options']).toBe('nosniff');
    expect(bytes.headers['content-security-policy']).toBe("sandbox; default-src 'none'");
    expect(bytes.headers['cache-control']).toBe('private, max-age=31536000, immutable');
    expect(bytes.headers['content-disposition']).toBe(
      `attachment; filename="Report _Q3_.pdf"; filename*=UTF-8''Report%20%E2%80%9CQ3%E2%80%9D.pdf`,
    );
  });

  it('stores a DOCX and text files with their text; a picture inline with its pixels', async () => {
    const docx = await upload(fixture('hello.docx'), 'letter.docx');
    expect(docx.statusCode, docx.body).toBe(201);
    expect(docx.json().attachment).toMatchObject({
      kind: 'document',
      mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      textChars: 'Hello from a Word document.\n\nSecond paragraph: café – naïve.'.length,
    });

    const md = await upload(fixture('notes.md'), 'notes.md', { type: 'text/markdown' });
    expect(md.json().attachment).toMatchObject({ mediaType: 'text/markdown', kind: 'document' });
    const served = await get(md.json().attachment.url);
    expect(served.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(served.body).toBe(fixture('notes.md').toString('utf8'));

    const png = await sharp({ create: { width: 3000, height: 1500, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    const image = await upload(png, 'wide.png', { type: 'image/png' });
    expect(image.statusCode, image.body).toBe(201);
    const { attachment } = image.json();
    expect(attachment).toMatchObject({
      kind: 'image',
      mediaType: 'image/png',
      width: 2048,
      height: 1024,
      textChars: null,
      truncated: false,
    });
    const picture = await get(attachment.url);
    expect(picture.headers['content-type']).toBe('image/png');
    expect(picture.headers['content-disposition']).toBe(
      `inline; filename="wide.png"; filename*=UTF-8''wide.png`,
    );
    expect(picture.headers['x-content-type-options']).toBe('nosniff');
    expect(picture.headers['content-security-policy']).toBe("sandbox; default-src 'none'");
    expect(await sharp(picture.rawPayload).metadata()).toMatchObject({ width: 2048, height: 1024 });
    expect(attachment.sizeBytes).toBe(picture.rawPayload.length);
    // A picture has no text.
    expect((await get(`${attachment.url}/text`)).json().error.code).toBe('attachment_not_found');
  });

  it('stores a document without text with textChars 0', async () => {
    const blank = await upload(Buffer.from('   \n'), 'blank.txt', { type: 'text/plain' });
    expect(blank.statusCode, blank.body).toBe(201);
    expect(blank.json().attachment).toMatchObject({ textChars: 0, truncated: false });
    const scan = await upload(fixture('blank.pdf'), 'scan.pdf');
    expect(scan.statusCode, scan.body).toBe(201);
    expect(scan.json().attachment).toMatchObject({ kind: 'document', textChars: 0, truncated: false });
    expect((await get(`${scan.json().attachment.url}/text`)).json()).toEqual({ text: '', truncated: false });
  });

  it('cuts long text at the limit and says truncated', async () => {
    const long = Buffer.from('x'.repeat(ATTACHMENT_LIMITS.maxTextChars + 10));
    const res = await upload(long, 'long.txt');
    expect(res.json().attachment).toMatchObject({
      textChars: ATTACHMENT_LIMITS.maxTextChars,
      truncated: true,
    });
    const text = (await get(`${res.json().attachment.url}/text`)).json();
    expect(text.truncated).toBe(true);
    expect(text.text).toHaveLength(ATTACHMENT_LIMITS.maxTextChars);
  });

  it('answers 413 attachment_too_large past 20 MB, pictures past 10 MB and pixel bombs', async () => {
    const huge = await upload(Buffer.alloc(ATTACHMENT_LIMITS.maxDocumentBytes + 1, 0x61), 'huge.txt');
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('attachment_too_large');

    // A JPEG signature and 11 MB: refused by size before anything is decoded.
    const bigJpeg = Buffer.alloc(11 * 1024 * 1024);
    bigJpeg.set([0xff, 0xd8, 0xff, 0xe0]);
    const big = await upload(bigJpeg, 'big.jpg');
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toMatchObject({
      code: 'attachment_too_large',
      details: { limitBytes: ATTACHMENT_LIMITS.maxImageBytes },
    });

    const bomb = await upload(fixture('pixel-bomb.png'), 'bomb.png');
    expect(bomb.statusCode).toBe(413);
    expect(bomb.json().error).toMatchObject({
      code: 'attachment_too_large',
      details: { width: 100_000, height: 100_000 },
    });
  });

  it('answers 415 attachment_unsupported_type for what its bytes are not', async () => {
    for (const [name, type] of [
      ['text-named.png', 'image/png'],
      ['with-nul.txt', 'text/plain'],
      ['not-word.zip', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ] as const) {
      const res = await upload(fixture(name), name, { type });
      expect(res.statusCode, name).toBe(415);
      expect(res.json().error.code, name).toBe('attachment_unsupported_type');
    }
    const exe = await upload(Buffer.from([0x4d, 0x5a, 0x90, 0x00]), 'setup.exe');
    expect(exe.statusCode).toBe(415);
  });

  it('answers 422 attachment_unreadable for encrypted and damaged PDFs and a zip bomb', async () => {
    const encrypted = await upload(fixture('encrypted.pdf'), 'secret.pdf');
    expect(encrypted.statusCode).toBe(422);
    expect(encrypted.json().error).toMatchObject({
      code: 'attachment_unreadable',
      message: expect.stringMatching(/password/),
      details: { reason: 'encrypted' },
    });
    const corrupt = await upload(fixture('corrupt.pdf'), 'broken.pdf');
    expect(corrupt.statusCode).toBe(422);
    expect(corrupt.json().error).toMatchObject({
      code: 'attachment_unreadable',
      details: { reason: 'corrupt' },
    });
    const bomb = await upload(fixture('bomb.docx'), 'bomb.docx');
    expect(bomb.statusCode).toBe(422);
    expect(bomb.json().error).toMatchObject({
      code: 'attachment_unreadable',
      details: { reason: 'archive_bomb' },
    });
    // Nothing was stored for any of them.
    const [row] = await queryRows<{ n: number }>(
      storage.db,
      sql`select count(*)::int as n from files where kind = 'attachment' and name in ('secret.pdf', 'broken.pdf', 'bomb.docx')`,
    );
    expect(row!.n).toBe(0);
  });

  it('answers 400 without a file, or with the file in another field', async () => {
    const wrongField = await upload(fixture('notes.md'), 'notes.md', { field: 'document' });
    expect(wrongField.statusCode).toBe(400);
    const json = await app.inject({
      method: 'POST',
      url: '/api/attachments',
      headers: chat.headers,
      payload: {},
    });
    expect(json.statusCode).toBe(400);
  });

  it("keeps each person's attachments to themselves (404 for anyone else)", async () => {
    const { attachment } = (await upload(fixture('hello.pdf'), 'mine.pdf')).json();
    for (const url of [attachment.url, `${attachment.url}/text`, `${attachment.url}/meta`]) {
      const res = await get(url, other);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('attachment_not_found');
    }
    const deleted = await app.inject({ method: 'DELETE', url: attachment.url, headers: other.headers });
    expect(deleted.statusCode).toBe(404);
    expect((await get(attachment.url)).statusCode).toBe(200);
  });

  it('deletes an unused attachment (204) and refuses one a message uses (409 attachment_in_use)', async () => {
    const unused = (await upload(fixture('notes.md'), 'unused.md')).json().attachment;
    expect((await app.inject({ method: 'DELETE', url: unused.url, headers: chat.headers })).statusCode).toBe(
      204,
    );
    expect((await get(unused.url)).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: unused.url, headers: chat.headers })).statusCode).toBe(
      404,
    );

    const used = (await upload(fixture('hello.pdf'), 'used.pdf')).json().attachment;
    // A user message as a send stores it: the text, then one file part per attachment.
    await createMessageRepository(storage.db).insertMany([
      {
        id: newId(),
        conversationId: chat.conversationId,
        ownerId: chat.userId,
        parentId: chat.greetingId,
        role: 'user',
        content: 'Read this',
        parts: [
          { type: 'text', text: 'Read this' },
          { type: 'file', url: attachmentUrl(used.id), mediaType: 'application/pdf', name: 'used.pdf' },
        ],
        status: 'complete',
      },
    ]);
    const refused = await app.inject({ method: 'DELETE', url: used.url, headers: chat.headers });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('attachment_in_use');
    expect((await get(used.url)).statusCode).toBe(200);
  });
});

describe('attachment URLs', () => {
  it('round-trip through attachmentIdOfUrl', async () => {
    const { attachmentIdOfUrl } = await import('../domain/attachment.js');
    const id = newId();
    expect(attachmentIdOfUrl(attachmentUrl(id))).toBe(id);
    expect(attachmentIdOfUrl(`/api/avatars/${id}/image`)).toBeNull();
    expect(attachmentIdOfUrl(`${attachmentUrl(id)}/text`)).toBeNull();
    expect(attachmentIdOfUrl('/api/attachments/not-an-id')).toBeNull();
  });
});
