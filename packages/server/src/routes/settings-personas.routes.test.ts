import type { FastifyInstance } from 'fastify';
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
      });
      expect(detective).toMatchObject({ name: 'Detective Vale', description: '' });

      const edited = await put({
        personas: [{ id: detective.id, name: 'Inspector Vale', description: 'Sharp-eyed.' }],
        defaultPersonaId: detective.id,
      });
      expect(edited.statusCode, edited.body).toBe(200);
      expect((await read()).personas).toEqual([
        { id: detective.id, name: 'Inspector Vale', description: 'Sharp-eyed.' },
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

    // A chosen persona that is later deleted falls back to the default.
    await choose(id, knight.id);
    await put({ personas: [detective] });
    expect(await systemText(id)).toContain('You are talking with Detective Vale.');
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
