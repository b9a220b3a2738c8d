import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../db/database.js';
import { KNOWLEDGE_LIMITS } from '../domain/memory.js';
import { waitFor } from '../jobs/job-queue.conformance.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { createPgBossJobQueue } from '../jobs/pg-boss-job-queue.js';
import { createKnowledgeRepository } from '../repositories/knowledge.repository.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { textPdf } from '../test-support/text-pdf.js';

const attachmentFixture = (name: string) =>
  fs.readFileSync(new URL(`../attachments/fixtures/${name}`, import.meta.url));

type User = Awaited<ReturnType<typeof signup>>;
interface FileToSend {
  name: string;
  bytes: Buffer | string;
  type?: string;
}

/** A multipart body with each file in a `file` field. */
async function multipart(files: FileToSend[]) {
  const form = new FormData();
  for (const file of files) {
    const data = typeof file.bytes === 'string' ? file.bytes : new Uint8Array(file.bytes);
    form.append('file', new Blob([data], file.type ? { type: file.type } : {}), file.name);
  }
  const request = new Request('http://x/', { method: 'POST', body: form });
  return {
    contentType: request.headers.get('content-type')!,
    payload: Buffer.from(await request.arrayBuffer()),
  };
}

/** Two pages of sentences, each page long enough for chunks of its own. */
const MANUAL_PAGES = [1, 2].map((page) =>
  Array.from(
    { length: 40 },
    (_, i) => `Page ${page} line ${i}: the lighthouse keeper logs the tide at ${page * 100 + i} hours.`,
  ),
);

/**
 * Knowledge documents over HTTP, indexed by the durable `knowledge-index` job on each storage:
 * a PDF made at test time is read page by page and its chunks keep their pages; HTML loses its
 * scripts; a damaged or password-protected PDF fails with its code; limits and ownership hold.
 */
