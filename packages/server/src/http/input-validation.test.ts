import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CSRF, createTestApp, signup, type TestApp } from '../test-support/app.js';
import { waitUntil } from '../test-support/sse.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { findUnstorableText, stripUnstorableText } from '../unstorable-text.js';

describe('findUnstorableText and stripUnstorableText', () => {
  it('finds U+0000 in nested strings and keys, as a JSON pointer', () => {
    expect(findUnstorableText({ a: ['ok', { 'b/c': 'x\u0000' }] })).toBe('/a/1/b~1c');
    expect(findUnstorableText({ 'k\u0000': 1 })).toBe('/k\u0000');
    expect(findUnstorableText('\u0000')).toBe('/');
    expect(findUnstorableText({ a: 'ok \ud83d\ude00', b: ['x\ud800'] })).toBe('/b/0'); // a lone surrogate
    expect(findUnstorableText('\udc00x')).toBe('/');
    expect(findUnstorableText({ a: 'clean', n: 1, z: null })).toBeUndefined();
    expect(findUnstorableText(Buffer.from([0, 0, 0]))).toBeUndefined(); // binary uploads may hold zero bytes
  });

  it('walks a deeply nested value without overflowing the stack', () => {
    let deep: unknown = 'a\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findUnstorableText(deep)?.startsWith('/0/0/0')).toBe(true);
  });

  it('strips U+0000 from strings and keys, leaving backslashes and other text alone', () => {
    expect(stripUnstorableText({ 'na\u0000me': 'A\u0000da \\u0000', list: ['\u0000x', 'y\ud800'] })).toEqual({
      name: 'Ada \\u0000',
      list: ['x', 'y\ufffd'],
    });
  });
});

