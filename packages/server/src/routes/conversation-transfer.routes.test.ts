import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MAX_CONVERSATION_FILE_BYTES } from '../conversation-formats/imported-conversation.js';
import { sillyTavernDate } from '../conversation-formats/sillytavern-export.js';
import { queryRows } from '../db/database.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

const ST_FIXTURE = 'Seraphina - 2025-09-26@15h04m33s123ms.jsonl';
const fixture = (name: string) => {
  const url = new URL(`../conversation-formats/fixtures/${name}`, import.meta.url);
  if (!fs.existsSync(url)) throw new Error(`missing test fixture ${url.pathname}`);
  return fs.readFileSync(url);
};

type Upload = { name: string; bytes: Buffer | string };
type Result = {
  file: string;
  ok: boolean;
  format?: string;
  conversationId?: string;
  title?: string;
  messages?: number;
  error?: { code: string; message: string; details?: Record<string, unknown> };
};
type LuminaFile = {
  conversation: Record<string, unknown> & { avatar: { id: string; name: string } };
  activeLeafId: string;
  messages: { id: string; parentId: string | null; content: string; [k: string]: unknown }[];
};

describeStorage('conversation import and export on %s', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let user: Awaited<ReturnType<typeof signup>>;
  let other: Awaited<ReturnType<typeof signup>>;
  let ollama: OllamaServer;

  beforeAll(async () => {
    ollama = await new OllamaServer().listen();
    storage = await createTestStorage(mode);
    app = (
      await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000', OLLAMA_BASE_URL: ollama.origin })
    ).app;
    user = await signup(app, 'importer@example.org');
    other = await signup(app, 'other@example.org');
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    await ollama?.close();
  });

  async function upload(files: Upload[], fields: Record<string, string> = {}, cookie = user.cookie) {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    for (const f of files) form.append('file', new Blob([f.bytes]), f.name);
    const request = new Request('http://x/', { method: 'POST', body: form });
    return app.inject({
      method: 'POST',
      url: '/api/conversations/import',
      headers: { ...CSRF, cookie, 'content-type': request.headers.get('content-type')! },
      payload: Buffer.from(await request.arrayBuffer()),
    });
  }
  const results = (res: { json: () => unknown }) => (res.json() as { results: Result[] }).results;
  const exportAs = (id: string, format: 'json' | 'md' | 'sillytavern', cookie = user.cookie) =>
    app.inject({
      method: 'GET',
      url: `/api/conversations/${id}/export?format=${format}`,
      headers: { cookie },
    });
  const exportJson = async (id: string) => (await exportAs(id, 'json')).json() as LuminaFile;
  const count = async (table: 'conversations' | 'messages' | 'avatars') =>
    (
      await queryRows<{ n: number }>(
        storage.db,
        sql`select count(*)::int as n from ${sql.raw(table)} where owner_id = ${user.user.id}`,
      )
    )[0]!.n;
  const counts = async () => ({
    conversations: await count('conversations'),
    messages: await count('messages'),
    avatars: await count('avatars'),
  });
  /** Content of the active branch, root first. */
  const branch = (file: LuminaFile) => {
    const byId = new Map(file.messages.map((m) => [m.id, m]));
    const path: string[] = [];
    for (let m = byId.get(file.activeLeafId); m; m = m.parentId ? byId.get(m.parentId) : undefined)
      path.push(m.content);
    return path.reverse();
  };

  it('imports a SillyTavern chat: a stand-in avatar, swipes as siblings, the selected ones on the branch', async () => {
    const before = await counts();
    const res = await upload([{ name: ST_FIXTURE, bytes: fixture(ST_FIXTURE) }]);
    expect(res.statusCode, res.body).toBe(201);
    const [result] = results(res);
    expect(result).toMatchObject({
      file: ST_FIXTURE,
      ok: true,
      format: 'sillytavern-jsonl',
      title: 'Seraphina - 2025-09-26@15h04m33s123ms',
      messages: 11,
      conversationId: expect.any(String),
    });
    expect(await counts()).toEqual({
      conversations: before.conversations + 1,
      messages: before.messages + 11,
      avatars: before.avatars + 1,
    });
    const file = await exportJson(result!.conversationId!);
    expect(file.conversation.avatar.name).toBe('Seraphina');
    expect(branch(file).map((c) => c.slice(0, 20))).toEqual([
      '*You wake with a sta',
      '*I try to sit up, wi',
      '*She kneels beside t',
      '*Night falls over th',
      "(OOC: let's keep rep",
      'I found this carved ',
      '*Her expression dark',
      'Ask about the wards ',
    ]);
    const avatar = await app.inject({
      method: 'GET',
      url: `/api/avatars/${file.conversation.avatar.id}`,
      headers: { cookie: user.cookie },
    });
    expect(avatar.json().avatar).toMatchObject({ name: 'Seraphina', source: 'import:sillytavern-jsonl' });

    // The same chat again goes to the same avatar (matched by name).
    const again = results(await upload([{ name: ST_FIXTURE, bytes: fixture(ST_FIXTURE) }]));
    expect((await exportJson(again[0]!.conversationId!)).conversation.avatar.id).toBe(
      file.conversation.avatar.id,
    );
    expect((await counts()).avatars).toBe(before.avatars + 1);
  });

  it('round-trips losslessly through Lumina JSON, under fresh ids', async () => {
    const [st] = results(await upload([{ name: ST_FIXTURE, bytes: fixture(ST_FIXTURE) }]));
    const first = await exportJson(st!.conversationId!);
    const [back] = results(await upload([{ name: 'copy.json', bytes: JSON.stringify(first) }]));
    expect(back).toMatchObject({ ok: true, format: 'lumina-json', messages: 11 });
    const second = await exportJson(back!.conversationId!);
    expect(second.conversation.avatar.id).toBe(first.conversation.avatar.id); // re-linked, not recreated
    expect(second.messages.some((m) => first.messages.some((o) => o.id === m.id))).toBe(false);
    // Everything but the ids is the same, in the same order (siblings included).
    const renumber = (file: LuminaFile) => {
      const index = new Map(file.messages.map((m, i) => [m.id, i]));
      return {
        conversation: file.conversation,
        active: index.get(file.activeLeafId),
        messages: file.messages.map(({ id: _id, parentId, ...rest }) => ({
          parent: parentId === null ? null : index.get(parentId),
          ...rest,
        })),
      };
    };
    expect(renumber(second)).toEqual(renumber(first));
  });

  it('carries the conversation’s own prompt and generation settings through Lumina JSON, not the persona', async () => {
    const [st] = results(await upload([{ name: ST_FIXTURE, bytes: fixture(ST_FIXTURE) }]));
    const id = st!.conversationId!;
    const personas = await app.inject({
      method: 'PUT',
      url: '/api/settings',
      headers: { ...CSRF, cookie: user.cookie },
      payload: { personas: [{ name: 'Wanderer' }] },
    });
    const personaId = personas.json().settings.personas[0].id;
    const patched = await app.inject({
      method: 'PATCH',
      url: `/api/conversations/${id}`,
      headers: { ...CSRF, cookie: user.cookie },
      payload: {
        prompt: {
          systemPrompt: '{{original}} Speak in verse.',
          authorsNote: { text: '[Keep it short.]', depth: 2, role: 'system' },
          personaId,
        },
        generation: { temperature: 0.3, stop: ['###'] },
      },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const file = await exportJson(id);
    expect(file.conversation.prompt).toEqual({
      systemPrompt: '{{original}} Speak in verse.',
      authorsNote: { text: '[Keep it short.]', depth: 2, role: 'system' },
    });
    expect(file.conversation.generation).toEqual({ temperature: 0.3, stop: ['###'] });

    // Another user imports it: the prompt and settings come along; the persona was not theirs.
    const [copy] = results(
      await upload([{ name: 'copy.json', bytes: JSON.stringify(file) }], {}, other.cookie),
    );
    expect(copy).toMatchObject({ ok: true });
    const read = await app.inject({
      method: 'GET',
      url: `/api/conversations/${copy!.conversationId}`,
      headers: { cookie: other.cookie },
    });
    expect(read.json().conversation).toMatchObject({
      prompt: {
        systemPrompt: '{{original}} Speak in verse.',
        authorsNote: { text: '[Keep it short.]', depth: 2 },
      },
      generation: { temperature: 0.3, stop: ['###'] },
    });
    expect(read.json().conversation.prompt.personaId ?? null).toBeNull();

    // Out-of-range values are dropped on import, and a bad prompt is refused with the file's error.
    const hostile = structuredClone(file) as LuminaFile;
    hostile.conversation.generation = { temperature: 99, topP: 0.5 };
    const [lenient] = results(
      await upload([{ name: 'h.json', bytes: JSON.stringify(hostile) }], {}, other.cookie),
    );
    const lenientRead = await app.inject({
      method: 'GET',
      url: `/api/conversations/${lenient!.conversationId}`,
      headers: { cookie: other.cookie },
    });
    expect(lenientRead.json().conversation.generation).toEqual({ topP: 0.5 });
    hostile.conversation.prompt = { systemPrompt: 'x'.repeat(20_001), authorsNote: null };
    const [refused] = results(
      await upload([{ name: 'h.json', bytes: JSON.stringify(hostile) }], {}, other.cookie),
    );
    expect(refused).toMatchObject({ ok: false });
  });

  it('imports every conversation of a ChatGPT export, each with its tree and active branch', async () => {
    const before = await counts();
    const res = await upload([{ name: 'conversations.json', bytes: fixture('chatgpt-conversations.json') }]);
    expect(res.statusCode, res.body).toBe(201);
    const list = results(res);
    expect(list.map((r) => [r.ok, r.format, r.title, r.messages])).toEqual([
      [true, 'chatgpt-json', 'Sum of Squares 1-100', 2],
      [true, 'chatgpt-json', 'Sourdough Starter Smell', 9],
    ]);
    expect(await counts()).toEqual({
      conversations: before.conversations + 2,
      messages: before.messages + 11,
      avatars: before.avatars + 1, // one "ChatGPT" avatar for both
    });
    const sourdough = await exportJson(list[1]!.conversationId!);
    expect(branch(sourdough).map((c) => c.slice(0, 16))).toEqual([
      'My sourdough sta',
      "It's almost cert",
      "[image]\nHere's h",
      'That looks healt',
      'Thanks! Can you ',
      '| Where | How of',
    ]);
    expect(sourdough.conversation).toMatchObject({
      title: 'Sourdough Starter Smell',
      createdAt: '2024-09-26T08:00:00.000Z',
    });
  });

  it('exports the visible branch as Markdown, with a safe file name', async () => {
    const [st] = results(await upload([{ name: ST_FIXTURE, bytes: fixture(ST_FIXTURE) }]));
    await storage.db.execute(
      sql`update conversations set title = ${'Tea / "night" at the glade: part 2 🌙'} where id = ${st!.conversationId!}`,
    );
    const res = await exportAs(st!.conversationId!, 'md');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="Tea night at the glade part 2.md"; filename*=UTF-8''Tea%20night%20at%20the%20glade%20part%202.md`,
    );
    const markdown = res.body;
    expect(markdown.startsWith('# Tea / "night" at the glade: part 2 🌙\n')).toBe(true);
    expect(markdown).toContain('Conversation with **Seraphina** · 8 messages');
    expect(markdown).toContain('### Seraphina · 2025-09-26 15:04 UTC');
    expect(markdown).toContain('### Ada · 2025-09-26 07:09 UTC\n\n````markdown\nI found this carved');
    expect(markdown).not.toContain('Somewhere the wolves'); // a swipe that was not selected
    const json = await exportAs(st!.conversationId!, 'json');
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(json.headers['content-disposition']).toContain('.json"');
  });

  it('exports the visible branch as a SillyTavern chat, a regenerated reply as swipes, and imports it back', async () => {
    const as = { ...CSRF, cookie: user.cookie };
    await app.inject({
      method: 'PUT',
      url: '/api/settings',
      headers: as,
      payload: { defaultModel: 'ollama/llama3.2:latest' },
    });
    const avatar = await app.inject({
      method: 'POST',
      url: '/api/avatars',
      headers: as,
      payload: { name: 'Aria', greeting: 'Hello {{user}}.', alternateGreetings: ['Hey there!'] },
    });
    const avatarId = avatar.json().avatar.id as string;
    const created = await app.inject({
      method: 'POST',
      url: '/api/conversations',
      headers: as,
      payload: { avatarId },
    });
    const conversationId = created.json().conversation.id as string;
    ollama.script({ kind: 'text', tokens: ['First ', 'answer'] }, { kind: 'text', tokens: ['Aria talk'] });
    await app.inject({
      method: 'POST',
      url: `/api/conversations/${conversationId}/messages`,
      headers: as,
      payload: { content: 'Tell me something' },
    });
    const original = await exportJson(conversationId);
    const firstReply = original.messages.find((m) => m.content === 'First answer')!;
    ollama.script({ kind: 'text', tokens: ['Second ', 'answer'] });
    const regenerated = await app.inject({
      method: 'POST',
      url: `/api/messages/${firstReply.id}/regenerate`,
      headers: as,
    });
    expect(regenerated.statusCode).toBe(200);

    const res = await exportAs(conversationId, 'sillytavern');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/jsonl; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="Aria talk.jsonl"; filename*=UTF-8''Aria%20talk.jsonl`,
    );
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.endsWith('}\n')).toBe(true);
    const [header, greeting, question, reply, ...more] = res.body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(more).toEqual([]);
    expect(header).toEqual({
      user_name: 'importer',
      character_name: 'Aria',
      create_date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}@\d{2}h\d{2}m\d{2}s\d{3}ms$/),
      chat_metadata: {},
    });
    expect(greeting).toMatchObject({
      name: 'Aria',
      is_user: false,
      is_system: false,
      mes: 'Hello importer.',
      swipes: ['Hello importer.', 'Hey there!'],
      swipe_id: 0,
    });
    expect(question).toMatchObject({
      name: 'importer',
      is_user: true,
      is_system: false,
      mes: 'Tell me something',
    });
    expect(question).not.toHaveProperty('swipes');
    expect(reply).toMatchObject({
      name: 'Aria',
      is_user: false,
      mes: 'Second answer',
      swipes: ['First answer', 'Second answer'],
      swipe_id: 1,
      extra: { model: 'ollama/llama3.2:latest' },
      swipe_info: [
        { send_date: sillyTavernDate(new Date(firstReply.createdAt as string)) },
        { send_date: reply!.send_date },
      ],
    });

    // Lumina's SillyTavern importer reads it back: the same branch, the same swipes, the same avatar.
    const [back] = results(await upload([{ name: 'Aria talk.jsonl', bytes: res.body }]));
    expect(back).toMatchObject({ ok: true, format: 'sillytavern-jsonl', title: 'Aria talk', messages: 5 });
    const source = await exportJson(conversationId);
    const imported = await exportJson(back!.conversationId!);
    expect(imported.conversation.avatar.id).toBe(avatarId);
    expect(branch(imported)).toEqual(branch(source));
    expect(branch(imported)).toEqual(['Hello importer.', 'Tell me something', 'Second answer']);
    const siblingsOf = (file: LuminaFile, content: string) => {
      const shown = file.messages.find((m) => m.content === content)!;
      return file.messages.filter((m) => m.parentId === shown.parentId).map((m) => m.content);
    };
    expect(siblingsOf(imported, 'Second answer')).toEqual(['First answer', 'Second answer']);
    expect(siblingsOf(imported, 'Hello importer.')).toEqual(['Hello importer.', 'Hey there!']);

    // The selected swipe follows the branch the conversation shows.
    await app.inject({
      method: 'PATCH',
      url: `/api/conversations/${conversationId}`,
      headers: as,
      payload: { activeLeafId: firstReply.id },
    });
    const switched = (await exportAs(conversationId, 'sillytavern')).body.trimEnd().split('\n');
    expect(JSON.parse(switched.at(-1)!)).toMatchObject({ mes: 'First answer', swipe_id: 0 });
  });

  it('exports an imported SillyTavern chat back with its header, speakers and swipes', async () => {
    const [st] = results(await upload([{ name: ST_FIXTURE, bytes: fixture(ST_FIXTURE) }]));
    const res = await exportAs(st!.conversationId!, 'sillytavern');
    const lines = res.body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(9); // the header and the 8 messages of the branch
    expect(lines[0]).toMatchObject({
      user_name: 'importer',
      character_name: 'Seraphina',
      create_date: '2025-09-26@15h04m00s000ms',
      chat_metadata: { world_info: 'Eldoria', note_depth: 4 },
    });
    expect(lines.slice(1).map((line) => line.name)).toEqual([
      'Seraphina',
      'Ada',
      'Seraphina',
      'System',
      'Ada',
      'Ada',
      'Seraphina',
      'SillyTavern System', // the /comment, named as the file named it
    ]);
    expect(lines[3]).toMatchObject({ swipe_id: 1, swipes: expect.any(Array) });
    expect((lines[3]!.swipes as string[]).length).toBe(3);
    expect(lines[4]).toMatchObject({ extra: { type: 'narrator' } });
  });

  it('attaches to the avatar named in `avatarId`, and refuses one the user cannot see', async () => {
    const mine = await app.inject({
      method: 'POST',
      url: '/api/avatars',
      headers: { ...CSRF, cookie: user.cookie },
      payload: { name: 'Guide' },
    });
    const avatarId = mine.json().avatar.id as string;
    const [attached] = results(
      await upload([{ name: 'conversations.json', bytes: fixture('chatgpt-conversations.json') }], {
        avatarId,
      }),
    );
    expect((await exportJson(attached!.conversationId!)).conversation.avatar).toMatchObject({
      id: avatarId,
      name: 'Guide',
    });

    const before = await counts();
    const theirs = await upload(
      [{ name: ST_FIXTURE, bytes: fixture(ST_FIXTURE) }],
      { avatarId },
      other.cookie,
    );
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json().error.code).toBe('avatar_not_found');
    const bad = await upload([{ name: ST_FIXTURE, bytes: fixture(ST_FIXTURE) }], { avatarId: 'nope' });
    expect(bad.statusCode).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it('reports each bad file with a stable code and imports nothing of it', async () => {
    const before = await counts();
    const st = fixture(ST_FIXTURE).toString('utf8').split('\n');
    st[3] = st[3]!.slice(0, 50);
    const chatgpt = JSON.parse(fixture('chatgpt-conversations.json').toString('utf8'));
    const [squares] = chatgpt;
    const ids = Object.keys(squares.mapping);
    squares.mapping[ids[0]!].parent = ids.at(-1); // the root now hangs below the last answer: a loop
    const res = await upload([
      { name: 'broken.json', bytes: '{\n  "format": "lumina-conversation",\n  "version": 1\n  "x": 2\n}' },
      { name: 'chat.jsonl', bytes: st.join('\n') },
      {
        name: 'shape.json',
        bytes: JSON.stringify({ format: 'lumina-conversation', version: 1, messages: 'no' }),
      },
      { name: 'header-only.jsonl', bytes: '{"user_name":"U","character_name":"C","chat_metadata":{}}\n' },
      { name: 'conversations.json', bytes: JSON.stringify(chatgpt) },
      { name: 'notes.txt', bytes: 'Dear diary' },
      { name: 'empty.json', bytes: '' },
    ]);
    expect(res.statusCode, res.body).toBe(201);
    expect(
      results(res).map((r) => [
        r.file,
        r.ok,
        r.error?.code,
        r.error?.details?.line ?? r.error?.details?.reason,
      ]),
    ).toEqual([
      ['broken.json', false, 'conversation_file_not_json', 4],
      ['chat.jsonl', false, 'conversation_file_bad_line', 4],
      ['shape.json', false, 'conversation_file_invalid', undefined],
      ['header-only.jsonl', false, 'conversation_file_empty', undefined],
      ['conversations.json', false, 'conversation_tree_invalid', 'cycle'],
      ['conversations.json', true, undefined, undefined], // the other conversation of the export
      ['notes.txt', false, 'conversation_file_unsupported', undefined],
      ['empty.json', false, 'conversation_file_empty', undefined],
    ]);
    expect(results(res)[4]!.title).toBe('Sum of Squares 1-100');
    const after = await counts();
    expect(after.conversations).toBe(before.conversations + 1);
    expect(after.messages).toBe(before.messages + 9);
  });

  it('rolls back the avatar it created when storing the conversation fails', async () => {
    // A trigger makes the database refuse one message, after the avatar was inserted.
    await storage.db.execute(
      sql.raw(`create or replace function refuse_boom() returns trigger language plpgsql as $$
      begin if new.content = 'boom' then raise exception 'refused for the test'; end if; return new; end $$`),
    );
    await storage.db.execute(
      sql.raw(
        'create trigger refuse_boom before insert on messages for each row execute function refuse_boom()',
      ),
    );
    const before = await counts();
    const file = {
      format: 'lumina-conversation',
      version: 1,
      conversation: {
        title: 'Doomed',
        createdAt: '2025-01-01T00:00:00Z',
        avatar: { name: 'Brand New Avatar' },
      },
      activeLeafId: null,
      messages: [
        { id: 'a', parentId: null, role: 'user', content: 'fine', createdAt: '2025-01-01T00:00:00Z' },
        { id: 'b', parentId: 'a', role: 'assistant', content: 'boom', createdAt: '2025-01-01T00:00:01Z' },
      ],
    };
    const res = await upload([{ name: 'doomed.json', bytes: JSON.stringify(file) }]);
    await storage.db.execute(sql.raw('drop trigger refuse_boom on messages'));
    expect(res.statusCode).toBe(500);
    expect(await counts()).toEqual(before);
  });

  it.runIf(mode === 'pglite')('refuses a file over the size limit and still imports the others', async () => {
    const res = await upload([
      { name: 'huge.json', bytes: Buffer.alloc(MAX_CONVERSATION_FILE_BYTES + 10, 0x20) },
      { name: ST_FIXTURE, bytes: fixture(ST_FIXTURE) },
    ]);
    expect(res.statusCode).toBe(201);
    expect(results(res).map((r) => [r.file, r.ok, r.error?.code])).toEqual([
      ['huge.json', false, 'conversation_file_too_large'],
      [ST_FIXTURE, true, undefined],
    ]);
  });

  it('refuses a request without files or that is not multipart', async () => {
    const none = await upload([], { avatarId: '' });
    expect(none.statusCode).toBe(400);
    const json = await app.inject({
      method: 'POST',
      url: '/api/conversations/import',
      headers: { ...CSRF, cookie: user.cookie },
      payload: { file: 'x' },
    });
    expect(json.statusCode).toBe(400);
  });

  it('refuses more files than one request may carry', async () => {
    const before = await counts();
    const many = Array.from({ length: 21 }, (_, i) => ({
      name: `chat-${i}.jsonl`,
      bytes: fixture(ST_FIXTURE),
    }));
    const res = await upload(many);
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ code: 'too_many_files', details: { limit: 20 } });
    expect(await counts()).toEqual(before);
  });

  it("does not export another user's conversation", async () => {
    const [st] = results(await upload([{ name: ST_FIXTURE, bytes: fixture(ST_FIXTURE) }]));
    const res = await exportAs(st!.conversationId!, 'json', other.cookie);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('conversation_not_found');
  });
});
