import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LuminaServer, startLumina } from './support/server.js';

/**
 * Attachments through the built server (`npm start` runs the esbuild bundle): the text of PDFs
 * and Word files is read by the bundle's own worker entry, which loads pdfjs from node_modules.
 * The route suites run the sources; only this proves the bundle finds its worker and parsers.
 */
const fixture = (name: string) =>
  fs.readFileSync(new URL(`../packages/server/src/attachments/fixtures/${name}`, import.meta.url));

let server: LuminaServer;
let cookie: string;
const headers = () => ({ 'x-lumina-csrf': '1', cookie });

beforeAll(async () => {
  server = await startLumina();
  const signup = await fetch(`${server.url}/api/auth/signup`, {
    method: 'POST',
    headers: { 'x-lumina-csrf': '1', 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'files@example.org', password: 'a long enough passphrase', name: 'Files' }),
  });
  expect(signup.status).toBe(201);
  cookie = signup.headers
    .getSetCookie()
    .find((c) => c.startsWith('lumina_session='))!
    .split(';')[0]!;
});

afterAll(async () => {
  await server?.stop();
});

interface UploadAnswer {
  attachment: { url: string; textChars: number };
  error?: { code: string; details?: Record<string, unknown> };
}

async function upload(name: string) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(fixture(name))]), name);
  const response = await fetch(`${server.url}/api/attachments`, {
    method: 'POST',
    headers: headers(),
    body: form,
  });
  return { status: response.status, body: (await response.json()) as UploadAnswer };
}

describe('attachments in the built server', () => {
  it('reads the text of a PDF and a DOCX', async () => {
    const pdf = await upload('hello.pdf');
    expect(pdf.status, JSON.stringify(pdf.body)).toBe(201);
    const text = await fetch(`${server.url}${pdf.body.attachment.url}/text`, { headers: headers() });
    expect(await text.json()).toEqual({
      text: 'Hello from Lumina.\nThis PDF has two pages.\n\nSecond page: the quick brown fox.',
      truncated: false,
    });
    const docx = await upload('hello.docx');
    expect(docx.status, JSON.stringify(docx.body)).toBe(201);
    expect(docx.body.attachment.textChars).toBe(60);
  });

  it('refuses a password-protected PDF and a zip bomb', async () => {
    expect((await upload('encrypted.pdf')).body.error).toMatchObject({
      code: 'attachment_unreadable',
      details: { reason: 'encrypted' },
    });
    expect((await upload('bomb.docx')).body.error).toMatchObject({
      code: 'attachment_unreadable',
      details: { reason: 'archive_bomb' },
    });
  });
});
