import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { backupDatabase, restoreDatabase } from './backup.js';
import { queryRows } from './database.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-backup-incognito-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * A backup never keeps an incognito conversation (docs/memory.md, "Incognito"): not the
 * conversation, its messages or its participants; the file restores, with the ordinary
 * conversation beside it whole.
 */
describeStorage('backups leave incognito conversations out (%s)', (mode) => {
  let source: TestStorage;
  let target: TestStorage;
  let ollama: OllamaServer;
  let app: FastifyInstance;

  beforeAll(async () => {
    ollama = await new OllamaServer().listen();
    source = await createTestStorage(mode);
    target = await createTestStorage(mode);
    app = (await createTestApp(source, { OLLAMA_BASE_URL: ollama.origin })).app;
  });
  afterAll(async () => {
    await app?.close();
    await source?.close();
    await target?.close();
    await ollama?.close();
  });

  it('writes and restores everything but the incognito conversation', async () => {
    const account = await signup(app, 'ada@example.org');
    const headers = { ...CSRF, cookie: account.cookie };
    await app.inject({
      method: 'PUT',
      url: '/api/settings',
      payload: { defaultModel: 'ollama/llama3.2:latest' },
      headers,
    });
    const avatarId = (await app.inject({ method: 'GET', url: '/api/avatars', headers })).json().avatars[0].id;
    const chat = async (incognito: boolean, content: string) => {
      const created = await app.inject({
        method: 'POST',
        url: '/api/conversations',
        headers,
        payload: { avatarId, incognito },
      });
      const id = created.json().conversation.id as string;
      const sent = await app.inject({
        method: 'POST',
        url: `/api/conversations/${id}/messages`,
        headers,
        payload: { content },
      });
      expect(sent.statusCode, sent.body).toBe(200);
      return id;
    };
    const plain = await chat(false, 'the kept words');
    const secret = await chat(true, 'the vanishing words');

    const file = path.join(dir, `${mode}.ndjson.gz`);
    const summary = await backupDatabase(source.db, file);
    const text = zlib.gunzipSync(fs.readFileSync(file)).toString('utf8');
    expect(text).toContain(plain);
    expect(text).toContain('the kept words');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('the vanishing words');
    expect(summary.tables.conversations).toBe(1);

    await restoreDatabase(target.db, file);
    const count = async (query: ReturnType<typeof sql>) =>
      (await queryRows<{ n: number }>(target.db, query))[0]!.n;
    expect(await count(sql`select count(*)::int as n from conversations`)).toBe(1);
    expect(await count(sql`select count(*)::int as n from messages where conversation_id = ${plain}`)).toBe(
      (
        await queryRows<{ n: number }>(
          source.db,
          sql`select count(*)::int as n from messages where conversation_id = ${plain}`,
        )
      )[0]!.n,
    );
    expect(await count(sql`select count(*)::int as n from messages where conversation_id = ${secret}`)).toBe(
      0,
    );
    expect(
      await count(
        sql`select count(*)::int as n from conversation_participants where conversation_id = ${secret}`,
      ),
    ).toBe(0);
  });
});
