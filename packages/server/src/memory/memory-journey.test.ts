import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { queryRows } from '../db/database.js';
import type { RecalledRef } from '../domain/memory.js';
import { BACKGROUND_JOBS } from '../jobs/background-jobs.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { createPgBossJobQueue } from '../jobs/pg-boss-job-queue.js';
import { MEMORY_SECTION_HEADING } from '../prompt/context-memory.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import { CSRF, FAST_ARGON2 } from '../test-support/app.js';
import { startChat } from '../test-support/conversations.js';
import { MemoryModelServer } from '../test-support/protocol-servers/memory-model-server.js';
import type { RecordedRequest } from '../test-support/protocol-servers/protocol-server.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { textPdf } from '../test-support/text-pdf.js';

const MODEL = 'ollama/llama3.2:latest';
/** Generous bounds: the suite runs on a loaded 2-core machine next to other suites. */
const WAIT_MS = 60_000;

async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The memory section of a reply request: from its heading to the closing fence. */
function memorySection(request: RecordedRequest): string {
  const text = (request.body.messages as { content: string }[]).map((m) => m.content).join('\n');
  const start = text.indexOf(MEMORY_SECTION_HEADING);
  if (start < 0) return '';
  const rest = text.slice(start);
  const fence = /\n(`{3,})notes\n/.exec(rest);
  if (!fence) return rest;
  const end = rest.indexOf(`\n${fence[1]}`, fence.index + fence[0].length);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The lines of the section's memory groups ("About the user …", "Remembered:"), not past messages or documents. */
function memoryLines(section: string): string[] {
  const lines: string[] = [];
  let inMemories = false;
  for (const line of section.split('\n')) {
    if (!line.startsWith('- ')) inMemories = line.startsWith('About the user') || line === 'Remembered:';
    else if (inMemories) lines.push(line);
  }
  return lines;
}

/** Two pages of log lines; page 2 also holds one fact found nowhere else. */
const MANUAL = 'keeper-notes.pdf';
const FACT = "The keeper's cat is called Bartholomew and sleeps in the lamp room.";
const MANUAL_PAGES = [1, 2].map((page) => {
  const lines = Array.from(
    { length: 40 },
    (_, i) => `Page ${page} line ${i}: the lighthouse keeper logs the tide at ${page * 100 + i} hours.`,
  );
  if (page === 2) lines.splice(24, 0, FACT);
  return lines;
});

/**
 * Issue 13's "Done when", as one journey through the real app, the durable job queue (pg-boss on
 * the same database) and an Ollama protocol server whose structured-output answers (extraction,
 * decisions) are scripted: a fact said in one conversation is remembered days later in another
 * with its date and source, a correction supersedes it, deleting it removes it from the prompt and
 * from recall (its source messages too), and a document's page is cited.
 */
describeStorage('memory journey (%s)', (mode) => {
  let storage: TestStorage;
  let model: MemoryModelServer;
  let app: FastifyInstance;
  let jobs: JobQueue;
  let base: string;

  beforeAll(async () => {
    model = await new MemoryModelServer().listen();
    storage = await createTestStorage(mode);
    jobs = createPgBossJobQueue({ db: storage.db, log: { warn: () => {} }, pollIntervalMs: 50 });
    app = await buildApp({
      config: loadConfig({
        ...FAST_ARGON2,
        OLLAMA_BASE_URL: model.origin,
        LUMINA_OLLAMA_AUTODETECT: 'false',
        LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000',
        CHAT_FLUSH_INTERVAL_MS: '50',
      }),
      storage,
      serveWeb: false,
      logger: { level: 'silent' },
      jobs,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    await jobs.start();
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await jobs?.stop({ drainMs: 0 });
    await storage?.close();
    await model?.close();
  });

  const extractions = async () => {
    const stats = (await jobs.stats()).find((s) => s.name === BACKGROUND_JOBS.memoryExtract);
    return { completed: stats?.completed ?? 0, failed: stats?.failed ?? 0 };
  };

  it('remembers across conversations, dated and sourced; corrects; deletes everywhere; cites a page', async () => {
    const user = await startChat(app, 'journey@example.org', { model: MODEL });
    const { headers, cookie, userId } = user;
    const avatarId = (await app.inject({ method: 'GET', url: '/api/avatars', headers })).json().avatars[0]
      .id as string;
    const messages = createMessageRepository(storage.db);

    /** Opens a conversation, named by the person (no title job shares the model server). */
    const open = async (id?: string) => {
      let conversationId = id;
      let leafId: string;
      if (!conversationId) {
        const created = (
          await app.inject({ method: 'POST', url: '/api/conversations', headers, payload: { avatarId } })
        ).json();
        conversationId = created.conversation.id as string;
        leafId = created.messages[0].id;
      } else leafId = user.greetingId;
      await app.inject({
        method: 'PATCH',
        url: `/api/conversations/${conversationId}`,
        headers,
        payload: { title: 'Journey' },
      });
      return { conversationId, leafId };
    };

    /**
     * Sends a message, reads the reply's stream to its end and waits for the extraction job it
     * queued. Answers the ids, the request the model got for the reply and the stored reply.
     */
    const say = async (c: { conversationId: string; leafId: string }, content: string) => {
      const before = await extractions();
      const sent = model.requests.length;
      const response = await fetch(`${base}/api/conversations/${c.conversationId}/messages`, {
        method: 'POST',
        headers: { ...CSRF, cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ content, parentId: c.leafId }),
      });
      expect(response.status).toBe(200);
      const replyId = response.headers.get('x-lumina-reply-id')!;
      await response.text();
      await waitFor('the extraction job', async () => {
        const now = await extractions();
        return now.completed + now.failed > before.completed + before.failed;
      });
      expect((await extractions()).failed).toBe(before.failed);
      c.leafId = replyId;
      const branch = await messages.branch(userId, replyId);
      const reply = branch.find((m) => m.id === replyId)!;
      const userMessageId = branch.findLast((m) => m.role === 'user')!.id;
      const request = model.requests
        .slice(sent)
        .find((r) => r.path === '/api/chat' && r.body?.stream !== false && !r.body?.format)!;
      expect(request, 'the reply request').toBeDefined();
      const recalled = (reply.metadata.recalled ?? []) as RecalledRef[];
      return { replyId, userMessageId, request, section: memorySection(request), recalled };
    };

    const recall = async (q: string) => {
      const res = await app.inject({
        method: 'GET',
        url: `/api/memories/recall?avatarId=${avatarId}&q=${encodeURIComponent(q)}&k=20`,
        headers,
      });
      expect(res.statusCode).toBe(200);
      return res.json().items as { type: string; id: string; content: string; sourceMessageId?: string }[];
    };

    // (1) Conversation A: a fact about the user; the (scripted) extraction stores it.
    const a = await open(user.conversationId);
    model.extraction.push({
      object: {
        memories: [
          {
            kind: 'fact',
            content: "The user's sister Ana lives in Porto.",
            importance: 0.7,
            confidence: 0.9,
          },
        ],
      },
    });
    const told = await say(a, 'My sister Ana lives in Porto.');
    const [porto] = (await app.inject({ method: 'GET', url: '/api/memories', headers })).json().items as {
      id: string;
      content: string;
      pinned: boolean;
      sourceMessageIds: string[];
    }[];
    expect(porto).toMatchObject({
      content: "The user's sister Ana lives in Porto.",
      pinned: false,
      sourceMessageIds: [told.userMessageId],
    });

    // (2) Days later. The server has no clock a test can move, so the exchange and the memory are
    // moved back by five days in the database instead (what recall dates and weighs by).
    await storage.db.execute(
      sql`update messages set created_at = created_at - interval '5 days', updated_at = updated_at - interval '5 days'
          where conversation_id = ${a.conversationId}`,
    );
    await storage.db.execute(
      sql`update memories set created_at = created_at - interval '5 days', valid_from = valid_from - interval '5 days',
          updated_at = updated_at - interval '5 days' where id = ${porto!.id}`,
    );
    const [{ day }] = (await queryRows<{ day: string }>(
      storage.db,
      sql`select to_char(valid_from at time zone 'UTC', 'YYYY-MM-DD') as day from memories where id = ${porto!.id}`,
    )) as [{ day: string }];
    expect(day).toBe(new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 10));

    const b = await open();
    const asked = await say(b, 'Where does my sister live?');
    expect(memoryLines(asked.section)).toContain(`- The user's sister Ana lives in Porto. (said ${day})`);
    const recalledPorto = asked.recalled.find((r) => r.type === 'memory' && r.id === porto!.id);
    // The UI links the memory to the message it was learnt from, in conversation A.
    expect(recalledPorto).toMatchObject({
      sourceMessageId: told.userMessageId,
      conversationId: a.conversationId,
    });
    expect((await recall('Where does my sister live?')).find((i) => i.id === porto!.id)).toMatchObject({
      type: 'memory',
      sourceMessageId: told.userMessageId,
    });

    // (3) A correction in chat: the extraction finds the new fact, the decision supersedes the old.
    model.extraction.push({
      object: {
        memories: [
          {
            kind: 'fact',
            content: "The user's sister Ana lives in Lisbon.",
            importance: 0.7,
            confidence: 0.9,
          },
        ],
      },
    });
    model.decide = (statements) => ({
      decisions: [
        {
          candidate: statements[0]!.index,
          op: 'update',
          targetId: statements[0]!.stored.find((s) => s.content.includes('Porto'))?.id ?? null,
        },
      ],
    });
    const corrected = await say(b, 'Actually Ana moved to Lisbon last month.');
    const history = (
      await app.inject({ method: 'GET', url: `/api/memories/${porto!.id}/history`, headers })
    ).json().items as { id: string; content: string; validTo: string | null; supersededBy: string | null }[];
    expect(history.map((m) => [m.content, m.validTo === null])).toEqual([
      ["The user's sister Ana lives in Porto.", false],
      ["The user's sister Ana lives in Lisbon.", true],
    ]);
    const lisbon = history[1]!;
    expect(history[0]!.supersededBy).toBe(lisbon.id);
    const again = await say(b, 'So where does my sister live now?');
    const current = memoryLines(again.section);
    expect(current.some((line) => line.includes('Ana lives in Lisbon'))).toBe(true);
    expect(current.some((line) => line.includes('Porto'))).toBe(false);
    expect(again.recalled.map((r) => r.id)).toContain(lisbon.id);
    expect(again.recalled.map((r) => r.id)).not.toContain(porto!.id);
    expect(corrected.userMessageId).toBeDefined();

    // (4) Deleting it: gone from the prompt and from recall, and what it was learnt from (the
    // message in A and the correction in B) is no longer recalled as a past message either; both
    // stay in their conversations.
    const deleted = await app.inject({ method: 'DELETE', url: `/api/memories/${lisbon.id}`, headers });
    expect(deleted.statusCode).toBe(204);
    const c = await open();
    const afterDelete = await say(c, 'Where does my sister live?');
    expect(memoryLines(afterDelete.section).filter((line) => /Lisbon|Porto/.test(line))).toEqual([]);
    expect(afterDelete.section).not.toMatch(/Lisbon|Porto/);
    expect(afterDelete.recalled.map((r) => r.id)).not.toContain(lisbon.id);
    expect(afterDelete.recalled.map((r) => r.id)).not.toContain(told.userMessageId);
    const recalledNow = await recall('Where does my sister live? Ana Porto Lisbon');
    expect(recalledNow.filter((i) => /Lisbon|Porto/.test(i.content))).toEqual([]);
    // Chat history recall still works for the rest: the questions themselves are past messages.
    expect(recalledNow.some((i) => i.type === 'message')).toBe(true);
    const stillThere = await messages.branch(userId, told.replyId);
    expect(stillThere.find((m) => m.id === told.userMessageId)?.content).toBe(
      'My sister Ana lives in Porto.',
    );

    // (5) A document: a two-page PDF whose page 2 holds a fact; once ready, a question about it
    // gets the excerpt labelled with the file and page.
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(textPdf(MANUAL_PAGES))]), MANUAL);
    const multipart = new Request('http://x/', { method: 'POST', body: form });
    const uploaded = await app.inject({
      method: 'POST',
      url: `/api/avatars/${avatarId}/documents`,
      headers: { ...headers, 'content-type': multipart.headers.get('content-type')! },
      payload: Buffer.from(await multipart.arrayBuffer()),
    });
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    const documentId = uploaded.json().documents[0].id as string;
    const ready = await waitFor('the document to be indexed', async () => {
      const document = (
        await app.inject({ method: 'GET', url: `/api/avatars/${avatarId}/documents/${documentId}`, headers })
      ).json().document;
      expect(document.status).not.toBe('failed');
      return document.status === 'ready' && document;
    });
    expect(ready).toMatchObject({ pageCount: 2 });
    const cited = await say(c, "What is the keeper's cat called?");
    const excerpt = cited.section.split('\n').find((line) => line.includes('Bartholomew'));
    expect(excerpt).toMatch(new RegExp(`\\[${MANUAL.replace('.', '\\.')}, p\\. 2\\]$`));
    expect(cited.recalled.find((r) => r.type === 'document' && r.page === 2)).toMatchObject({
      documentId,
      documentName: MANUAL,
      page: 2,
    });

    // (6) "Forget that …" in chat closes the same door as DELETE: the memory ends and the message
    // it was learnt from is no longer recalled in another conversation.
    model.extraction.push({
      object: {
        memories: [
          {
            kind: 'fact',
            content: "The user's brother Rui lives in Faro.",
            importance: 0.7,
            confidence: 0.9,
          },
        ],
      },
    });
    model.decide = (statements) => ({
      decisions: statements.map((s) => ({ candidate: s.index, op: 'add', targetId: null })),
    });
    const brother = await say(c, 'My brother Rui lives in Faro.');
    const d = await open();
    const before = await say(d, 'Where does my brother Rui live?');
    expect(before.section).toContain('Faro');
    await say(d, 'Forget that my brother Rui lives in Faro.');
    const forgotten = await say(d, 'Where does my brother Rui live?');
    expect(forgotten.section).not.toContain('Faro');
    expect(forgotten.recalled.map((r) => r.id)).not.toContain(brother.userMessageId);
    expect(
      (await recall('Where does my brother Rui live in Faro?')).filter((i) => i.content.includes('Faro')),
    ).toEqual([]);
  }, 240_000);
});
