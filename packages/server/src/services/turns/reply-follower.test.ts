import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../db/storage.js';
import { newId } from '../../ids.js';
import { createMessageRepository } from '../../repositories/message.repository.js';
import { createTestApp } from '../../test-support/app.js';
import { startChat, storeStreamingReply } from '../../test-support/conversations.js';
import { OllamaServer } from '../../test-support/protocol-servers/ollama-server.js';
import { parseSse, sseReader, waitUntil } from '../../test-support/sse.js';
import {
  createPostgresDatabase,
  createTestStorage,
  describeStorage,
  type TestStorage,
} from '../../test-support/storage.js';

const MODEL = 'ollama/llama3.2:latest';
const SECRET = { LUMINA_SECRET_KEY: 'cd'.repeat(32) };

describeStorage('following a reply nobody writes any more (%s)', (mode) => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  let app: FastifyInstance;

  beforeAll(async () => {
    ollama = await new OllamaServer().listen();
    storage = await createTestStorage(mode);
    app = (await createTestApp(storage, { OLLAMA_BASE_URL: ollama.origin, CHAT_FLUSH_INTERVAL_MS: '50' }))
      .app;
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    await ollama?.close();
  });

  it('ends with what is stored and finish, for a dead writer and for an orphan of this process', async () => {
    const chat = await startChat(app, 'follow@example.org', { model: MODEL });
    const { userId, headers, conversationId } = chat;
    const messages = createMessageRepository(storage.db);
    const leftStreaming = async (writerId: string, content: string) =>
      (await storeStreamingReply(messages, chat, writerId, content)).id;
    const follow = async (replyId: string) =>
      parseSse((await app.inject({ method: 'GET', url: `/api/messages/${replyId}/stream`, headers })).body);

    // A writer that holds no lock (a process that died before any sweep saw its row).
    const ofDead = await leftStreaming(newId(), 'Left by a dead writer');
    const dead = await follow(ofDead);
    expect(dead.map((e) => e.event)).toEqual(['message-start', 'error', 'finish']);
    expect(dead[0]!.data.content).toBe('Left by a dead writer');
    expect(dead[1]!.data).toMatchObject({ code: 'interrupted' });
    expect(dead[2]!.data).toMatchObject({ status: 'interrupted' });
    expect(await messages.findOwned(userId, ofDead)).toMatchObject({ status: 'interrupted' });

    // This process's own writer id, on a reply it is not writing (a final write that never
    // landed): the lock is held — by this very process — yet nobody will finish the reply.
    ollama.script({ kind: 'hang', tokens: ['Still', ' going'] });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const live = await fetch(
      `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/conversations/${conversationId}/messages`,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'Keep talking' }),
      },
    );
    const liveId = live.headers.get('x-lumina-reply-id')!;
    const ownWriter = (await messages.findOwned(userId, liveId))!.writerId!;
    const orphan = await leftStreaming(ownWriter, 'Orphaned here');
    const orphaned = await follow(orphan);
    expect(orphaned.at(-1)).toMatchObject({ event: 'finish', data: { status: 'interrupted' } });
    expect(orphaned[0]!.data.content).toBe('Orphaned here');
    // The reply this process is writing is not touched.
    expect(await messages.findOwned(userId, liveId)).toMatchObject({ status: 'streaming' });
    await app.inject({ method: 'POST', url: `/api/messages/${liveId}/cancel`, headers });
    expect(parseSse(await live.text()).at(-1)).toMatchObject({
      event: 'finish',
      data: { status: 'cancelled' },
    });
  });
});

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<unknown>;
}

const root = fileURLToPath(new URL('../../../../..', import.meta.url));

/** A whole server in its own process, so it can die without running any shutdown code. */
function startServer(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'packages/server/src/bin.ts')], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', LOG_LEVEL: 'info', ...env },
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  const exit = new Promise((resolve) => child.on('exit', resolve));
  return { child, output: () => output, exit };
}

