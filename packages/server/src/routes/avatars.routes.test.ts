import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

describeStorage('avatars on %s', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let ada: Awaited<ReturnType<typeof signup>>;
  let bob: Awaited<ReturnType<typeof signup>>;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    app = (await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' })).app;
    ada = await signup(app, 'ada@example.org');
    bob = await signup(app, 'bob@example.org');
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  const call = (
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    who = ada,
    payload?: unknown,
    headers = {},
  ) =>
    app.inject({
      method,
      url,
      payload: payload as object,
      headers: { ...CSRF, cookie: who.cookie, ...headers },
    });

  it('gives every new user the Lumina assistant', async () => {
    const { avatars } = (await call('GET', '/api/avatars')).json();
    expect(avatars).toHaveLength(1);
    expect(avatars[0]).toMatchObject({
      name: 'Lumina',
      source: 'template:lumina',
      owned: true,
      visibility: 'private',
    });
    expect(avatars[0].greeting).toContain('{{user}}');
  });

  it('lists at least six templates and creates from one', async () => {
    const { templates } = (await call('GET', '/api/avatar-templates')).json();
    expect(templates.length).toBeGreaterThanOrEqual(6);
    expect(templates.map((t: { id: string }) => t.id)).toContain('lumina');
    const res = await call('POST', '/api/avatars', ada, { templateId: 'sage' });
    expect(res.statusCode).toBe(201);
    expect(res.json().avatar).toMatchObject({ name: 'Sage', source: 'template:sage' });
    expect((await call('POST', '/api/avatars', ada, { templateId: 'nope' })).json().error.code).toBe(
      'template_not_found',
    );
  });

  it('creates a blank avatar and edits every field', async () => {
    const created = (await call('POST', '/api/avatars', ada, { name: 'Nova' })).json().avatar;
    expect(created.style).toMatchObject({ formality: 50, custom: [] });
    const changes = {
      name: 'Nova Prime',
      nickname: 'Nov',
      description: 'A stargazer',
      persona: '{{char}} loves astronomy.',
      traits: ['curious', 'gentle'],
      style: {
        formality: 10,
        verbosity: 90,
        warmth: 80,
        humor: 70,
        directness: 20,
        curiosity: 100,
        custom: [{ name: 'optimism', value: 75, low: 'gloomy', high: 'sunny' }],
      },
      backstory: 'Grew up in an observatory.',
      scenario: 'A clear night.',
      greeting: 'Look up, {{user}}!',
      alternateGreetings: ['Hi!', 'Evening, {{user}}.'],
      exampleDialogue: '<START>\n{{user}}: Hi\n{{char}}: Hello!',
      tags: ['space', 'friendly'],
      voice: { engine: 'piper', voice: 'en_US-amy', rate: 1.2, pitch: 0.9 },
      defaultModel: 'ollama/llama3.2:latest',
      fallbackModels: ['llama-cpp/stories260K.gguf'],
      memory: { enabled: false, scope: 'shared' },
      visibility: 'instance',
    };
    const res = await call('PATCH', `/api/avatars/${created.id}`, ada, changes);
    expect(res.statusCode).toBe(200);
    expect(res.json().avatar).toMatchObject(changes);
    expect(
      (await call('PATCH', `/api/avatars/${created.id}`, ada, { style: { ...changes.style, humor: 101 } }))
        .statusCode,
    ).toBe(400);
  });

  it('searches, filters by tag and sorts', async () => {
    const names = async (query: string) =>
      (await call('GET', `/api/avatars?${query}`)).json().avatars.map((a: { name: string }) => a.name);
    expect(await names('q=stargaz')).toEqual(['Nova Prime']);
    expect(await names('tag=space')).toEqual(['Nova Prime']);
    expect(await names('sort=name')).toEqual(['Lumina', 'Nova Prime', 'Sage']);
    expect(await names('q=%25')).toEqual([]); // a literal %, not a wildcard
  });

  it('shares instance avatars read-only with other users', async () => {
    const shared = (await call('GET', '/api/avatars?q=Nova', bob)).json().avatars;
    expect(shared).toHaveLength(1);
    expect(shared[0].owned).toBe(false);
    expect((await call('PATCH', `/api/avatars/${shared[0].id}`, bob, { name: 'Mine now' })).statusCode).toBe(
      404,
    );
    expect((await call('DELETE', `/api/avatars/${shared[0].id}`, bob)).statusCode).toBe(404);
    const mine = (await call('GET', '/api/avatars', bob)).json().avatars.map((a: { name: string }) => a.name);
    expect(mine).toEqual(expect.arrayContaining(['Lumina', 'Nova Prime']));
    expect(mine).not.toContain('Sage'); // Ada's private avatar
  });

  it('serves a deterministic generated picture until one is uploaded', async () => {
    const lumina = (await call('GET', '/api/avatars'))
      .json()
      .avatars.find((a: { name: string }) => a.name === 'Lumina');
    const first = await call('GET', lumina.imageUrl);
    expect(first.headers['content-type']).toContain('image/svg+xml');
    expect(first.headers['cache-control']).toBe('private, max-age=31536000, immutable');
    expect((await call('GET', lumina.imageUrl)).body).toBe(first.body);

    const png = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#3366ff' } })
      .png()
      .toBuffer();
    const uploaded = await call('PUT', `/api/avatars/${lumina.id}/image`, ada, png, {
      'content-type': 'image/png',
    });
    expect(uploaded.statusCode).toBe(200);
    const image = await call('GET', uploaded.json().avatar.imageUrl);
    expect(image.headers['content-type']).toBe('image/webp');
    expect(await sharp(image.rawPayload).metadata()).toMatchObject({
      format: 'webp',
      width: 512,
      height: 512,
    });
    // Another user's private avatar: not found, nothing stored.
    expect(
      (await call('PUT', `/api/avatars/${lumina.id}/image`, bob, png, { 'content-type': 'image/png' }))
        .statusCode,
    ).toBe(404);

    const reset = await call('DELETE', `/api/avatars/${lumina.id}/image`);
    expect((await call('GET', reset.json().avatar.imageUrl)).headers['content-type']).toContain(
      'image/svg+xml',
    );
  });

  it('refuses files that are not images, by content, and images over 5 MB', async () => {
    const lumina = (await call('GET', '/api/avatars?q=Lumina')).json().avatars[0];
    const fake = await call(
      'PUT',
      `/api/avatars/${lumina.id}/image`,
      ada,
      Buffer.from('<svg onload="alert(1)"/>'),
      {
        'content-type': 'image/png',
      },
    );
    expect(fake.statusCode).toBe(415);
    expect(fake.json().error.code).toBe('image_unsupported');
    const truncated = (
      await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000' } })
        .png()
        .toBuffer()
    ).subarray(0, 60);
    expect(
      (await call('PUT', `/api/avatars/${lumina.id}/image`, ada, truncated, { 'content-type': 'image/png' }))
        .statusCode,
    ).toBeGreaterThanOrEqual(415);
    const huge = await call('PUT', `/api/avatars/${lumina.id}/image`, ada, Buffer.alloc(6 * 1024 * 1024), {
      'content-type': 'image/png',
    });
    expect(huge.statusCode).toBe(413);
  });

  it('previews the compiled system prompt: sliders become instructions, {{user}} the preferred name', async () => {
    await call('PATCH', '/api/auth/me', ada, { preferredName: 'Countess' });
    const nova = (await call('GET', '/api/avatars?q=Nova')).json().avatars[0];
    const preview = (await call('GET', `/api/avatars/${nova.id}/prompt-preview`)).json();
    expect(preview.text).toContain('Nova Prime');
    expect(preview.text).toContain('Countess');
    expect(preview.text).not.toContain('{{user}}');
    expect(preview.text).toContain('Talk very casually'); // formality 10
    expect(preview.text).toContain('Give rich, detailed replies'); // verbosity 90
    expect(preview.sections.map((s: { name: string }) => s.name)).toEqual(
      expect.arrayContaining(['style', 'backstory', 'scenario']),
    );
    expect(preview.tokens).toBeGreaterThan(20);
    await call('PATCH', `/api/avatars/${nova.id}`, ada, { style: { ...nova.style, formality: 95 } });
    const formal = (await call('GET', `/api/avatars/${nova.id}/prompt-preview`)).json();
    expect(formal.text).toContain('Use formal, polished language');
  });

  it('deletes an avatar', async () => {
    const sage = (await call('GET', '/api/avatars?q=Sage')).json().avatars[0];
    expect((await call('DELETE', `/api/avatars/${sage.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/api/avatars/${sage.id}`)).statusCode).toBe(404);
  });
});
