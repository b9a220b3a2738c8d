import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { queryRows } from '../db/database.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import {
  Automatic1111Server,
  ComfyUiServer,
  OpenAiImagesServer,
  testPicture,
} from '../test-support/protocol-servers/image-servers.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

type User = Awaited<ReturnType<typeof signup>>;

describeStorage('avatar picture generation on %s', (mode) => {
  let storage: TestStorage;
  const apps: FastifyInstance[] = [];
  const servers: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    storage = await createTestStorage(mode);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const server of servers) await server.close();
    await storage?.close();
  });

  /** An app with these settings, and a signed-up user with one avatar. */
  async function setUp(env: Record<string, string>, email: string) {
    const app = (await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000', ...env })).app;
    apps.push(app);
    const user = await signup(app, email);
    const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, who: User = user) =>
      app.inject({ method, url, payload: payload as object, headers: { ...CSRF, cookie: who.cookie } });
    const created = await call('POST', '/api/avatars', {
      name: 'Nova',
      description: '{{char}} is a stargazer with silver hair',
      traits: ['curious', 'gentle'],
    });
    return { app, user, call, avatarId: created.json().avatar.id as string };
  }

  it('is not offered, and refused with a clear code, when no service is configured', async () => {
    const { call, avatarId } = await setUp({}, 'plain@example.org');
    expect((await call('GET', '/api/image-generation')).json()).toEqual({
      available: false,
      backend: null,
      reason: 'not_configured',
    });
    const res = await call('POST', `/api/avatars/${avatarId}/image/generate`, {});
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('image_generation_not_configured');
  });

  it('draws the picture from the description with Automatic1111 and stores it as a 512×512 WebP', async () => {
    const a1111 = await new Automatic1111Server().listen();
    servers.push(a1111);
    const { app, user, call, avatarId } = await setUp(
      { IMAGE_GENERATION_BACKEND: 'automatic1111', IMAGE_GENERATION_URL: a1111.origin },
      'painter@example.org',
    );
    expect((await call('GET', '/api/image-generation')).json()).toEqual({
      available: true,
      backend: 'automatic1111',
      reason: null,
    });

    const res = await call('POST', `/api/avatars/${avatarId}/image/generate`);
    expect(res.statusCode, res.body).toBe(200);
    const avatar = res.json().avatar;
    expect(avatar.hasCustomImage).toBe(true);
    expect(a1111.lastRequest('/txt2img').body.prompt).toMatch(
      /^Portrait of Nova\. Nova is a stargazer with silver hair\. Curious, gentle\. Square avatar picture/,
    );
    const image = await app.inject({ method: 'GET', url: avatar.imageUrl, headers: { cookie: user.cookie } });
    expect(image.headers['content-type']).toBe('image/webp');
    expect(await sharp(image.rawPayload).metadata()).toMatchObject({
      format: 'webp',
      width: 512,
      height: 512,
    });

    // A prompt of one's own is sent as written; the new picture replaces the old one.
    const again = await call('POST', `/api/avatars/${avatarId}/image/generate`, {
      prompt: 'A watercolour owl',
    });
    expect(again.statusCode).toBe(200);
    expect(a1111.lastRequest('/txt2img').body.prompt).toBe('A watercolour owl');
    expect(again.json().avatar.imageUrl).not.toBe(avatar.imageUrl);
    const old = await app.inject({ method: 'GET', url: avatar.imageUrl, headers: { cookie: user.cookie } });
    expect(old.headers['content-type']).toBe('image/webp'); // the URL serves the avatar's current picture

    // A failing service leaves the picture as it was.
    a1111.script({ kind: 'http-error', status: 500, message: 'CUDA out of memory' });
    const failed = await call('POST', `/api/avatars/${avatarId}/image/generate`);
    expect(failed.statusCode).toBe(502);
    expect(failed.json().error).toMatchObject({
      code: 'image_generation_failed',
      details: { backend: 'automatic1111', status: 500 },
    });
    expect(failed.body).not.toContain('CUDA out of memory'); // the service's words stay out
    const after = (await call('GET', `/api/avatars/${avatarId}`)).json().avatar;
    expect(after.imageUrl).toBe(again.json().avatar.imageUrl);

    // An upload that lands while the service draws is the picture the generated one replaces:
    // exactly one picture file is left.
    const finishDrawing = a1111.hold();
    const asked = a1111.requests.length;
    const drawing = call('POST', `/api/avatars/${avatarId}/image/generate`);
    await vi.waitFor(() => expect(a1111.requests.length).toBe(asked + 1));
    const uploaded = await app.inject({
      method: 'PUT',
      url: `/api/avatars/${avatarId}/image`,
      headers: { ...CSRF, cookie: user.cookie, 'content-type': 'image/png' },
      payload: await testPicture(),
    });
    expect(uploaded.statusCode).toBe(200);
    finishDrawing();
    expect((await drawing).statusCode).toBe(200);
    const files = await queryRows<{ n: number }>(
      storage.db,
      sql`select count(*)::int as n from files where owner_id = ${user.user.id}`,
    );
    expect(files[0]!.n).toBe(1);

    // Someone else's avatar is not found, and nothing is generated for it.
    const stranger = await signup(app, 'stranger@example.org');
    const before = a1111.requests.length;
    expect((await call('POST', `/api/avatars/${avatarId}/image/generate`, {}, stranger)).statusCode).toBe(
      404,
    );
    expect(a1111.requests.length).toBe(before);
  });

  it('gives up at the timeout with image_generation_timeout, and interrupts ComfyUI', async () => {
    const comfy = await new ComfyUiServer().listen();
    servers.push(comfy);
    comfy.defaultReply = { kind: 'hang' };
    const { call, avatarId } = await setUp(
      {
        IMAGE_GENERATION_BACKEND: 'comfyui',
        IMAGE_GENERATION_URL: comfy.origin,
        IMAGE_GENERATION_TIMEOUT_MS: '1000',
      },
      'patient@example.org',
    );
    const res = await call('POST', `/api/avatars/${avatarId}/image/generate`);
    expect(res.statusCode).toBe(504);
    expect(res.json().error).toMatchObject({
      code: 'image_generation_timeout',
      details: { backend: 'comfyui' },
    });
    await expect.poll(() => comfy.requests.some((r) => r.path === '/interrupt')).toBe(true);
    expect((await call('GET', `/api/avatars/${avatarId}`)).json().avatar.hasCustomImage).toBe(false);
  });

  it('refuses a cloud image service in local-only mode, but not one on this machine', async () => {
    const cloud = await setUp(
      { IMAGE_GENERATION_BACKEND: 'openai', IMAGE_GENERATION_API_KEY: 'sk-test' },
      'private@example.org',
    );
    expect((await cloud.call('GET', '/api/image-generation')).json().available).toBe(true);
    await cloud.call('PUT', '/api/settings', { localOnly: true });
    expect((await cloud.call('GET', '/api/image-generation')).json()).toEqual({
      available: false,
      backend: 'openai',
      reason: 'local_only',
    });
    const refused = await cloud.call('POST', `/api/avatars/${cloud.avatarId}/image/generate`);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('local_only');

    const local = await new OpenAiImagesServer().listen();
    servers.push(local);
    const onMachine = await setUp(
      {
        IMAGE_GENERATION_BACKEND: 'openai',
        IMAGE_GENERATION_URL: local.origin,
        IMAGE_GENERATION_API_KEY: 'sk-test',
        IMAGE_GENERATION_MODEL: 'dall-e-2',
        LUMINA_LOCAL_ONLY: 'true',
      },
      'local@example.org',
    );
    const res = await onMachine.call('POST', `/api/avatars/${onMachine.avatarId}/image/generate`, {
      prompt: 'An owl',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(local.lastRequest('/images/generations').body).toMatchObject({
      model: 'dall-e-2',
      prompt: 'An owl',
    });
  });
});
