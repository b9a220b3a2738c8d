import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

// Personas (issue 12 point 11): kept in the user's settings, chosen per conversation in its
// prompt controls; `{{user}}` and the prompt's "The user" section follow the choice.
describeStorage('personas in /api/settings and per conversation (%s)', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let sam: string;
  let eve: string;
  let avatarId: string;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    app = (
      await createTestApp(storage, {
        LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000',
        LUMINA_OLLAMA_AUTODETECT: 'false',
      })
    ).app;
    ({ cookie: sam } = await signup(app, 'samuel@example.org'));
    ({ cookie: eve } = await signup(app, 'eve@example.org'));
    const avatar = await app.inject({
      method: 'POST',
      url: '/api/avatars',
      headers: { ...CSRF, cookie: sam },
      payload: { name: 'Aria', greeting: 'Hello {{user}}, I am {{char}}.' },
    });
    avatarId = avatar.json().avatar.id;
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  const put = (payload: unknown, cookie = sam) =>
    app.inject({ method: 'PUT', url: '/api/settings', headers: { ...CSRF, cookie }, payload });
  const read = async (cookie = sam) =>
    (await app.inject({ method: 'GET', url: '/api/settings', headers: { cookie } })).json().settings;
  const createConversation = async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/conversations',
      headers: { ...CSRF, cookie: sam },
      payload: { avatarId },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { conversation: { id: string }; messages: { content: string }[] };
  };
  const choose = (id: string, personaId: string | null, cookie = sam) =>
    app.inject({
      method: 'PATCH',
      url: `/api/conversations/${id}`,
      headers: { ...CSRF, cookie },
      payload: { prompt: { personaId } },
    });
  const systemText = async (id: string) => {
    const res = await app.inject({
      method: 'GET',
      url: `/api/conversations/${id}/context`,
      headers: { cookie: sam },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().parts[0].text as string;
  };

  describe('the list', () => {
    it('starts empty, gives new entries ids, edits by id, deletes what is left out', async () => {
      expect(await read()).toMatchObject({ personas: [], defaultPersonaId: null });
      const added = await put({
        personas: [
          { name: '  Sir Lancelot ', description: 'A knight of the Round Table.' },
          { name: 'Detective Vale' },
        ],
      });
      expect(added.statusCode, added.body).toBe(200);
      const [knight, detective] = added.json().settings.personas;
      expect(knight).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'Sir Lancelot',
        description: 'A knight of the Round Table.',
        imageId: null,
      });
      expect(detective).toMatchObject({ name: 'Detective Vale', description: '' });

      const edited = await put({
        personas: [{ id: detective.id, name: 'Inspector Vale', description: 'Sharp-eyed.' }],
        defaultPersonaId: detective.id,
      });
      expect(edited.statusCode, edited.body).toBe(200);
      expect((await read()).personas).toEqual([
        { id: detective.id, name: 'Inspector Vale', description: 'Sharp-eyed.', imageId: null },
      ]);
      expect((await read()).defaultPersonaId).toBe(detective.id);

      // Deleting the default persona leaves no default.
      expect((await put({ personas: [] })).json().settings).toMatchObject({
        personas: [],
        defaultPersonaId: null,
      });
    });

    it('refuses bad entries and ids that are not yours', async () => {
      expect((await put({ personas: [{ name: '   ' }] })).statusCode).toBe(400);
      expect((await put({ personas: [{ name: 'x'.repeat(101) }] })).statusCode).toBe(400);
      expect((await put({ personas: [{ name: 'A', description: 'x'.repeat(5001) }] })).statusCode).toBe(400);
      expect(
        (await put({ personas: Array.from({ length: 21 }, (_, i) => ({ name: `P${i}` })) })).statusCode,
      ).toBe(400);
      expect(
        (await put({ personas: Array.from({ length: 20 }, (_, i) => ({ name: `P${i}` })) })).statusCode,
      ).toBe(200);
      const [mine] = (await read()).personas;
      // Eve cannot adopt, edit or default to Sam's persona.
      expect((await put({ personas: [{ id: mine.id, name: 'Stolen' }] }, eve)).statusCode).toBe(400);
      expect((await put({ defaultPersonaId: mine.id }, eve)).statusCode).toBe(400);
      expect((await read(eve)).personas).toEqual([]);
      // An id twice, or a default that is not in the list, is refused.
      expect((await put({ personas: [mine, mine] })).statusCode).toBe(400);
      expect((await put({ defaultPersonaId: '00000000-0000-4000-8000-000000000000' })).statusCode).toBe(400);
      expect((await read()).personas).toHaveLength(20);
      await put({ personas: [] });
    });
  });

  it('the conversation’s persona, else the default one, else the account fills {{user}} and "The user"', async () => {
    const knightWithAccount = await createConversation();
    expect(knightWithAccount.messages[0]!.content).toBe('Hello samuel, I am Aria.');
    const id = knightWithAccount.conversation.id;
    expect(await systemText(id)).toContain('You are talking with samuel.');

    const { personas } = (
      await put({
        personas: [
          { name: 'Sir Lancelot', description: '{{user}} rides a white horse.' },
          { name: 'Detective Vale', description: 'Sharp-eyed.' },
        ],
      })
    ).json().settings;
    const [knight, detective] = personas;

    const chosen = await choose(id, knight.id);
    expect(chosen.statusCode, chosen.body).toBe(200);
    expect(chosen.json().conversation.prompt.personaId).toBe(knight.id);
    const text = await systemText(id);
    expect(text).toContain('## The user');
    expect(text).toContain('You are talking with Sir Lancelot. Address them as Sir Lancelot.');
    expect(text).toContain('What they have shared about themselves: Sir Lancelot rides a white horse.');
    expect(text).not.toContain('samuel');

    // Cleared: the default persona speaks; new conversations greet it by name.
    await put({ defaultPersonaId: detective.id });
    expect((await choose(id, null)).json().conversation.prompt.personaId ?? null).toBeNull();
    expect(await systemText(id)).toContain('You are talking with Detective Vale.');
    expect((await createConversation()).messages[0]!.content).toBe('Hello Detective Vale, I am Aria.');

    // "Your account" is a choice of its own even with a default persona.
    const asAccount = await choose(id, 'account');
    expect(asAccount.statusCode, asAccount.body).toBe(200);
    expect(asAccount.json().conversation.prompt.personaId).toBe('account');
    expect(await systemText(id)).toContain('You are talking with samuel.');

    // A chosen persona that is later deleted falls back to the default.
    await choose(id, knight.id);
    await put({ personas: [detective] });
    expect(await systemText(id)).toContain('You are talking with Detective Vale.');
  });

  describe('pictures', () => {
    const picture = (width: number, height: number) =>
      sharp({ create: { width, height, channels: 3, background: '#cc6633' } })
        .png()
        .toBuffer();
    const upload = (personaId: string, body: Buffer | string, cookie = sam, type = 'image/png') =>
      app.inject({
        method: 'PUT',
        url: `/api/settings/personas/${personaId}/picture`,
        headers: { ...CSRF, cookie, 'content-type': type },
        payload: body,
      });
    const fetchPicture = (personaId: string, cookie = sam) =>
      app.inject({ method: 'GET', url: `/api/settings/personas/${personaId}/picture`, headers: { cookie } });
    const pictureFiles = async (imageId: string) =>
      (await storage.db.execute(sql`SELECT kind FROM files WHERE id = ${imageId}`)).rows as unknown[];

    it('sets, replaces, serves and removes a persona’s picture; the old file is deleted', async () => {
      const [bard] = (await put({ personas: [{ name: 'The Bard' }] })).json().settings.personas;
      expect((await fetchPicture(bard.id)).statusCode).toBe(404);
      expect((await fetchPicture(bard.id)).json().error.code).toBe('picture_not_found');

      const first = await upload(bard.id, await picture(900, 600));
      expect(first.statusCode, first.body).toBe(200);
      const firstId = first.json().settings.personas[0].imageId as string;
      expect(firstId).toMatch(/^[0-9a-f-]{36}$/);
      const served = await fetchPicture(bard.id);
      expect(served.statusCode).toBe(200);
      expect(served.headers['content-type']).toBe('image/webp');
      expect(await sharp(served.rawPayload).metadata()).toMatchObject({ width: 512, height: 512 });
      expect(await pictureFiles(firstId)).toEqual([{ kind: 'persona-image' }]);

      // Editing the persona's words keeps its picture.
      const renamed = await put({ personas: [{ id: bard.id, name: 'The Old Bard' }] });
      expect(renamed.json().settings.personas[0].imageId).toBe(firstId);

      const second = await upload(bard.id, await picture(64, 64));
      const secondId = second.json().settings.personas[0].imageId as string;
      expect(secondId).not.toBe(firstId);
      expect(await pictureFiles(firstId)).toEqual([]);

      const removed = await app.inject({
        method: 'DELETE',
        url: `/api/settings/personas/${bard.id}/picture`,
        headers: { ...CSRF, cookie: sam },
      });
      expect(removed.statusCode, removed.body).toBe(200);
      expect(removed.json().settings.personas[0].imageId).toBeNull();
      expect(await pictureFiles(secondId)).toEqual([]);

      // Deleting a persona deletes its picture.
      const third = (await upload(bard.id, await picture(64, 64))).json().settings.personas[0].imageId;
      await put({ personas: [] });
      expect(await pictureFiles(third)).toEqual([]);
    });

    it('refuses what is not a picture, and personas that are not yours', async () => {
      const [muse] = (await put({ personas: [{ name: 'Muse' }] })).json().settings.personas;
      const text = await upload(muse.id, 'not a picture', sam, 'application/octet-stream');
      expect(text.statusCode).toBe(415);
      expect(text.json().error.code).toBe('image_unsupported');
      const json = await upload(muse.id, '{"a":1}', sam, 'application/json');
      expect(json.statusCode).toBe(415);
      expect((await upload(muse.id, Buffer.alloc(6 * 1024 * 1024))).statusCode).toBe(413);
      // Eve can neither set, read nor remove Sam's persona's picture.
      expect((await upload(muse.id, await picture(64, 64), eve)).statusCode).toBe(404);
      await upload(muse.id, await picture(64, 64));
      expect((await fetchPicture(muse.id, eve)).statusCode).toBe(404);
      const eveRemove = await app.inject({
        method: 'DELETE',
        url: `/api/settings/personas/${muse.id}/picture`,
        headers: { ...CSRF, cookie: eve },
      });
      expect(eveRemove.statusCode).toBe(404);
      expect(eveRemove.json().error.code).toBe('persona_not_found');
      expect((await fetchPicture(muse.id)).statusCode).toBe(200);
      await put({ personas: [] });
    });
  });

  it('a conversation may only choose one of its owner’s personas', async () => {
    const { conversation } = await createConversation();
    const [evePersona] = (await put({ personas: [{ name: 'Eve in disguise' }] }, eve)).json().settings
      .personas;
    const refused = await choose(conversation.id, evePersona.id);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.code).toBe('invalid_request');
    expect((await choose(conversation.id, 'not-a-uuid')).statusCode).toBe(400);
    // And nobody else can set it on Sam's conversation.
    expect((await choose(conversation.id, evePersona.id, eve)).statusCode).toBe(404);
  });
});
