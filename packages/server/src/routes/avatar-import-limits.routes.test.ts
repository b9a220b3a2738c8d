import { randomBytes } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import yazl from 'yazl';
import type { CardV3 } from '../cards/card-types.js';
import { writeCharx } from '../cards/charx-card.js';
import { MAX_DECOMPRESSED_BYTES_PER_REQUEST } from '../cards/decompression-budget.js';
import { MAX_JSON_DEPTH } from '../json-depth.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { deeplyNestedJson, hostilePng, pngTextChunk } from '../test-support/hostile-inputs.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

const card = (name: string): CardV3 =>
  ({
    spec: 'chara_card_v3',
    spec_version: '3.0',
    data: { name, description: '', first_mes: `Hello, I am ${name}.`, group_only_greetings: [] },
  }) as unknown as CardV3;

/** A V2 card whose `extensions` hold JSON nested `depth` levels. */
const deepCardJson = (depth: number) =>
  JSON.stringify({
    spec: 'chara_card_v2',
    spec_version: '2.0',
    data: { name: 'Deep', extensions: 'DEEP' },
  }).replace('"DEEP"', deeplyNestedJson(depth));

/**
 * `bytes` of zeros with a random byte every 32: it deflates about 20:1, under the ratio limits,
 * so only the decompressed total can stop it.
 */
function compressibleData(bytes: number): Buffer {
  const data = Buffer.alloc(bytes);
  const noise = randomBytes(Math.ceil(bytes / 32));
  for (let i = 0; i < bytes; i += 32) data[i] = noise[i / 32]!;
  return data;
}

describeStorage('hostile card imports on %s', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let user: Awaited<ReturnType<typeof signup>>;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    app = (await createTestApp(storage, { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' })).app;
    user = await signup(app, 'hostile@example.org');
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  async function upload(files: { name: string; bytes: Buffer }[]) {
    const form = new FormData();
    for (const f of files) form.append('file', new Blob([f.bytes]), f.name);
    const request = new Request('http://x/', { method: 'POST', body: form });
    return app.inject({
      method: 'POST',
      // These files repeat one card on purpose: import each, rather than ask about the duplicate.
      url: '/api/avatars/import?onDuplicate=keep-both',
      headers: { ...CSRF, cookie: user.cookie, 'content-type': request.headers.get('content-type')! },
      payload: Buffer.from(await request.arrayBuffer()),
    });
  }

  it('answers JSON nested 10,000 deep in a JSON card, a PNG card and a CHARX with a per-file json_too_deep', async () => {
    const deep = deepCardJson(10_000);
    const res = await upload([
      { name: 'fine.json', bytes: Buffer.from(JSON.stringify(card('Fine'))) },
      { name: 'deep.json', bytes: Buffer.from(deep) },
      {
        name: 'deep.png',
        bytes: hostilePng(64, 64, {
          textChunks: [pngTextChunk('chara', Buffer.from(deep).toString('base64'))],
        }),
      },
      {
        name: 'deep.charx',
        bytes: await charxWithCardJson(deep),
      },
    ]);
    expect(res.statusCode).toBe(200);
    const results = res.json().results;
    expect(results[0]).toMatchObject({ fileName: 'fine.json', ok: true });
    for (const result of results.slice(1)) {
      expect(result).toMatchObject({
        ok: false,
        error: { code: 'json_too_deep', details: { limit: MAX_JSON_DEPTH } },
      });
    }
  });

  it('imports a card whose picture is a pixel bomb with the generated face and a warning naming the limit', async () => {
    const chara = Buffer.from(JSON.stringify(card('Bomb'))).toString('base64');
    const res = await upload([
      { name: 'huge.png', bytes: hostilePng(20_000, 20_000, { textChunks: [pngTextChunk('chara', chara)] }) },
      {
        name: 'strip.png',
        bytes: hostilePng(1_000_000, 40, { pixels: 'zeros', textChunks: [pngTextChunk('chara', chara)] }),
      },
    ]);
    expect(res.statusCode).toBe(200);
    for (const result of res.json().results) {
      expect(result).toMatchObject({ ok: true, avatar: { name: 'Bomb', hasCustomImage: false } });
      expect(result.warnings.join(' ')).toContain('at most 8192 pixels per side');
    }
  });

  it('answers more files than one request may carry with a 413 that states the limit', async () => {
    const files = Array.from({ length: 51 }, (_, i) => ({
      name: `card-${i}.json`,
      bytes: Buffer.from(JSON.stringify(card(`Card ${i}`))),
    }));
    const res = await upload(files);
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({
      code: 'too_many_files',
      message: 'At most 50 files can be imported in one request',
      details: { limitFiles: 50 },
    });
  });

  it('shares one decompression budget between the archives of a request', async () => {
    // Each archive inflates to 24 MiB from about 1.3 MB: within every per-archive limit.
    const archive = await writeCharx(card('Packed'), [
      { path: 'assets/other/data.bin', bytes: compressibleData(24 * 1024 * 1024) },
    ]);
    expect(archive.length).toBeLessThan(2 * 1024 * 1024);
    const perRequest = Math.floor(MAX_DECOMPRESSED_BYTES_PER_REQUEST / (24 * 1024 * 1024));
    const files = Array.from({ length: perRequest + 1 }, (_, i) => ({
      name: `packed-${i}.charx`,
      bytes: archive,
    }));
    const results = (await upload(files)).json().results;
    expect(results.slice(0, perRequest).every((r: { ok: boolean }) => r.ok)).toBe(true);
    expect(results[perRequest]).toMatchObject({
      ok: false,
      error: { code: 'import_budget_exceeded', details: { limitBytes: MAX_DECOMPRESSED_BYTES_PER_REQUEST } },
    });
    // The budget belongs to the request: the same file alone in the next request imports.
    expect((await upload([files[0]!])).json().results[0].ok).toBe(true);
  });
});

/** A CHARX holding `json` as its card.json (writeCharx only writes valid cards). */
function charxWithCardJson(json: string): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(json), 'card.json');
  zip.end();
  return buffer(zip.outputStream);
}
