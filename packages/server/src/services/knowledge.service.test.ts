import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KNOWLEDGE_LIMITS } from '../domain/memory.js';
import { AppError } from '../errors.js';
import { createKnowledgeRepository, type KnowledgeRepository } from '../repositories/knowledge.repository.js';
import { createUserRepository } from '../repositories/user.repository.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { textPdf } from '../test-support/text-pdf.js';
import { createAvatarService } from './avatar.service.js';
import { createKnowledgeService, type KnowledgeService } from './knowledge.service.js';

const fixture = (name: string) =>
  fs.readFileSync(new URL(`../attachments/fixtures/${name}`, import.meta.url));

/**
 * The knowledge service with a queue the test drives: what an upload stores, and what indexing
 * makes of each format, of a document a dead process left `indexing`, and of a text too long.
 */
describeStorage('knowledge service (%s)', (mode) => {
  let storage: TestStorage;
  let repository: KnowledgeRepository;
  let knowledge: KnowledgeService;
  const queued: string[] = [];
  let ada: string;
  let avatar: string;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    repository = createKnowledgeRepository(storage.db);
    const avatars = createAvatarService({ db: storage.db });
    knowledge = createKnowledgeService({
      avatars,
      knowledge: repository,
      queue: async (_userId, documentId) => {
        queued.push(documentId);
      },
    });
    ada = (
      await createUserRepository(storage.db).create({
        email: 'ada@example.org',
        passwordHash: 'x',
        name: 'Ada',
      })
    ).id;
    avatar = (await avatars.create(ada, { name: 'Reader' })).id;
  });
  afterAll(async () => {
    await storage?.close();
  });

  const add = async (fileName: string, bytes: Buffer | string, claimedType?: string) => {
    const [document] = await knowledge.upload(ada, avatar, [
      { fileName, bytes: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes), claimedType },
    ]);
    return document!;
  };

  it('queues each stored document for indexing, named safely, typed by its bytes', async () => {
    const before = queued.length;
    const pdf = await add('C:\\Users\\ada\\report.html', textPdf([['Looks like HTML by name, is a PDF.']]));
    expect(pdf).toMatchObject({ name: 'report.html', mediaType: 'application/pdf', status: 'queued' });
    const html = await add('page', '<p>hi</p>', 'text/html; charset=utf-8');
    expect(html.mediaType).toBe('text/html');
    const docx = await add('letter.docx', fixture('hello.docx'));
    expect(docx.mediaType).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(queued.slice(before)).toEqual([pdf.id, html.id, docx.id]);

    await expect(add('x.zip', fixture('not-word.zip'))).rejects.toMatchObject({
      code: 'unsupported_file_type',
    });
    await expect(add('nul.txt', fixture('with-nul.txt'))).rejects.toMatchObject({
      code: 'unsupported_file_type',
    });
    await expect(add('empty.txt', '')).rejects.toMatchObject({ code: 'unsupported_file_type' });
    await expect(
      knowledge.upload(ada, '01900000-0000-7000-8000-000000000000', [
        { fileName: 'a.txt', bytes: Buffer.from('a'), claimedType: undefined },
      ]),
    ).rejects.toMatchObject({ code: 'avatar_not_found' });
  });

  it('indexes DOCX and HTML without pages, and a PDF with them', async () => {
    const docx = await add('hello.docx', fixture('hello.docx'));
    expect(await knowledge.index(ada, docx.id)).toBe('ready');
    expect(await repository.chunksOwned(ada, docx.id)).toEqual([
      {
        ord: 0,
        page: null,
        content: 'Hello from a Word document.\n\nSecond paragraph: café – naïve.',
        avatarId: avatar,
      },
    ]);

    const html = await add(
      'nested.html',
      `<div>${'<div>'.repeat(5_000)}Deep text${'</div>'.repeat(5_000)}<noscript>no</noscript><template><p>hidden</p></template><pre>a  b\n c</pre><table><tr><td>x</td><td>y</td></tr></table></div>`,
    );
    expect(await knowledge.index(ada, html.id)).toBe('ready');
    const [chunk] = await repository.chunksOwned(ada, html.id);
    expect(chunk!.content).toBe('Deep text\n\na b\nc\n\nx y');

    const pdf = await add('three.pdf', textPdf([['First page text.'], [], ['Third page text.']]));
    expect(await knowledge.index(ada, pdf.id)).toBe('ready');
    expect(await repository.findOwned(ada, avatar, pdf.id)).toMatchObject({ pageCount: 3, chunkCount: 1 });
    expect((await repository.chunksOwned(ada, pdf.id))[0]).toMatchObject({
      page: 1,
      content: 'First page text.\n\nThird page text.',
    });
  });

  it('takes up a document a dead process left indexing, and skips one already done', async () => {
    const document = await add('stranded.md', '# Stranded\n\nIt was being read when the server stopped.');
    await storage.db.execute(
      sql`update knowledge_documents set status = 'indexing' where id = ${document.id}`,
    );
    expect(await knowledge.index(ada, document.id)).toBe('ready');
    expect(await knowledge.index(ada, document.id)).toBe('skipped');
    await knowledge.remove(ada, avatar, document.id);
    expect(await knowledge.index(ada, document.id)).toBe('skipped');
    await expect(knowledge.get(ada, avatar, document.id)).rejects.toBeInstanceOf(AppError);
  });

  it('cuts a text past the limit and says so', async () => {
    const sentence = 'Every line of this long file is a sentence of its own. ';
    const text = sentence.repeat(Math.ceil((KNOWLEDGE_LIMITS.textChars + 10_000) / sentence.length));
    const document = await add('long.txt', text);
    expect(await knowledge.index(ada, document.id)).toBe('ready');
    const indexed = await repository.findOwned(ada, avatar, document.id);
    expect(indexed?.truncated).toBe(true);
    const chunks = await repository.chunksOwned(ada, document.id);
    const total = chunks.reduce((sum, c) => sum + c.content.length, 0);
    // Overlap repeats text, so the chunks hold a little more than the limit, never much more.
    expect(total).toBeGreaterThan(KNOWLEDGE_LIMITS.textChars * 0.99);
    expect(total).toBeLessThan(KNOWLEDGE_LIMITS.textChars * 1.25);
  });

  it('marks a document given up with the job’s error', async () => {
    const document = await add('doomed.txt', 'text');
    await knowledge.giveUp(ada, document.id, { code: 'service_busy', message: 'busy' });
    expect(await knowledge.get(ada, avatar, document.id)).toMatchObject({
      status: 'failed',
      error: { code: 'service_busy' },
    });
  });
});
