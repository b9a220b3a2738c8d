import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { conversationEventSchema } from '../realtime/conversation-events.js';
import { CSRF, FAST_ARGON2 } from '../test-support/app.js';
import { startChat } from '../test-support/conversations.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { parseSse, sseReader } from '../test-support/sse.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import type { JobQueue } from './job-queue.js';
import { createPgBossJobQueue } from './pg-boss-job-queue.js';

const MODEL = 'ollama/llama3.2:latest';

/**
 * The automatic title after the first exchange: with a job queue it is a `conversation-title`
 * job whose title reaches the conversation's events stream (the reply's stream has ended without
 * it); without one it is made in-process and sent on the reply's own stream, before it ends.
 */
describeStorage('automatic titles with and without the job queue (%s)', (mode) => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  const apps: FastifyInstance[] = [];
  const queues: JobQueue[] = [];

  beforeAll(async () => {
    ollama = await new OllamaServer().listen();
    storage = await createTestStorage(mode);
  });
  afterAll(async () => {
    // As main.ts shuts down: the app first, then the queue.
    for (const app of apps) await app.close();
    for (const jobs of queues) await jobs.stop({ drainMs: 0 });
    await storage?.close();
    await ollama?.close();
  });

  /** The app listening on a port, with a started queue when `withQueue`. */
  async function server(withQueue: boolean) {
    const jobs = withQueue
      ? createPgBossJobQueue({ db: storage.db, log: { warn: () => {} }, pollIntervalMs: 50 })
      : undefined;
    const app = await buildApp({
      config: loadConfig({
        ...FAST_ARGON2,
        OLLAMA_BASE_URL: ollama.origin,
        LUMINA_OLLAMA_AUTODETECT: 'false',
        LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000',
        CHAT_FLUSH_INTERVAL_MS: '50',
      }),
      storage,
      serveWeb: false,
      logger: { level: 'warn', stream: new Writable({ write: (_chunk, _encoding, done) => done() }) },
      jobs,
    });
    apps.push(app);
    if (jobs) queues.push(jobs);
    await app.listen({ port: 0, host: '127.0.0.1' });
    await jobs?.start();
    return { app, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
  }

  /** Opens the conversation's events stream. */
  async function events(base: string, cookie: string, conversationId: string, signal: AbortSignal) {
    const response = await fetch(`${base}/api/conversations/${conversationId}/events`, {
      headers: { cookie },
      signal,
    });
    expect(response.status).toBe(200);
    return sseReader(response);
  }

  /** Sends a message and reads its reply stream to the end. */
  async function send(base: string, chat: Awaited<ReturnType<typeof startChat>>, content: string) {
    const response = await fetch(`${base}/api/conversations/${chat.conversationId}/messages`, {
      method: 'POST',
      headers: { ...CSRF, cookie: chat.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ content, parentId: chat.greetingId }),
    });
    expect(response.status).toBe(200);
    const replyId = response.headers.get('x-lumina-reply-id')!;
    return { replyId, parts: parseSse(await response.text()) };
  }

  const storedTitle = async (app: FastifyInstance, chat: Awaited<ReturnType<typeof startChat>>) =>
    (
      await app.inject({
        method: 'GET',
        url: `/api/conversations/${chat.conversationId}`,
        headers: { cookie: chat.cookie },
      })
    ).json().conversation.title;

  it('with a queue, the title job stores the title and announces it on the events stream', async () => {
    const { app, base } = await server(true);
    const chat = await startChat(app, 'queued@example.org', { model: MODEL });
    // Memory off: its extraction job would otherwise take a scripted model answer meant for the title.
    const memoryOff = await app.inject({
      method: 'PATCH',
      url: '/api/settings/memory',
      headers: chat.headers,
      payload: { enabled: false },
    });
    expect(memoryOff.statusCode).toBe(200);
    const controller = new AbortController();
    const stream = await events(base, chat.cookie, chat.conversationId, controller.signal);
    try {
      ollama.script({ kind: 'text', tokens: ['Low', ' tide', ' at', ' six.'] });
      ollama.script({ kind: 'text', tokens: ['"Tide', ' times"'] }); // the title job's call
      const { replyId, parts } = await send(base, chat, 'When is low tide?');
      expect(parts.find((p) => p.event === 'finish')?.data).toMatchObject({ status: 'complete' });
      // The reply's stream ended without waiting for the job.
      expect(parts.some((p) => p.event === 'title')).toBe(false);

      let titles: unknown[] = [];
      await stream.until((text) => {
        titles = parseSse(text.slice(0, text.lastIndexOf('\n\n') + 2))
          .filter((e) => e.event === 'title')
          .map((e) => conversationEventSchema.parse(e.data));
        return titles.length > 0;
      });
      expect(titles).toEqual([
        {
          messageId: replyId,
          seq: 0,
          part: { type: 'title', conversationId: chat.conversationId, title: 'Tide times' },
        },
      ]);
      expect(await storedTitle(app, chat)).toBe('Tide times');
      const jobs = (await queues[0]!.stats()).find((s) => s.name === 'conversation-title');
      expect(jobs).toMatchObject({ completed: 1, failed: 0 });
    } finally {
      controller.abort();
    }
  });

  it('without a queue, the title is made in-process and sent on the reply’s own stream', async () => {
    const { app, base } = await server(false);
    const chat = await startChat(app, 'inprocess@example.org', { model: MODEL });
    ollama.script({ kind: 'text', tokens: ['Bring', ' a', ' coat.'] });
    ollama.script({ kind: 'text', tokens: ['Coat weather'] });
    const { parts } = await send(base, chat, 'Do I need a coat?');
    const types = parts.map((p) => p.event);
    expect(parts.find((p) => p.event === 'title')?.data).toEqual({
      conversationId: chat.conversationId,
      title: 'Coat weather',
    });
    // After the reply finished, before its stream ended.
    expect(types.indexOf('title')).toBeGreaterThan(types.indexOf('finish'));
    expect(await storedTitle(app, chat)).toBe('Coat weather');
  });
});
