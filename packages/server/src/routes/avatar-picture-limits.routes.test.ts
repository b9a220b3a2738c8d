import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MAX_IMAGE_BYTES } from '../services/avatar-image.service.js';
import { PICTURE_LIMITS } from '../services/picture-limits.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { hostilePng } from '../test-support/hostile-inputs.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

describeStorage('picture upload limits over HTTP on %s', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let ada: Awaited<ReturnType<typeof signup>>;
  let avatarId: string;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    // The server-wide body limit is 1 MB; the picture route allows 5 MB of its own.
    app = (await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' })).app;
    ada = await signup(app, 'ada@example.org');
    avatarId = (
      await app.inject({
        method: 'POST',
        url: '/api/avatars',
        payload: { name: 'Framed' },
        headers: { ...CSRF, cookie: ada.cookie },
      })
    ).json().avatar.id;
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  const put = (url: string, payload: Buffer | string, contentType: string) =>
    app.inject({
      method: 'PUT',
      url,
      payload,
      headers: { ...CSRF, cookie: ada.cookie, 'content-type': contentType },
    });

  it('answers a picture over 5 MB with a 413 that states the 5 MB picture limit, not the server-wide one', async () => {
    const res = await put(`/api/avatars/${avatarId}/image`, Buffer.alloc(6 * 1024 * 1024), 'image/png');
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({
      code: 'payload_too_large',
      message: `The request body is larger than the ${MAX_IMAGE_BYTES}-byte limit`,
      details: { limitBytes: MAX_IMAGE_BYTES },
    });
  });

  it('states the lorebook route’s own 10 MB limit the same way', async () => {
    const body = JSON.stringify({ entries: { 0: { content: 'x'.repeat(11 * 1024 * 1024) } } });
    const res = await put(`/api/avatars/${avatarId}/lorebook`, body, 'application/json');
    expect(res.statusCode).toBe(413);
    expect(res.json().error.details).toEqual({ limitBytes: 10 * 1024 * 1024 });
  });

  it('refuses a 1,000,000×40 picture bomb by its header with 413 image_dimensions_too_large', async () => {
    const res = await put(
      `/api/avatars/${avatarId}/image`,
      hostilePng(1_000_000, 40, { pixels: 'zeros' }),
      'image/png',
    );
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({
      code: 'image_dimensions_too_large',
      details: { width: 1_000_000, height: 40, maxSide: PICTURE_LIMITS.maxSide },
    });
  });
});
