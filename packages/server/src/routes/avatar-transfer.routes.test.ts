import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../db/database.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { fixturePath } from '../test-support/fixtures.js';
import { createTestStorage, type TestStorage } from '../test-support/storage.js';

const fixture = (name: string) => fs.readFileSync(fixturePath('sillytavern', name));

describe('avatar import and export', () => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let user: Awaited<ReturnType<typeof signup>>;

  beforeAll(async () => {
    storage = await createTestStorage('pglite');
    app = (await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' })).app;
    user = await signup(app, 'importer@example.org');
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  async function upload(files: { name: string; bytes: Buffer; type?: string }[]) {
    const form = new FormData();
    for (const f of files)
      form.append('file', new Blob([f.bytes], { type: f.type ?? 'application/octet-stream' }), f.name);
    const request = new Request('http://x/', { method: 'POST', body: form });
    const res = await app.inject({
      method: 'POST',
      url: '/api/avatars/import',
      headers: { ...CSRF, cookie: user.cookie, 'content-type': request.headers.get('content-type')! },
      payload: Buffer.from(await request.arrayBuffer()),
    });
    return res;
  }
  const exportAs = (id: string, format: string) =>
    app.inject({
      method: 'GET',
      url: `/api/avatars/${id}/export?format=${format}`,
      headers: { cookie: user.cookie },
    });
  const avatarCount = async () =>
    (
      await queryRows<{ n: number }>(
        storage.db,
        sql`select count(*)::int as n from avatars where owner_id = ${user.user.id}`,
      )
    )[0]!.n;

  it('imports the real Seraphina card with its picture and lorebook', async () => {
    const res = await upload([
      { name: 'default_Seraphina.png', bytes: fixture('default_Seraphina.png'), type: 'image/png' },
    ]);
    expect(res.statusCode).toBe(200);
    const [result] = res.json().results;
    expect(result.ok).toBe(true);
    expect(result.avatar.name).toBe('Seraphina');
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
      const again = (await upload([{ name: `Seraphina.${ext}`, bytes: file.rawPayload }])).json().results[0];
      expect(again.ok, `${format}: ${JSON.stringify(again.error)}`).toBe(true);
      expect(fields(again.avatar)).toEqual(fields(seraphina));
    }
    // The lorebook survives the card round trip.
    const png = await exportAs(seraphina.id, 'png');
    const { readPngCard } = await import('../cards/png-card.js');
    const card = readPngCard(png.rawPayload).card;
    expect(card.data.character_book?.entries.length).toBeGreaterThan(0);
    expect((card.data.extensions as { lumina?: unknown }).lumina).toBeDefined();
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
