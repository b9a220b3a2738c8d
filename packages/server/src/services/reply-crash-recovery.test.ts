import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { createPostgresDatabase, describeStorage } from '../test-support/storage.js';

const root = fileURLToPath(new URL('../../../..', import.meta.url));
const bin = path.join(root, 'packages/server/src/bin.ts');

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<unknown>;
}

function startProcess(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', bin], {
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

/** Polls `check` until it holds; the bound only turns a hang into a failure with a message. */
async function waitFor(check: () => boolean | Promise<boolean>, failure: () => string, boundMs = 120_000) {
  const deadline = Date.now() + boundMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(failure());
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitForReady(run: Run): Promise<string> {
  const address = () => /Lumina is ready at (http:\/\/[\d.:]+)/.exec(run.output())?.[1];
  await waitFor(
    () => address() !== undefined,
    () => `server did not start:\n${run.output()}`,
  );
  return address()!;
}

// Two server start-ups (each compiles the server with tsx and opens the database) take seconds
// on an idle machine and much longer on a busy one: the test waits on conditions, and this
// bound only keeps a real hang from running forever.
const KILL_TEST_TIMEOUT_MS = 300_000;

/**
 * The durability promise of docs/conversations.md, tested the hard way: the server process is
 * killed (SIGKILL, no shutdown code runs) while a reply streams, then started again.
 */
describeStorage('a server killed mid-reply (%s)', (mode) => {
  let ollama: OllamaServer;
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ollama = await new OllamaServer().listen();
    env = {
      OLLAMA_BASE_URL: ollama.origin,
      CHAT_FLUSH_INTERVAL_MS: '100',
      LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000',
    };
    if (mode === 'postgres') {
      const database = await createPostgresDatabase();
      env.DATABASE_URL = database.url;
      cleanup = database.drop;
    } else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-kill-'));
      fs.cpSync(inject('pgliteTemplateDir'), path.join(dir, 'db'), { recursive: true });
      env.LUMINA_DATA_DIR = dir;
      env.LUMINA_SECRET_KEY = 'ab'.repeat(32);
      cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    await ollama?.close();
    await cleanup?.();
  });

  it('keeps the user message and the text up to the last flush, marked interrupted', {
    timeout: KILL_TEST_TIMEOUT_MS,
  }, async () => {
    const first = startProcess(env);
    const url = await waitForReady(first);
    const signup = await fetch(`${url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-lumina-csrf': '1' },
      body: JSON.stringify({
        email: 'crash@example.org',
        password: 'a long enough passphrase',
        name: 'Crash',
      }),
    });
    const cookie = signup.headers.get('set-cookie')!.split(';')[0]!;
    const headers = { cookie, 'content-type': 'application/json', 'x-lumina-csrf': '1' };
    const call = async (method: string, route: string, body?: object) =>
      (
        await fetch(`${url}${route}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) })
      ).json();
    await call('PUT', '/api/settings', { defaultModel: 'ollama/llama3.2:latest' });
    const avatarId = (await call('GET', '/api/avatars')).avatars[0].id;
    const conversationId = (await call('POST', '/api/conversations', { avatarId })).conversation.id;

    ollama.script({ kind: 'hang', tokens: ['Words', ' before', ' the', ' crash'] });
    const streaming = await fetch(`${url}/api/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ content: 'Tell me a long story' }),
    });
    const reader = streaming.body!.getReader();
    let seen = '';
    while (!seen.includes('crash')) seen += new TextDecoder().decode((await reader.read()).value);
    // The listing reads the database: once it holds every word, a flush has written them.
    await waitFor(
      async () =>
        (await call('GET', `/api/conversations/${conversationId}/messages`)).messages.at(-1)?.content ===
        'Words before the crash',
      () => 'the streamed words were never flushed to the database',
    );
    first.child.kill('SIGKILL');
    await first.exit;

    const second = startProcess(env);
    const url2 = await waitForReady(second);
    try {
      const branch = await (
        await fetch(`${url2}/api/conversations/${conversationId}/messages`, { headers: { cookie } })
      ).json();
      const [, question, reply] = branch.messages;
      expect(question).toMatchObject({ role: 'user', content: 'Tell me a long story', status: 'complete' });
      expect(reply).toMatchObject({
        role: 'assistant',
        status: 'interrupted',
        content: 'Words before the crash',
        error: { code: 'interrupted' },
      });
    } finally {
      second.child.kill('SIGTERM');
      await second.exit;
    }
  });
});
