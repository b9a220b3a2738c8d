import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../json-depth.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { deeplyNestedJson } from '../test-support/hostile-inputs.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

const luminaFile = (metadata: string) =>
  JSON.stringify({
    format: 'lumina-conversation',
    version: 1,
    conversation: { title: 'Fine', createdAt: '2025-01-01T00:00:00Z', avatar: { name: 'Bob' } },
    activeLeafId: null,
    messages: [
      {
        id: 'a',
        parentId: null,
        role: 'user',
        content: 'hi',
        createdAt: '2025-01-01T00:00:00Z',
        metadata: 'M',
      },
    ],
  }).replace('"M"', metadata);

describeStorage('conversation import of JSON nested too deep on %s', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let user: Awaited<ReturnType<typeof signup>>;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    app = (await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' })).app;
    user = await signup(app, 'deep@example.org');
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  it('gives the 10,000-deep file its own json_too_deep result and imports the others', async () => {
    const form = new FormData();
    form.append('file', new Blob([luminaFile('{}')]), 'fine.json');
    form.append('file', new Blob([luminaFile(deeplyNestedJson(10_000))]), 'deep.json');
    const header = JSON.stringify({ user_name: 'You', character_name: 'Bot', create_date: '2025-01-01' });
    const line = JSON.stringify({ name: 'Bot', is_user: false, mes: 'hi', extra: 'DEEP' });
    form.append(
      'file',
      new Blob([`${header}\n${line.replace('"DEEP"', deeplyNestedJson(10_000))}`]),
      'chat.jsonl',
    );
    const request = new Request('http://x/', { method: 'POST', body: form });
    const res = await app.inject({
      method: 'POST',
      url: '/api/conversations/import',
      headers: { ...CSRF, cookie: user.cookie, 'content-type': request.headers.get('content-type')! },
      payload: Buffer.from(await request.arrayBuffer()),
    });
    expect(res.statusCode).toBe(201);
    const [fine, deep, jsonl] = res.json().results;
    expect(fine).toMatchObject({ file: 'fine.json', ok: true });
    expect(deep).toMatchObject({ file: 'deep.json', ok: false, error: { code: 'json_too_deep' } });
    expect(jsonl).toMatchObject({
      file: 'chat.jsonl',
      ok: false,
      error: { code: 'json_too_deep', details: { limit: MAX_JSON_DEPTH, where: 'line 2' } },
    });
  });
});
