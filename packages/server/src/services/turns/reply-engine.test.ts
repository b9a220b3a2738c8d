import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryRows } from '../../db/database.js';
import { createMessageRepository } from '../../repositories/message.repository.js';
import { createUsageRepository } from '../../repositories/usage.repository.js';
import { createTestApp } from '../../test-support/app.js';
import { startChat } from '../../test-support/conversations.js';
import { OllamaServer } from '../../test-support/protocol-servers/ollama-server.js';
import { parseSse, type SseEvent } from '../../test-support/sse.js';
import { createTestStorage, describeStorage, type TestStorage } from '../../test-support/storage.js';

const MODEL = 'ollama/llama3.2:latest';

/**
 * Records every statement sent to the database while `work` runs: node-postgres clients (every
 * pool query goes through one, named statements with their text), or the PGlite client's
 * query/exec, with BEGIN and COMMIT for each transaction and the statements inside it, and its
 * prepared statements (db/pglite-prepared.ts) with their text.
 */
async function statementsOf(storage: TestStorage, work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const text = (q: unknown) => (typeof q === 'string' ? q : ((q as { text?: string }).text ?? ''));
  const client = (storage.db as unknown as { $client: Record<string, unknown> }).$client;
  const restore: (() => void)[] = [];
  const wrap = (target: Record<string, unknown>, name: string, label?: string) => {
    const original = target[name] as (...args: unknown[]) => unknown;
    target[name] = function (this: unknown, ...args: unknown[]) {
      seen.push(label ?? text(args[0]));
      return original.apply(this, args);
    };
    restore.push(() => {
      target[name] = original;
    });
  };
  if (client instanceof pg.Pool) {
    wrap(pg.Client.prototype as unknown as Record<string, unknown>, 'query');
  } else {
    wrap(client, 'query');
    wrap(client, 'exec');
    // prepared(name, text, params): recorded by its text, as node-postgres records a named query.
    const prepared = client.prepared as (name: string, text: string, params: unknown[]) => Promise<unknown>;
    client.prepared = (name: string, text: string, params: unknown[]) => {
      seen.push(text);
      return prepared.call(client, name, text, params);
    };
    restore.push(() => {
      client.prepared = prepared;
    });
    const transaction = client.transaction as (fn: (tx: unknown) => Promise<unknown>) => Promise<unknown>;
    client.transaction = (fn: (tx: Record<string, unknown>) => Promise<unknown>) => {
      seen.push('begin');
      return transaction
        .call(client, (tx) => {
          wrap(tx as Record<string, unknown>, 'query');
          wrap(tx as Record<string, unknown>, 'exec');
          return fn(tx as Record<string, unknown>);
        })
        .finally(() => seen.push('commit'));
    };
    restore.push(() => {
      client.transaction = transaction;
    });
  }
  try {
    await work();
  } finally {
    for (const undo of restore.reverse()) undo();
  }
  return seen;
}
const textOf = (events: SseEvent[]) =>
  events
    .filter((e) => e.event === 'text-delta')
    .map((e) => e.data.delta)
    .join('');

