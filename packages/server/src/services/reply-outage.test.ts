import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryRows } from '../db/database.js';
import { openStorage, type Storage } from '../db/storage.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { DatabaseLink } from '../test-support/database-link.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import type { RecordedRequest } from '../test-support/protocol-servers/protocol-server.js';
import { parseSse, waitUntil } from '../test-support/sse.js';
import { createPostgresDatabase, createTestStorage, describeStorage } from '../test-support/storage.js';

/** Ollama whose next chat reply sends `before`, waits for `release()`, then sends `after` and ends. */
class GatedOllama extends OllamaServer {
  private gated: { before: string[]; after: string[]; opened: Promise<void> } | undefined;

  hold(before: string[], after: string[]): () => void {
    let release = () => {};
    const opened = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.gated = { before, after, opened };
    return release;
  }

  protected override async handle(req: RecordedRequest, res: ServerResponse): Promise<void> {
    const gated = this.gated;
    if (!gated || req.path !== '/api/chat' || req.body?.stream === false) return super.handle(req, res);
    this.gated = undefined;
    const line = (content: string, end: Record<string, unknown> = { done: false }) =>
      `${JSON.stringify({ model: req.body.model, created_at: new Date().toISOString(), message: { role: 'assistant', content }, ...end })}\n`;
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.flushHeaders();
    for (const token of gated.before) res.write(line(token));
    await gated.opened;
    for (const token of gated.after) res.write(line(token));
    const count = gated.before.length + gated.after.length;
    res.end(line('', { done: true, done_reason: 'stop', prompt_eval_count: 12, eval_count: count }));
  }
}

/**
 * What the database answers while it is "away". PostgreSQL: the TCP link is cut. PGlite runs in
 * this process and cannot be stopped and started again, so its writes fail with the error a
 * stopping PostgreSQL sends every session (SQLSTATE 57P01, admin_shutdown), raised by triggers
 * on the tables a reply writes, until they are dropped.
 */
interface Outage {
  storage: Storage;
  cut(): Promise<void>;
  restore(): Promise<void>;
  /** Reads the database directly (not through the app, and not through a cut link). */
  reply(id: string): Promise<{ status: string; content: string; error: { code: string } | null }>;
  close(): Promise<void>;
}

async function postgresOutage(): Promise<Outage> {
  const database = await createPostgresDatabase();
  const target = new URL(database.url);
  const link = new DatabaseLink({ host: target.hostname, port: Number(target.port || 5432) });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-outage-'));
  const storage = await openStorage({ dataDir, databaseUrl: await link.listen(database.url) });
  const direct = new pg.Client({ connectionString: database.url });
  await direct.connect();
  return {
    storage,
    cut: async () => link.cut(),
    restore: async () => link.restore(),
    reply: async (id) =>
      (await direct.query('select status, content, error from messages where id = $1', [id])).rows[0],
    async close() {
      await storage.close().catch(() => {});
      await link.close();
      await direct.end();
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function pgliteOutage(): Promise<Outage> {
  const storage = await createTestStorage('pglite');
  const run = (text: string) => storage.db.execute(sql.raw(text));
  await run(`create function lumina_test_outage() returns trigger language plpgsql as $$
    begin raise exception 'terminating connection due to administrator command' using errcode = 'admin_shutdown'; end $$`);
  return {
    storage,
    async cut() {
      await run(`create trigger outage before insert on usage_events
        for each statement execute function lumina_test_outage()`);
      await run(`create trigger outage before update on messages
        for each statement execute function lumina_test_outage()`);
    },
    async restore() {
      await run('drop trigger outage on usage_events');
      await run('drop trigger outage on messages');
    },
    reply: async (id) =>
      (
        await queryRows<{ status: string; content: string; error: { code: string } | null }>(
          storage.db,
          sql`select status, content, error from messages where id = ${id}`,
        )
      )[0]!,
    close: () => storage.close(),
  };
}

// Words of the SQL the reply writes and of the drivers' errors: none may reach a client.
const INTERNAL_TEXT =
  /select|insert|update|usage_events|messages"|params|failed query|terminat|administrator|connection|ECONN|\bat .*\.ts/i;

describeStorage('the database goes away mid-reply (%s)', (mode) => {
  let outage: Outage;
  let ollama: GatedOllama;
  let app: FastifyInstance;
  let headers: Record<string, string>;
  let base: string;

  beforeAll(async () => {
    ollama = await new GatedOllama().listen();
    outage = mode === 'postgres' ? await postgresOutage() : await pgliteOutage();
    app = (
      await createTestApp(outage.storage, {
        OLLAMA_BASE_URL: ollama.origin,
        CHAT_FLUSH_INTERVAL_MS: '50',
      })
    ).app;
    headers = { ...CSRF, cookie: (await signup(app, 'outage@example.org')).cookie };
    await app.inject({
      method: 'PUT',
      url: '/api/settings',
      payload: { defaultModel: 'ollama/llama3.2:latest' },
      headers,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await outage?.close();
    await ollama?.close();
  });

  it('ends the stream with a clean error and finish, and stores the reply interrupted once the database is back', async () => {
    const avatarId = (await app.inject({ method: 'GET', url: '/api/avatars', headers })).json().avatars[0].id;
    const conversation = (
      await app.inject({ method: 'POST', url: '/api/conversations', headers, payload: { avatarId } })
    ).json().conversation;
    const release = ollama.hold(['Saved', ' before'], [' and', ' after', ' the cut']);
    const response = await fetch(`${base}/api/conversations/${conversation.id}/messages`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Tell me something' }),
    });
    const replyId = response.headers.get('x-lumina-reply-id')!;
    await waitUntil(async () => (await outage.reply(replyId)).content === 'Saved before');

    await outage.cut();
    release();
    const events = parseSse(await response.text());

    const errors = events.filter((e) => e.event === 'error');
    expect(errors.map((e) => e.data.code)).toEqual(['database_unavailable']);
    for (const error of errors) expect(String(error.data.message)).not.toMatch(INTERNAL_TEXT);
    expect(events.at(-1)).toMatchObject({ event: 'finish', data: { status: 'interrupted' } });
    const shown = events
      .filter((e) => e.event === 'text-delta')
      .map((e) => e.data.delta)
      .join('');
    expect(shown).toBe('Saved before and after the cut');

    // The writer keeps trying; once the database answers, the row holds what the client saw.
    await outage.restore();
    await waitUntil(async () => (await outage.reply(replyId)).status !== 'streaming', 20_000);
    expect(await outage.reply(replyId)).toMatchObject({
      status: 'interrupted',
      content: 'Saved before and after the cut',
      error: { code: 'database_unavailable' },
    });
  });
});