describeStorage('avatar documents (%s)', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let jobs: JobQueue;
  let ada: User;
  let bob: User;
  let avatarId: string;

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, user: User, payload?: object) =>
    app.inject({ method, url, headers: { ...CSRF, cookie: user.cookie }, ...(payload ? { payload } : {}) });

  const upload = async (user: User, avatar: string, files: FileToSend[]) => {
    const body = await multipart(files);
    return app.inject({
      method: 'POST',
      url: `/api/avatars/${avatar}/documents`,
      headers: { ...CSRF, cookie: user.cookie, 'content-type': body.contentType },
      payload: body.payload,
    });
  };

  const createAvatar = async (user: User, payload: object = {}) => {
    const res = await call('POST', '/api/avatars', user, { name: 'Librarian', ...payload });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().avatar.id as string;
  };

  /** The documents once none is queued or indexing any more. */
  const settled = async (user: User, avatar: string) => {
    let documents: { id: string; status: string }[] = [];
    await waitFor(async () => {
      documents = (await call('GET', `/api/avatars/${avatar}/documents`, user)).json().documents;
      return documents.every((d) => d.status === 'ready' || d.status === 'failed');
    }, 'the documents to be indexed');
    return documents as unknown as Array<
      Record<string, unknown> & { id: string; status: string; name: string }
    >;
  };

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    jobs = createPgBossJobQueue({ db: storage.db, log: { warn: () => {} }, pollIntervalMs: 50 });
    app = (
      await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' }, undefined, undefined, jobs)
    ).app;
    await jobs.start();
    ada = await signup(app, 'ada@example.org');
    bob = await signup(app, 'bob@example.org');
    avatarId = await createAvatar(ada);
  });
  afterAll(async () => {
    await app?.close();
    await jobs?.stop({ drainMs: 0 });
    await storage?.close();
  });

  it('indexes a PDF page by page, Markdown and HTML, and shows the progress', async () => {
    const res = await upload(ada, avatarId, [
      { name: 'manual.pdf', bytes: textPdf(MANUAL_PAGES), type: 'application/octet-stream' },
      { name: 'notes.md', bytes: '# Notes\n\nThe spare key is under the blue flowerpot.\n' },
      {
        name: 'page.html',
        bytes:
          '<!doctype html><html><head><title>T</title><style>p{color:red}</style></head><body><h1>Opening hours</h1><script>alert("pwned")</script><p>Open from 9&nbsp;to 5 &amp; closed on Sundays.</p><ul><li>Tea</li><li>Cake</li></ul></body></html>',
        type: 'text/html',
      },
    ]);
    expect(res.statusCode, res.body).toBe(201);
    const uploaded = res.json().documents as Array<{
      id: string;
      name: string;
      status: string;
      mediaType: string;
    }>;
    expect(uploaded.map((d) => [d.name, d.status, d.mediaType])).toEqual([
      ['manual.pdf', 'queued', 'application/pdf'],
      ['notes.md', 'queued', 'text/markdown'],
      ['page.html', 'queued', 'text/html'],
    ]);
    expect(uploaded[0]).not.toHaveProperty('ownerId');
    expect(uploaded[0]).not.toHaveProperty('fileId');

    const documents = await settled(ada, avatarId);
    const pdf = documents.find((d) => d.name === 'manual.pdf')!;
    expect(pdf).toMatchObject({
      status: 'ready',
      pageCount: 2,
      truncated: false,
      error: null,
      embeddedCount: 0,
    });
    expect(pdf.chunkCount as number).toBeGreaterThanOrEqual(4);

    const repository = createKnowledgeRepository(storage.db);
    const chunks = await repository.chunksOwned(ada.user.id, pdf.id);
    expect(chunks).toHaveLength(pdf.chunkCount as number);
    expect(chunks.every((c) => c.avatarId === avatarId)).toBe(true);
    // Every chunk starts on the page its first line is from (a chunk may run over a page's end).
    for (const chunk of chunks) {
      const first = /^Page (\d) line/.exec(chunk.content);
      expect(first, chunk.content.slice(0, 40)).not.toBeNull();
      expect(chunk.page).toBe(Number(first![1]));
    }
    expect(new Set(chunks.map((c) => c.page))).toEqual(new Set([1, 2]));
    expect(
      chunks.some((c) =>
        c.content.includes('Page 2 line 39: the lighthouse keeper logs the tide at 239 hours.'),
      ),
    ).toBe(true);

    const html = documents.find((d) => d.name === 'page.html')!;
    expect(html).toMatchObject({ status: 'ready', pageCount: null, chunkCount: 1 });
    const [htmlChunk] = await repository.chunksOwned(ada.user.id, html.id);
    expect(htmlChunk).toMatchObject({ page: null });
    expect(htmlChunk!.content).toBe(
      'Opening hours\n\nOpen from 9 to 5 & closed on Sundays.\n\n- Tea\n- Cake',
    );

    const markdown = documents.find((d) => d.name === 'notes.md')!;
    expect(markdown).toMatchObject({ status: 'ready', chunkCount: 1 });
    // The names recall cites are stored with the chunks' documents.
    const cited = await queryRows<{ name: string; page: number | null }>(
      storage.db,
      sql`select d.name, k.page from knowledge_chunks k join knowledge_documents d on d.id = k.document_id
          where k.owner_id = ${ada.user.id} and k.content like '%flowerpot%'`,
    );
    expect(cited).toEqual([{ name: 'notes.md', page: null }]);
  });

  it('answers one document, its original file, and deletes document, chunks and file at once', async () => {
    const bytes = textPdf([['A short leaflet about (round) brackets.']]);
    const res = await upload(ada, avatarId, [{ name: 'leaflet.pdf', bytes }]);
    const { id } = res.json().documents[0];
    await settled(ada, avatarId);

    const one = await call('GET', `/api/avatars/${avatarId}/documents/${id}`, ada);
    expect(one.statusCode).toBe(200);
    expect(one.json().document).toMatchObject({ id, status: 'ready', chunkCount: 1, pageCount: 1 });

    const file = await call('GET', `/api/avatars/${avatarId}/documents/${id}/file`, ada);
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.equals(bytes)).toBe(true);
    expect(file.headers['content-disposition']).toMatch(/^attachment; filename="leaflet.pdf"/);
    expect(file.headers['x-content-type-options']).toBe('nosniff');
    expect(file.headers['content-type']).toBe('application/pdf');

    const fileId = (
      await queryRows<{ file_id: string }>(
        storage.db,
        sql`select file_id from knowledge_documents where id = ${id}`,
      )
    )[0]!.file_id;
    const deleted = await call('DELETE', `/api/avatars/${avatarId}/documents/${id}`, ada);
    expect(deleted.statusCode).toBe(204);
    expect((await call('GET', `/api/avatars/${avatarId}/documents/${id}`, ada)).statusCode).toBe(404);
    const left = await queryRows<{ n: number }>(
      storage.db,
      sql`select (select count(*) from knowledge_chunks where document_id = ${id})
               + (select count(*) from files where id = ${fileId}) as n`,
    );
    expect(Number(left[0]!.n)).toBe(0);
    expect((await call('DELETE', `/api/avatars/${avatarId}/documents/${id}`, ada)).statusCode).toBe(404);
  });

  it('fails a damaged, a password-protected and a textless PDF with their codes', async () => {
    const own = await createAvatar(ada);
    const res = await upload(ada, own, [
      { name: 'corrupt.pdf', bytes: attachmentFixture('corrupt.pdf') },
      { name: 'encrypted.pdf', bytes: attachmentFixture('encrypted.pdf') },
      { name: 'blank.pdf', bytes: attachmentFixture('blank.pdf') },
      { name: 'bomb.docx', bytes: attachmentFixture('bomb.docx') },
    ]);
    expect(res.statusCode, res.body).toBe(201);
    const documents = await settled(ada, own);
    const byName = Object.fromEntries(documents.map((d) => [d.name, d]));
    expect(byName['corrupt.pdf']).toMatchObject({
      status: 'failed',
      chunkCount: 0,
      error: { code: 'document_corrupt' },
    });
    expect(byName['encrypted.pdf']).toMatchObject({
      status: 'failed',
      error: { code: 'document_encrypted' },
    });
    expect((byName['encrypted.pdf']!.error as { message: string }).message).toMatch(/password/);
    expect(byName['blank.pdf']).toMatchObject({
      status: 'failed',
      pageCount: 1,
      error: { code: 'document_empty' },
    });
    expect(byName['bomb.docx']).toMatchObject({ status: 'failed', error: { code: 'document_archive_bomb' } });
    const stats = (await jobs.stats()).find((s) => s.name === 'knowledge-index');
    expect(stats).toMatchObject({ failed: 0 }); // an unreadable file is the document's failure, not the job's
  });

  it('refuses an oversize file (413), an unsupported one (415) and an upload past the limit (409)', async () => {
    const own = await createAvatar(ada);
    const big = await upload(ada, own, [
      { name: 'big.txt', bytes: Buffer.alloc(KNOWLEDGE_LIMITS.fileBytes + 1, 0x61) },
    ]);
    expect(big.statusCode, big.body).toBe(413);
    expect(big.json().error.code).toBe('file_too_large');
    // Files each within the limit, together more than one request may hold.
    const many = await upload(
      ada,
      own,
      Array.from({ length: 3 }, (_, i) => ({
        name: `part${i}.txt`,
        bytes: Buffer.alloc(KNOWLEDGE_LIMITS.fileBytes, 0x61),
      })),
    );
    expect(many.statusCode, many.body).toBe(413);
    expect(many.json().error).toMatchObject({
      code: 'payload_too_large',
      details: { limitBytes: 50_000_000 },
    });

    const picture = await upload(ada, own, [
      { name: 'ok.md', bytes: 'fine' },
      { name: 'face.png', bytes: attachmentFixture('pixel-bomb.png') },
    ]);
    expect(picture.statusCode).toBe(415);
    expect(picture.json().error).toMatchObject({
      code: 'unsupported_file_type',
      details: { fileName: 'face.png' },
    });
    const latin1 = await upload(ada, own, [
      { name: 'old.html', bytes: Buffer.from('<p>caf\xe9</p>', 'latin1') },
    ]);
    expect(latin1.statusCode).toBe(415);
    // All or none: the Markdown file beside the picture was not added either.
    expect((await call('GET', `/api/avatars/${own}/documents`, ada)).json().documents).toEqual([]);

    // Fill the avatar to one below its limit, then two more are one too many.
    const filler = Array.from({ length: KNOWLEDGE_LIMITS.documentsPerAvatar - 1 }, (_, i) => ({
      name: `n${i}.txt`,
      mediaType: 'text/plain',
      bytes: Buffer.from(`note ${i}`),
      sha256: 'x',
    }));
    const added = await createKnowledgeRepository(storage.db).addDocuments(
      ada.user.id,
      own,
      filler,
      KNOWLEDGE_LIMITS.documentsPerAvatar,
    );
    expect(added.ok).toBe(true);
    const over = await upload(ada, own, [
      { name: 'a.txt', bytes: 'a' },
      { name: 'b.txt', bytes: 'b' },
    ]);
    expect(over.statusCode).toBe(409);
    expect(over.json().error).toMatchObject({
      code: 'knowledge_limit_reached',
      details: { limit: KNOWLEDGE_LIMITS.documentsPerAvatar, count: KNOWLEDGE_LIMITS.documentsPerAvatar - 1 },
    });
    expect((await upload(ada, own, [{ name: 'a.txt', bytes: 'a' }])).statusCode).toBe(201);
  });

  it("keeps one person's documents from another: 404 everywhere, shared avatars included", async () => {
    const res = await upload(ada, avatarId, [{ name: 'private.txt', bytes: 'Ada’s private note.' }]);
    const { id } = res.json().documents[0];
    for (const url of [
      `/api/avatars/${avatarId}/documents`,
      `/api/avatars/${avatarId}/documents/${id}`,
      `/api/avatars/${avatarId}/documents/${id}/file`,
    ]) {
      expect((await call('GET', url, bob)).statusCode, url).toBe(404);
    }
    expect((await call('DELETE', `/api/avatars/${avatarId}/documents/${id}`, bob)).statusCode).toBe(404);
    expect((await upload(bob, avatarId, [{ name: 'x.txt', bytes: 'x' }])).statusCode).toBe(404);
    // Bob's own avatar does not open Ada's document either.
    const bobs = await createAvatar(bob);
    expect((await call('GET', `/api/avatars/${bobs}/documents/${id}`, bob)).statusCode).toBe(404);

    const shared = await createAvatar(ada, { visibility: 'instance' });
    expect((await call('GET', `/api/avatars/${shared}`, bob)).statusCode).toBe(200); // Bob sees the avatar
    expect((await upload(bob, shared, [{ name: 'x.txt', bytes: 'x' }])).statusCode).toBe(404);
    expect((await call('GET', `/api/avatars/${shared}/documents`, bob)).statusCode).toBe(404);
    expect((await call('GET', `/api/avatars/${avatarId}/documents/${id}`, ada)).statusCode).toBe(200);
  });
});

