import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { createPostgresDatabase } from '../test-support/storage.js';
import { openStorage, type Storage } from './storage.js';

/**
 * PostgreSQL under load and down: a pool of two connections (the app's writer lock holds one,
 * the test the other) with a short wait, then the server unreachable through a link the test
 * closes. Requests answer 503 with Retry-After, never 500, and a refused send stores nothing.
 */
describe.skipIf(!process.env.TEST_DATABASE_URL)('PostgreSQL busy or unreachable', () => {
  let database: { url: string; drop: () => Promise<void> };
  let link: net.Server;
  const sockets = new Set<net.Socket>();
  let storage: Storage;
  let app: FastifyInstance;
  let dataDir: string;
  let headers: Record<string, string>;
  let conversationId: string;

  beforeAll(async () => {
    database = await createPostgresDatabase();
    const target = new URL(database.url);
    link = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => {});
        socket.on('close', () => sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => link.listen(0, '127.0.0.1', resolve));
    const through = new URL(database.url);
    through.host = `127.0.0.1:${(link.address() as AddressInfo).port}`;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-busy-'));
    storage = await openStorage({ dataDir, databaseUrl: through.toString(), poolMax: 2, poolTimeoutMs: 300 });
    app = (await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' })).app;
    const { cookie } = await signup(app, 'busy@example.org');
    headers = { ...CSRF, cookie };
    const avatars = (await app.inject({ method: 'GET', url: '/api/avatars', headers })).json().avatars;
    conversationId = (
      await app.inject({
        method: 'POST',
        url: '/api/conversations',
        headers,
        payload: { avatarId: avatars[0].id },
      })
    ).json().conversation.id;
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close().catch(() => {});
    for (const socket of sockets) socket.destroy();
    link?.close();
    await database?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const userMessages = async () => {
    const { rows } = await storage.db.execute(
      sql`select count(*)::int as n from messages where conversation_id = ${conversationId} and role = 'user'`,
    );
    return Number(rows[0]!.n);
  };
  const send = () =>
    app.inject({
      method: 'POST',
      url: `/api/conversations/${conversationId}/messages`,
      headers,
      payload: { content: 'Keep this text' },
    });

  it('answers 503 service_busy with Retry-After when no pooled connection frees up, and stores nothing', async () => {
    await storage.writerLocks.hold('test-holds-the-last-connection');
    try {
      const listed = await app.inject({ method: 'GET', url: '/api/conversations', headers });
      expect(listed.statusCode).toBe(503);
      expect(listed.json().error.code).toBe('service_busy');
      expect(Number(listed.headers['retry-after'])).toBeGreaterThan(0);
      const sent = await send();
      expect(sent.statusCode).toBe(503);
      expect(sent.json().error).toMatchObject({ code: 'service_busy' });
      expect(sent.body).not.toContain('timeout exceeded');
    } finally {
      await storage.writerLocks.release('test-holds-the-last-connection');
    }
    expect(await userMessages()).toBe(0); // the client keeps the text and sends it again
    expect((await app.inject({ method: 'GET', url: '/api/conversations', headers })).statusCode).toBe(200);
  });

  it('answers 503 database_unavailable when PostgreSQL refuses connections', async () => {
    await new Promise<void>((resolve) => {
      link.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    const listed = await app.inject({ method: 'GET', url: '/api/conversations', headers });
    expect(listed.statusCode).toBe(503);
    expect(listed.json().error.code).toBe('database_unavailable');
    expect(Number(listed.headers['retry-after'])).toBeGreaterThan(0);
    const sent = await send();
    expect(sent.statusCode).toBe(503);
    expect(sent.json().error.code).toBe('database_unavailable');
  });
});