async function readyUrl(run: Run): Promise<string> {
  let url: string | undefined;
  await waitUntil(async () => {
    url = /Lumina is ready at (http:\/\/[\d.:]+)/.exec(run.output())?.[1];
    if (run.child.exitCode !== null) throw new Error(`the server exited:\n${run.output()}`);
    return url !== undefined;
  }, 60_000);
  return url!;
}

describe.runIf(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL)(
  'followers on other instances when the writing instance dies',
  () => {
    let ollama: OllamaServer;
    let database: { url: string; drop: () => Promise<void> };
    let storage: Storage;
    let dataDir: string;
    let redis: Redis;
    let viaBus: FastifyInstance;
    let viaDatabase: FastifyInstance;
    let writer: Run | undefined;

    beforeAll(async () => {
      ollama = await new OllamaServer().listen();
      database = await createPostgresDatabase();
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-follow-'));
      storage = await openStorage({ dataDir, databaseUrl: database.url });
      redis = new Redis(process.env.TEST_REDIS_URL!);
      const env = { ...SECRET, OLLAMA_BASE_URL: ollama.origin, CHAT_FLUSH_INTERVAL_MS: '50' };
      // One instance follows through the Redis reply bus; one without Redis reads the database.
      viaBus = (await createTestApp(storage, env, redis)).app;
      viaDatabase = (await createTestApp(storage, env)).app;
    });
    afterAll(async () => {
      writer?.child.kill('SIGKILL');
      await writer?.exit;
      await viaBus?.close();
      await viaDatabase?.close();
      redis?.disconnect();
      await storage?.close();
      await database?.drop();
      await ollama?.close();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('end with what is stored and finish interrupted instead of waiting forever', async () => {
      const { userId, headers, conversationId } = await startChat(viaBus, 'instances@example.org', {
        model: MODEL,
      });
      writer = startServer({
        ...SECRET,
        DATABASE_URL: database.url,
        REDIS_URL: process.env.TEST_REDIS_URL!,
        OLLAMA_BASE_URL: ollama.origin,
        CHAT_FLUSH_INTERVAL_MS: '50',
        LUMINA_DATA_DIR: dataDir,
      });
      const writerUrl = await readyUrl(writer);
      ollama.script({ kind: 'hang', tokens: ['Written', ' by', ' the', ' dead'] });
      const started = await fetch(`${writerUrl}/api/conversations/${conversationId}/messages`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'Talk' }),
      });
      const replyId = started.headers.get('x-lumina-reply-id')!;
      await sseReader(started).until((text) => text.includes(' dead'));
      const messages = createMessageRepository(storage.db);
      await waitUntil(
        async () => (await messages.findOwned(userId, replyId))?.content === 'Written by the dead',
      );

      const followers = [];
      for (const app of [viaBus, viaDatabase]) {
        await app.listen({ port: 0, host: '127.0.0.1' });
        const port = (app.server.address() as AddressInfo).port;
        const follower = sseReader(
          await fetch(`http://127.0.0.1:${port}/api/messages/${replyId}/stream`, {
            headers: { cookie: headers.cookie },
          }),
        );
        await follower.until((text) => text.includes(' dead'));
        followers.push(follower);
      }

      writer.child.kill('SIGKILL');
      await writer.exit;

      for (const follower of followers) {
        const events = await follower.rest();
        expect(events.at(-1)).toMatchObject({ event: 'finish', data: { status: 'interrupted' } });
        expect(events.at(-2)).toMatchObject({ event: 'error', data: { code: 'interrupted' } });
        const ids = events.map((e) => e.id);
        expect(ids).toEqual([...ids].sort((a, b) => a - b));
      }
      expect(await messages.findOwned(userId, replyId)).toMatchObject({
        status: 'interrupted',
        content: 'Written by the dead',
      });
    });
  },
);