describe('avatar documents without a job queue', () => {
  it('indexes in the process', async () => {
    const storage = await createTestStorage('pglite');
    const { app } = await createTestApp(storage);
    try {
      const ada = await signup(app, 'solo@example.org');
      const created = await app.inject({
        method: 'POST',
        url: '/api/avatars',
        headers: { ...CSRF, cookie: ada.cookie },
        payload: { name: 'Solo' },
      });
      const avatar = created.json().avatar.id;
      const body = await multipart([{ name: 'two.pdf', bytes: textPdf([['One.'], ['Two.']]) }]);
      const res = await app.inject({
        method: 'POST',
        url: `/api/avatars/${avatar}/documents`,
        headers: { ...CSRF, cookie: ada.cookie, 'content-type': body.contentType },
        payload: body.payload,
      });
      expect(res.statusCode, res.body).toBe(201);
      let document: Record<string, unknown> = {};
      await waitFor(async () => {
        const list = await app.inject({
          url: `/api/avatars/${avatar}/documents`,
          headers: { cookie: ada.cookie },
        });
        document = list.json().documents[0];
        return document.status === 'ready';
      }, 'the document to be indexed');
      expect(document).toMatchObject({ chunkCount: 1, pageCount: 2 });
    } finally {
      await app.close();
      await storage.close();
    }
  });
});