describeStorage('the reply engine: turns, speakers, continue, usage (%s)', (mode) => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  let app: FastifyInstance;
  let logs: string[];
  let chat: Awaited<ReturnType<typeof startChat>>;
  let avatarId: string;
  const messages = () => createMessageRepository(storage.db);
  const usageEventsOf = (userId: string) => createUsageRepository(storage.db).listForUser(userId, 1000);

  beforeAll(async () => {
    ollama = await new OllamaServer().listen();
    storage = await createTestStorage(mode);
    ({ app, logs } = await createTestApp(storage, {
      OLLAMA_BASE_URL: ollama.origin,
      CHAT_FLUSH_INTERVAL_MS: '50',
    }));
    chat = await startChat(app, 'turns@example.org', { model: MODEL });
    avatarId = (await messages().findOwned(chat.userId, chat.greetingId))!.speakerAvatarId!;
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    await ollama?.close();
  });

  const post = async (url: string, payload?: object) => {
    const response = await app.inject({
      method: 'POST',
      url,
      headers: chat.headers,
      ...(payload ? { payload } : {}),
    });
    expect(response.statusCode, response.body).toBe(200);
    return parseSse(response.body);
  };

  it('records turns and speakers on every row, and says them in message-start', async () => {
    ollama.script({ kind: 'text', tokens: ['Once', ' upon'] }, { kind: 'text', tokens: ['A tale'] });
    const events = await post(`/api/conversations/${chat.conversationId}/messages`, {
      content: 'Tell me a story',
    });
    const [question, reply] = events.filter((e) => e.event === 'message-start');
    const questionId = question!.data.messageId as string;
    expect(question!.data).toMatchObject({
      role: 'user',
      parentId: chat.greetingId,
      turnId: questionId,
      participant: { kind: 'user', id: chat.userId },
    });
    expect(reply!.data).toMatchObject({
      role: 'assistant',
      parentId: questionId,
      turnId: questionId,
      participant: { kind: 'avatar', id: avatarId },
    });
    const stored = await messages().findOwned(chat.userId, reply!.data.messageId as string);
    expect(stored).toMatchObject({
      status: 'complete',
      content: 'Once upon',
      parts: [{ type: 'text', text: 'Once upon' }],
      turnId: questionId,
      speakerAvatarId: avatarId,
      speakerUserId: null,
    });
    expect(await messages().findOwned(chat.userId, questionId)).toMatchObject({
      turnId: questionId,
      speakerUserId: chat.userId,
      speakerAvatarId: null,
    });
    // The automatic title arrived on the reply's stream, before it ended.
    expect(events.find((e) => e.event === 'title')?.data).toMatchObject({ title: 'A tale' });
  });

  it('continues a reply: a sibling that starts with its text, the model sent the reply to go on from', async () => {
    const [leaf] = await queryRows<{ active_leaf_id: string }>(
      storage.db,
      sql`select active_leaf_id from conversations where id = ${chat.conversationId}`,
    );
    const original = (await messages().findOwned(chat.userId, leaf!.active_leaf_id))!;
    expect(original.content).toBe('Once upon');
    ollama.script({ kind: 'text', tokens: [' a', ' time.'] });

    const events = await post(`/api/messages/${original.id}/continue`);

    const starts = events.filter((e) => e.event === 'message-start');
    expect(starts).toHaveLength(1);
    const continued = starts[0]!.data;
    expect(continued).toMatchObject({
      role: 'assistant',
      parentId: original.parentId,
      turnId: original.turnId,
      participant: { kind: 'avatar', id: avatarId },
      // The client replaces what it shows with this, then appends the deltas.
      content: 'Once upon',
    });
    expect(continued.messageId).not.toBe(original.id);
    expect(textOf(events)).toBe(' a time.');
    expect(events.at(-1)).toMatchObject({ event: 'finish', data: { status: 'complete' } });
    const sent = ollama.requests.filter((r) => r.path === '/api/chat').at(-1)!.body.messages;
    expect(sent.at(-1)).toMatchObject({ role: 'assistant', content: 'Once upon' });

    expect(await messages().findOwned(chat.userId, continued.messageId as string)).toMatchObject({
      status: 'complete',
      content: 'Once upon a time.',
      parts: [{ type: 'text', text: 'Once upon a time.' }],
      parentId: original.parentId,
      turnId: original.turnId,
      speakerAvatarId: avatarId,
      metadata: { continuedFrom: original.id },
    });
    // The original stays as it was, one sibling back; the visible branch moved to the new one.
    expect(await messages().findOwned(chat.userId, original.id)).toMatchObject({ content: 'Once upon' });
    const [after] = await queryRows<{ active_leaf_id: string }>(
      storage.db,
      sql`select active_leaf_id from conversations where id = ${chat.conversationId}`,
    );
    expect(after!.active_leaf_id).toBe(continued.messageId);
  });

  it('refuses to continue a user message, with a stable code', async () => {
    const [question] = await queryRows<{ id: string }>(
      storage.db,
      sql`select id from messages where conversation_id = ${chat.conversationId} and role = 'user' limit 1`,
    );
    const response = await app.inject({
      method: 'POST',
      url: `/api/messages/${question!.id}/continue`,
      headers: chat.headers,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('cannot_continue');
  });

  it('sends a turn in three statements and recall’s searches, none of them a transaction (issue 11)', async () => {
    // A named conversation, so no title is made; a first send warms what is cached per process.
    await app.inject({
      method: 'PATCH',
      url: `/api/conversations/${chat.conversationId}`,
      headers: chat.headers,
      payload: { title: 'Counted' },
    });
    ollama.script({ kind: 'text', tokens: ['Warm'] }, { kind: 'text', tokens: ['Counted', ' reply'] });
    await post(`/api/conversations/${chat.conversationId}/messages`, { content: 'Warm up' });

    let events: SseEvent[] = [];
    const statements = await statementsOf(storage, async () => {
      events = await post(`/api/conversations/${chat.conversationId}/messages`, { content: 'Count me' });
    });

    expect(textOf(events)).toBe('Counted reply');
    // Flushes (one statement for every streaming reply per tick) and the user's settings and
    // providers (cached for a second: a loaded machine can take longer than that between the
    // warm-up and this send) depend on timing; everything else a send does is here, in this
    // order. The price table is cached for 5 s: it was read on every turn while the cache held
    // a Drizzle query (a thenable that runs again on each await) instead of its rows.
    // Table maintenance (db/table-maintenance.ts) may run its round meanwhile: not the turn's.
    const perTurn = statements.filter(
      (s) =>
        !/^update messages as m\s|^select .* from "(user_settings|provider_configs)"/.test(s) &&
        !/^select c\.relname as name|^(vacuum \(analyze\)|analyze) "/.test(s),
    );
    const kinds = perTurn.map((s) =>
      /row_to_json\(c\)/.test(s) && /row_to_json\(a\) from avatars/.test(s)
        ? 'conversation, its messages, avatar and user'
        : /^with v as \(/.test(s) &&
            /moved as \(\s*update conversations/.test(s) &&
            /insert into messages/.test(s)
          ? 'question and reply, leaf moved'
          : /^with recorded as \(\s*insert into usage_events/.test(s) && /update messages/.test(s)
            ? 'finish with the usage event'
            : /^with l0 as materialized \(/.test(s) && /pinned as \(/.test(s)
              ? 'recall: the profile and every list, one statement'
              : s,
    );
    // Recall (memory on for this avatar; no embedding model, so full text only): the profile
    // and the BM25 lists of memories, past messages and documents with their rows, in one
    // statement (searchForRecall). It runs while the model chain is resolved.
    expect(kinds).toEqual([
      'conversation, its messages, avatar and user',
      'recall: the profile and every list, one statement',
      'question and reply, leaf moved',
      'finish with the usage event',
    ]);
  });

  it('calls the model while the rows are written; when they cannot be, stops the call and answers the error', async () => {
    const run = (text: string) => storage.db.execute(sql.raw(text));
    // The insert takes 300 ms and then fails: the model call has gone out by then.
    await run(`create function lumina_test_no_messages() returns trigger language plpgsql as $$
      begin perform pg_sleep(0.3); raise exception 'messages cannot be written'; end $$`);
    await run(`create trigger no_messages before insert on messages
      for each statement execute function lumina_test_no_messages()`);
    const usageBefore = (await usageEventsOf(chat.userId)).length;
    const callsBefore = ollama.requests.filter((r) => r.path.endsWith('/api/chat')).length;
    try {
      ollama.script({ kind: 'text', tokens: ['Never', ' stored'] });
      const response = await app.inject({
        method: 'POST',
        url: `/api/conversations/${chat.conversationId}/messages`,
        headers: chat.headers,
        payload: { content: 'Is anyone there?' },
      });
      // The request fails as it did before the model was called early: a plain error, no stream.
      expect(response.statusCode).toBe(500);
      expect(response.json().error.code).toBe('internal_error');
    } finally {
      await run('drop trigger no_messages on messages');
      await run('drop function lumina_test_no_messages');
    }
    // The model was asked while the rows were being written …
    expect(ollama.requests.filter((r) => r.path.endsWith('/api/chat')).length).toBe(callsBefore + 1);
    // … nothing was stored, and the call was stopped and recorded.
    const tree = (await messages().conversationTree(chat.userId, { conversationId: chat.conversationId }))!;
    expect(tree.branch(tree.conversation.activeLeafId!).some((m) => m.content === 'Is anyone there?')).toBe(
      false,
    );
    const added = (await usageEventsOf(chat.userId)).slice(usageBefore);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ purpose: 'chat', model: MODEL });
    // The next send works and streams its own reply.
    ollama.script({ kind: 'text', tokens: ['Here', ' now'] });
    const events = await post(`/api/conversations/${chat.conversationId}/messages`, { content: 'Hello?' });
    expect(textOf(events)).toBe('Here now');
  });

  it('completes and stores a reply when recording its usage fails', async () => {
    const run = (text: string) => storage.db.execute(sql.raw(text));
    await run(`create function lumina_test_no_usage() returns trigger language plpgsql as $$
      begin raise exception 'usage recording is broken'; end $$`);
    await run(`create trigger no_usage before insert on usage_events
      for each statement execute function lumina_test_no_usage()`);
    try {
      ollama.script({ kind: 'text', tokens: ['Still', ' answered'] });
      const events = await post(`/api/conversations/${chat.conversationId}/messages`, {
        content: 'Are you there?',
      });
      expect(events.filter((e) => e.event === 'error')).toEqual([]);
      expect(textOf(events)).toBe('Still answered');
      expect(events.at(-1)).toMatchObject({
        event: 'finish',
        data: { status: 'complete', finishReason: 'stop' },
      });
      const replyId = events.filter((e) => e.event === 'message-start').at(-1)!.data.messageId as string;
      expect(await messages().findOwned(chat.userId, replyId)).toMatchObject({
        status: 'complete',
        content: 'Still answered',
        error: null,
      });
      expect(logs.some((line) => line.includes('usage not recorded'))).toBe(true);
    } finally {
      await run('drop trigger no_usage on usage_events');
    }
  });
});