describeStorage('input the validators refuse (%s)', (mode) => {
  let storage: TestStorage;
  let test: TestApp;
  let app: FastifyInstance;
  let cookie: string;
  let avatarId: string;
  let conversationId: string;
  const headers = () => ({ ...CSRF, cookie });

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    test = await createTestApp(storage);
    app = test.app;
    ({ cookie } = await signup(app, 'valid@example.org'));
    const avatar = await app.inject({
      method: 'POST',
      url: '/api/avatars',
      headers: headers(),
      payload: { name: 'Checked' },
    });
    avatarId = avatar.json().avatar.id;
    const conversation = await app.inject({
      method: 'POST',
      url: '/api/conversations',
      headers: headers(),
      payload: { avatarId },
    });
    conversationId = conversation.json().conversation.id;
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  const expectNulRefused = (res: { statusCode: number; json: () => unknown }, where: string) => {
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: { code: 'invalid_request', details: { issues: [expect.objectContaining({ in: where })] } },
    });
  };

  it.each([
    ['/api/avatars?q=a%00b'],
    ['/api/search?q=a%00b'],
    ['/api/conversations?q=%00'],
    ['/api/avatars?tag=x%00'],
  ])('refuses a NUL in the query string of %s with 400', async (url) => {
    expectNulRefused(await app.inject({ method: 'GET', url, headers: headers() }), 'querystring');
  });

  it('refuses a NUL in a JSON body, in a value or a key, however deep', async () => {
    expectNulRefused(
      await app.inject({
        method: 'POST',
        url: '/api/avatars',
        headers: headers(),
        payload: { name: 'a\u0000b' },
      }),
      'body',
    );
    const nested = await app.inject({
      method: 'PATCH',
      url: `/api/avatars/${avatarId}`,
      headers: { ...headers(), 'content-type': 'application/json' },
      payload: '{"tags":["ok","b\\u0000"]}',
    });
    expectNulRefused(nested, 'body');
    expect(nested.json().error.details.issues[0].path).toBe('/tags/1');
    expectNulRefused(
      await app.inject({
        method: 'PATCH',
        url: `/api/conversations/${conversationId}`,
        headers: headers(),
        payload: { title: 'x', '\u0000': 1 },
      }),
      'body',
    );
  });

  it('refuses an unpaired surrogate escape in a JSON body (jsonb cannot hold it)', async () => {
    const res = await app.inject({
      method: 'PUT',
      url: `/api/avatars/${avatarId}/lorebook/document`,
      headers: { ...headers(), 'content-type': 'application/json' },
      payload: '{"lorebook":{"name":"L","extensions":{"k":"\\ud800"},"entries":[]}}',
    });
    expectNulRefused(res, 'body');
    expect(res.json().error.details.issues[0].path).toBe('/lorebook/extensions/k');
  });

  it('answers a path id that is not a UUID with 404 and the resource code', async () => {
    for (const [url, code] of [
      ['/api/avatars/not-a-uuid', 'avatar_not_found'],
      ['/api/conversations/123', 'conversation_not_found'],
      ['/api/messages/x/stream', 'message_not_found'],
      ['/api/search/jump/zz', 'message_not_found'],
      [`/api/avatars/${avatarId}x/prompt-preview`, 'avatar_not_found'],
    ] as const) {
      const res = await app.inject({ method: 'GET', url, headers: headers() });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code, url).toBe(code);
    }
    const deleted = await app.inject({ method: 'DELETE', url: '/api/auth/tokens/nope', headers: headers() });
    expect(deleted.statusCode).toBe(404);
    expect(deleted.json().error.code).toBe('token_not_found');
  });

  it('answers an empty PATCH with 200 and the resource unchanged, on every PATCH route', async () => {
    const me = await app.inject({ method: 'GET', url: '/api/auth/me', headers: headers() });
    for (const url of [
      '/api/auth/me',
      `/api/avatars/${avatarId}`,
      `/api/conversations/${conversationId}`,
      '/api/admin/settings',
    ]) {
      const res = await app.inject({ method: 'PATCH', url, headers: headers(), payload: {} });
      expect(res.statusCode, url).toBe(200);
    }
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: headers() })).json()).toEqual(
      me.json(),
    );
  });

  it('answers a PATCH without a body with 400 invalid_request', async () => {
    const res = await app.inject({ method: 'PATCH', url: '/api/auth/me', headers: headers() });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_request');
  });

  it('answers a WebSocket frame holding U+0000 with an invalid_frame error, and stores nothing', async () => {
    if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/conversations`, {
      headers: { cookie, origin: `http://127.0.0.1:${port}` },
    });
    const frames: Record<string, unknown>[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(String(data))));
    await new Promise((resolve) => socket.on('open', resolve));
    socket.send(JSON.stringify({ type: 'send', ref: 'n1', conversationId, content: 'a\u0000b' }));
    await waitUntil(async () => frames.some((f) => f.ref === 'n1'));
    socket.close();
    expect(frames.find((f) => f.ref === 'n1')).toMatchObject({
      type: 'error',
      code: 'invalid_frame',
      details: { path: '/content' },
    });
    const branch = await app.inject({
      method: 'GET',
      url: `/api/conversations/${conversationId}/messages`,
      headers: headers(),
    });
    expect(branch.json().messages.some((m: { role: string }) => m.role === 'user')).toBe(false);
  });

  const importFile = async (url: string, name: string, content: string) => {
    const form = new FormData();
    form.append('file', new Blob([content], { type: 'application/json' }), name);
    const request = new Request('http://x/', { method: 'POST', body: form });
    return app.inject({
      method: 'POST',
      url,
      headers: { ...headers(), 'content-type': request.headers.get('content-type')! },
      payload: Buffer.from(await request.arrayBuffer()),
    });
  };

  it('imports a card whose text holds U+0000 with the NUL characters removed', async () => {
    const card = {
      spec: 'chara_card_v2',
      spec_version: '2.0',
      data: {
        name: 'A\u0000da',
        description: 'Line\u0000one',
        first_mes: 'Hi\u0000',
        tags: ['t\u0000ag'],
        extensions: { 'k\u0000ey': 'v\u0000' },
      },
    };
    const res = await importFile('/api/avatars/import', 'nul.json', JSON.stringify(card));
    expect(res.statusCode, res.body).toBe(200);
    const [result] = res.json().results;
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(result.avatar).toMatchObject({ name: 'Ada', description: 'Lineone', tags: ['tag'] });
    expect(JSON.stringify(result.avatar)).not.toContain('\\u0000');
  });

  it('keeps search terms and message text out of the logs, even when the request fails with a 500', async () => {
    const term = 'zebrafinchsecretterm';
    const text = 'my private diary entry 7741';
    // Real failures of the database, not of our code: the search column is gone, and every
    // changed avatar row violates a check.
    await storage.db.execute(sql.raw('alter table messages rename column tsv to tsv_gone'));
    await storage.db.execute(
      sql.raw('alter table avatars add constraint fuzz_refuse_rows check (false) not valid'),
    );
    try {
      const search = await app.inject({ method: 'GET', url: `/api/search?q=${term}`, headers: headers() });
      expect(search.statusCode).toBe(500);
      const update = await app.inject({
        method: 'PATCH',
        url: `/api/avatars/${avatarId}`,
        headers: headers(),
        payload: { persona: text },
      });
      expect(update.statusCode).toBe(500);
      const all = test.logs.join('\n');
      expect(all).toContain(search.json().error.requestId); // the failures were logged
      expect(all).toContain('Failed query'); // with the SQL that failed
      expect(all).not.toContain(term);
      expect(all).not.toContain(text);
      expect(all).not.toContain('diary');
    } finally {
      await storage.db.execute(sql.raw('alter table avatars drop constraint fuzz_refuse_rows'));
      await storage.db.execute(sql.raw('alter table messages rename column tsv_gone to tsv'));
    }
  });
});
