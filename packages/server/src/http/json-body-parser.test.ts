import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../json-depth.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { deeplyNestedJson } from '../test-support/hostile-inputs.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

/** `value` as JSON text with the string "DEEP" replaced by JSON nested `depth` levels. */
const withDeep = (value: unknown, depth: number) =>
  JSON.stringify(value).replace('"DEEP"', deeplyNestedJson(depth));

describeStorage('JSON request bodies nested too deep on %s', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let ada: Awaited<ReturnType<typeof signup>>;
  let avatarId: string;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    app = (await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' })).app;
    ada = await signup(app, 'ada@example.org');
    avatarId = (await send('POST', '/api/avatars', JSON.stringify({ name: 'Deep' }))).json().avatar.id;
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  const send = (method: 'POST' | 'PUT' | 'PATCH', url: string, body: string) =>
    app.inject({
      method,
      url,
      payload: body,
      headers: { ...CSRF, cookie: ada.cookie, 'content-type': 'application/json' },
    });

  it('refuses a lorebook document with 10,000-deep extensions with 400 json_too_deep', async () => {
    const worldInfo = { entries: { 0: { uid: 0, key: ['harbor'], comment: 'Harbor', content: 'Ships.' } } };
    expect(
      (await send('PUT', `/api/avatars/${avatarId}/lorebook`, JSON.stringify(worldInfo))).statusCode,
    ).toBe(200);
    const { lorebook } = (
      await app.inject({
        method: 'GET',
        url: `/api/avatars/${avatarId}/lorebook/document`,
        headers: { cookie: ada.cookie },
      })
    ).json();
    lorebook.entries[0].extensions = { hostile: 'DEEP' };
    const url = `/api/avatars/${avatarId}/lorebook/document`;

    const deep = await send('PUT', url, withDeep({ lorebook }, 10_000));
    expect(deep.statusCode).toBe(400);
    expect(deep.json().error).toMatchObject({ code: 'json_too_deep', details: { limit: MAX_JSON_DEPTH } });
    // Nesting a real editor could produce still saves: the body is the document plus 4 levels.
    expect((await send('PUT', url, withDeep({ lorebook }, 20))).statusCode).toBe(200);
  });

  it('refuses a 10,000-deep World Info import and any other JSON body the same way', async () => {
    const worldInfo = { entries: { 0: { uid: 0, key: ['a'], content: 'b', extensions: 'DEEP' } } };
    const lorebook = await send('PUT', `/api/avatars/${avatarId}/lorebook`, withDeep(worldInfo, 10_000));
    expect(lorebook.statusCode).toBe(400);
    expect(lorebook.json().error.code).toBe('json_too_deep');
    const patch = await send('PATCH', `/api/avatars/${avatarId}`, withDeep({ name: 'DEEP' }, 10_000));
    expect(patch.statusCode).toBe(400);
    expect(patch.json().error.code).toBe('json_too_deep');
  });

  it('still parses ordinary bodies and refuses prototype poisoning and broken JSON as before', async () => {
    expect((await send('PATCH', `/api/avatars/${avatarId}`, '{"name":"Shallow"}')).json().avatar.name).toBe(
      'Shallow',
    );
    const poisoned = await send('PATCH', `/api/avatars/${avatarId}`, '{"__proto__":{"admin":true}}');
    expect(poisoned.statusCode).toBe(400);
    const broken = await send('PATCH', `/api/avatars/${avatarId}`, '{"name":');
    expect(broken.json().error.code).toBe('invalid_request');
  });
});
