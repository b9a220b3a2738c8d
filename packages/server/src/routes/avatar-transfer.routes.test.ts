import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryRows } from '../db/database.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { fixturePath } from '../test-support/fixtures.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

const fixture = (name: string) => fs.readFileSync(fixturePath('sillytavern', name));

describeStorage('avatar import and export', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let user: Awaited<ReturnType<typeof signup>>;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    app = (await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' })).app;
    user = await signup(app, 'importer@example.org');
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  async function upload(
    files: { name: string; bytes: Buffer; type?: string }[],
    options: { onDuplicate?: string; as?: { cookie: string } } = {},
  ) {
    const form = new FormData();
    for (const f of files)
      form.append('file', new Blob([f.bytes], { type: f.type ?? 'application/octet-stream' }), f.name);
    const request = new Request('http://x/', { method: 'POST', body: form });
    const res = await app.inject({
      method: 'POST',
      url: `/api/avatars/import${options.onDuplicate ? `?onDuplicate=${options.onDuplicate}` : ''}`,
      headers: {
        ...CSRF,
        cookie: (options.as ?? user).cookie,
        'content-type': request.headers.get('content-type')!,
      },
      payload: Buffer.from(await request.arrayBuffer()),
    });
    return res;
  }
  const exportAs = (id: string, format: string, as: { cookie: string } = user) =>
    app.inject({
      method: 'GET',
      url: `/api/avatars/${id}/export?format=${format}`,
      headers: { cookie: as.cookie },
    });
  const avatarCount = async (owner: { user: { id: string } } = user) =>
    (
      await queryRows<{ n: number }>(
        storage.db,
        sql`select count(*)::int as n from avatars where owner_id = ${owner.user.id}`,
      )
    )[0]!.n;
  const seraphinaPng = () => ({
    name: 'default_Seraphina.png',
    bytes: fixture('default_Seraphina.png'),
    type: 'image/png',
  });

  it('imports the real Seraphina card with its picture and lorebook', async () => {
    const res = await upload([
      { name: 'default_Seraphina.png', bytes: fixture('default_Seraphina.png'), type: 'image/png' },
    ]);
    expect(res.statusCode).toBe(200);
    const [result] = res.json().results;
    expect(result.ok).toBe(true);
    expect(result.avatar.name).toBe('Seraphina');
    // The definition is the persona; the gallery shows the creator notes, not the definition.
    expect(result.avatar.persona).toMatch(/^\[Seraphina's Personality= "caring"/);
    expect(result.avatar.description).toBe('ST Default Bot contest winner: roleplay bots category');
    expect(result.replaced).toBe(false);
    expect(result.avatar.greeting).toContain('Seraphina');
    expect(result.avatar.source).toBe('import:v2');
    expect(result.avatar.lorebook.entryCount).toBeGreaterThan(0);
    expect(result.avatar.hasCustomImage).toBe(true);
    const image = await app.inject({
      method: 'GET',
      url: result.avatar.imageUrl,
      headers: { cookie: user.cookie },
    });
    expect(image.headers['content-type']).toBe('image/webp');
  });

  it('exports in every format and re-imports to the same avatar', async () => {
    const seraphina = (
      await app.inject({ method: 'GET', url: '/api/avatars?q=Seraphina', headers: { cookie: user.cookie } })
    ).json().avatars[0];
    const fields = ({
      name,
      description,
      persona,
      scenario,
      greeting,
      alternateGreetings,
      exampleDialogue,
      tags,
    }: Record<string, unknown>) => ({
      name,
      description,
      persona,
      scenario,
      greeting,
      alternateGreetings,
      exampleDialogue,
      tags,
    });
    for (const [format, type, ext] of [
      ['png', 'image/png', 'png'],
      ['json', 'application/json', 'json'],
      ['charx', 'application/zip', 'charx'],
      ['xml', 'application/xml', 'xml'],
    ] as const) {
      const file = await exportAs(seraphina.id, format);
      expect(file.statusCode, format).toBe(200);
      expect(file.headers['content-type']).toContain(type);
      expect(file.headers['content-disposition']).toContain(`Seraphina.${ext}`);
      const again = (
        await upload([{ name: `Seraphina.${ext}`, bytes: file.rawPayload }], { onDuplicate: 'keep-both' })
      ).json().results[0];
      expect(again.ok, `${format}: ${JSON.stringify(again.error)}`).toBe(true);
      expect(fields(again.avatar)).toEqual(fields(seraphina));
    }
    // The lorebook survives the card round trip.
    const png = await exportAs(seraphina.id, 'png');
    const { readPngCard } = await import('../cards/png-card.js');
    const card = readPngCard(png.rawPayload).card;
    expect(card.data.character_book?.entries.length).toBeGreaterThan(0);
    // Nothing was changed in Lumina, so the card carries no Lumina settings of its own.
    expect((card.data.extensions as { lumina?: unknown }).lumina).toBeUndefined();
  });

  it('exports an imported card with every card field as it was', async () => {
    const other = await signup(app, 'roundtrip@example.org');
    const imported = (await upload([seraphinaPng()], { as: other })).json().results[0];
    expect(imported.ok).toBe(true);
    const { readPngCard } = await import('../cards/png-card.js');
    const original = readPngCard(fixture('default_Seraphina.png')).card;
    const png = await exportAs(imported.avatar.id, 'png', other);
    expect(readPngCard(png.rawPayload).card).toEqual(original);
    const json = await exportAs(imported.avatar.id, 'json', other);
    const file = JSON.parse(json.body) as { spec: string; data: Record<string, unknown> };
    expect(file.spec).toBe('chara_card_v2');
    // Strings to the byte (Seraphina's definition keeps its \r\n); objects equal (the database
    // keeps JSON objects, whose key order is not theirs to keep).
    expect(file.data.description).toBe(original.data.description);
    for (const [field, value] of Object.entries(original.data)) {
      if (field === 'group_only_greetings') continue; // V3 only: not in a V2 file
      expect(file.data[field], field).toStrictEqual(value);
    }
  });

  it('asks before importing a card twice, then replaces in place or keeps both', async () => {
    const owner = await signup(app, 'twice@example.org');
    const first = (await upload([seraphinaPng()], { as: owner })).json().results[0];
    const conversation = await app.inject({
      method: 'POST',
      url: '/api/conversations',
      headers: { ...CSRF, cookie: owner.cookie },
      payload: { avatarId: first.avatar.id },
    });
    expect(conversation.statusCode).toBe(201);
    await app.inject({
      method: 'PATCH',
      url: `/api/avatars/${first.avatar.id}`,
      headers: { ...CSRF, cookie: owner.cookie },
      payload: { persona: 'Edited by hand.', visibility: 'instance' },
    });

    // The same card, packed differently (a JSON V3 file), is the same card.
    const { readPngCard } = await import('../cards/png-card.js');
    const asJson = Buffer.from(JSON.stringify(readPngCard(fixture('default_Seraphina.png')).card));
    const again = await upload([{ name: 'Seraphina.json', bytes: asJson }], { as: owner });
    expect(again.statusCode).toBe(200);
    const duplicate = again.json().results[0];
    expect(duplicate).toMatchObject({
      ok: false,
      error: { code: 'already_imported' },
      duplicateOf: { id: first.avatar.id, name: 'Seraphina' },
    });
    expect(duplicate.error.message).toContain('Seraphina');
    expect(await avatarCount(owner)).toBe(2); // the default Lumina and the first import

    const replaced = (await upload([seraphinaPng()], { as: owner, onDuplicate: 'replace' })).json()
      .results[0];
    expect(replaced).toMatchObject({ ok: true, replaced: true });
    expect(replaced.avatar.id).toBe(first.avatar.id);
    expect(replaced.avatar.persona).toBe(first.avatar.persona);
    expect(replaced.avatar.visibility).toBe('instance');
    expect(replaced.avatar.hasCustomImage).toBe(true);
    expect(await avatarCount(owner)).toBe(2);
    const still = await app.inject({
      method: 'GET',
      url: `/api/conversations/${conversation.json().conversation.id}`,
      headers: { cookie: owner.cookie },
    });
    expect(still.statusCode).toBe(200);
    const files = await queryRows<{ n: number }>(
      storage.db,
      sql`select count(*)::int as n from files where owner_id = ${owner.user.id}`,
    );
    expect(files[0]!.n).toBe(1); // the replaced picture is gone

    const both = (await upload([seraphinaPng()], { as: owner, onDuplicate: 'keep-both' })).json().results[0];
    expect(both).toMatchObject({ ok: true, replaced: false });
    expect(both.avatar.id).not.toBe(first.avatar.id);
    expect(await avatarCount(owner)).toBe(3);

    // Someone else's copy is not yours: another user imports it without being asked.
    const stranger = await signup(app, 'stranger@example.org');
    const theirs = (await upload([seraphinaPng()], { as: stranger })).json().results[0];
    expect(theirs).toMatchObject({ ok: true, replaced: false });
    const bad = await upload([seraphinaPng()], { as: owner, onDuplicate: 'overwrite' });
    expect(bad.statusCode).toBe(400);
  });

  it('reports each bad file on its own and imports nothing from it', async () => {
    const before = await avatarCount();
    const png = fixture('default_Seraphina.png');
    const res = await upload([
      { name: 'truncated.png', bytes: png.subarray(0, 5000) },
      { name: 'garbage.json', bytes: Buffer.from('{"spec": "chara_card_v2", "data": 42}') },
      {
        name: 'lol.xml',
        bytes: Buffer.from(
          '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">]>\n<avatar>&lol;</avatar>',
        ),
      },
      { name: 'notes.txt', bytes: Buffer.from('hello') },
      { name: 'world.json', bytes: fixture('Eldoria.json') },
    ]);
    const results = res.json().results as { fileName: string; ok: boolean; error?: { code: string } }[];
    expect(results.map((r) => [r.fileName, r.ok, r.error?.code])).toEqual([
      ['truncated.png', false, expect.stringMatching(/^card_png_invalid|card_not_found$/)],
      ['garbage.json', false, 'card_invalid'],
      ['lol.xml', false, 'xml_dtd_forbidden'],
      ['notes.txt', false, expect.stringMatching(/^card_/)],
      ['world.json', false, expect.stringMatching(/^card_/)],
    ]);
    expect(await avatarCount()).toBe(before);
  });

  it('attaches the real Eldoria World Info to an avatar and gives it back', async () => {
    const eldoria = JSON.parse(fixture('Eldoria.json').toString());
    const lumina = (
      await app.inject({ method: 'GET', url: '/api/avatars?q=Lumina', headers: { cookie: user.cookie } })
    ).json().avatars[0];
    const res = await app.inject({
      method: 'PUT',
      url: `/api/avatars/${lumina.id}/lorebook`,
      headers: { ...CSRF, cookie: user.cookie },
      payload: eldoria,
    });
    expect(res.statusCode).toBe(200);
    const entries = Object.keys(eldoria.entries).length;
    expect(res.json().avatar.lorebook.entryCount).toBe(entries);
    const back = await app.inject({
      method: 'GET',
      url: `/api/avatars/${lumina.id}/lorebook`,
      headers: { cookie: user.cookie },
    });
    const file = back.json();
    expect(Object.keys(file.entries)).toHaveLength(entries);
    const first = Object.values(eldoria.entries)[0] as { key: string[]; content: string };
    expect(Object.values(file.entries).map((e) => (e as { content: string }).content)).toContain(
      first.content,
    );
    const bad = await app.inject({
      method: 'PUT',
      url: `/api/avatars/${lumina.id}/lorebook`,
      headers: { ...CSRF, cookie: user.cookie },
      payload: { entries: 'nope' },
    });
    expect(bad.statusCode).toBe(422);
    expect(
      (
        await app.inject({
          method: 'GET',
          url: `/api/avatars/${lumina.id}`,
          headers: { cookie: user.cookie },
        })
      ).json().avatar.lorebook.entryCount,
    ).toBe(entries);
    const detached = await app.inject({
      method: 'DELETE',
      url: `/api/avatars/${lumina.id}/lorebook`,
      headers: { ...CSRF, cookie: user.cookie },
    });
    expect(detached.json().avatar.lorebook).toBeNull();
  });
});
