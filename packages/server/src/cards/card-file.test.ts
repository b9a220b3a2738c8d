import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../test-support/fixtures.js';
import {
  type CardExportFormat,
  type CardFile,
  detectCardFormat,
  readCardFile,
  writeCardFile,
} from './card-file.js';
import type { CardV3 } from './card-types.js';
import { pngDimensions } from './png-card.js';

const fixture = (name: string) => {
  const file = fixturePath('sillytavern', name);
  return readFileSync(file);
};

const seraphinaPng = fixture('default_Seraphina.png');

async function readCard(bytes: Buffer, fileName?: string): Promise<CardFile> {
  const result = await readCardFile(bytes, fileName);
  if (result.format === 'xml') throw new Error('unexpected XML');
  return result;
}

/** Seraphina plus data no spec knows, in every place a card can carry it. */
async function seraphinaWithExtras(): Promise<CardV3> {
  const { card } = await readCard(seraphinaPng);
  card.data.extensions.lumina = {
    avatarId: '0190f1c2-0000-7000-8000-000000000000',
    voice: { engine: 'piper' },
  };
  card.data.extensions['risuai/emotions'] = [['happy', 'assets/happy.png']];
  card.data.character_book!.entries[0]!.extensions.sillytavern_vectorized = true;
  card.data.character_book!.entries[0]!.x_unknown_entry_field = { nested: [1, null, 'x'] };
  card.data.x_unknown_data_field = 42;
  card.x_unknown_top_level = 'kept';
  return card;
}

describe('readCardFile', () => {
  it('imports the Seraphina PNG with the image', async () => {
    const result = await readCard(seraphinaPng, 'default_Seraphina.png');
    expect(result).toMatchObject({ format: 'png', sourceSpec: 'v2', warnings: [] });
    expect(result.card.data.name).toBe('Seraphina');
    expect(result.image).toBe(seraphinaPng);
  });

  const exports: CardExportFormat[] = ['png', 'json-v2', 'json-v3', 'charx'];
  it.each(exports)('round-trips Seraphina through %s without losing anything', async (format) => {
    const card = await seraphinaWithExtras();
    const icon = { path: 'assets/icon/images/main.png', bytes: seraphinaPng };
    const written = await writeCardFile(card, format, { image: seraphinaPng, assets: [icon] });
    const again = await readCard(written);
    expect(again.card).toEqual(card);
    expect(again.sourceSpec).toBe(format === 'json-v2' ? 'v2' : 'v3');
    if (format === 'png') expect(pngDimensions(again.image!)).toEqual(pngDimensions(seraphinaPng));
    if (format === 'charx') {
      // Buffer.equals: a deep toEqual walks half a megabyte one byte at a time.
      expect(again.assets?.map((asset) => asset.path)).toEqual([icon.path]);
      expect(again.assets?.[0]?.bytes.equals(icon.bytes)).toBe(true);
    }
  });

  it('gives the CHARX main icon as the image', async () => {
    const card = await seraphinaWithExtras();
    card.data.assets = [
      { type: 'icon', uri: 'embeded://assets/icon/images/main.png', name: 'main', ext: 'png' },
    ];
    const charx = await writeCardFile(card, 'charx', {
      assets: [{ path: 'assets/icon/images/main.png', bytes: seraphinaPng }],
    });
    expect((await readCard(charx)).image?.equals(seraphinaPng)).toBe(true);
  });

  it('detects the format by content, whatever the name says', async () => {
    const result = await readCard(seraphinaPng, 'seraphina.json');
    expect(result.format).toBe('png');
    expect(result.warnings).toEqual([
      'The file is named "seraphina.json" but its content is PNG; it was read as png',
    ]);
  });

  it('reads a JSON card with a byte order mark and leading blanks', async () => {
    const json = Buffer.from('\uFEFF\n  {"name":"Flat","first_mes":"hi"}');
    const result = await readCard(json, 'flat.json');
    expect(result).toMatchObject({ format: 'json', sourceSpec: 'v1' });
    expect(result.card.data.first_mes).toBe('hi');
  });

  it('hands XML to the XML importer', async () => {
    expect(await readCardFile(Buffer.from('  <?xml version="1.0"?><character/>'))).toEqual({ format: 'xml' });
  });

  it.each([
    ['oversize input', Buffer.alloc(2048, 0x20), { maxBytes: 1024 }, 'card_too_large', 413],
    ['an unknown format', Buffer.from('GIF89a'), {}, 'card_format_unsupported', 415],
    ['broken JSON', Buffer.from('{"name": '), {}, 'card_not_json', 422],
    ['a World Info file', Buffer.from('{"entries":{}}'), {}, 'card_invalid', 422],
  ])('rejects %s', async (_label, bytes, limits, code, status) => {
    await expect(readCardFile(bytes, undefined, limits)).rejects.toMatchObject({ code, status });
  });

  it('passes CHARX limits through', async () => {
    const charx = await writeCardFile((await readCard(seraphinaPng)).card, 'charx');
    await expect(readCardFile(charx, 'x.charx', { charx: { maxTotalBytes: 100 } })).rejects.toMatchObject({
      code: 'charx_too_large',
    });
  });

  it('names the formats by their first bytes', () => {
    expect(detectCardFormat(seraphinaPng)).toBe('png');
    expect(detectCardFormat(Buffer.from('PK\x03\x04rest', 'latin1'))).toBe('charx');
    expect(detectCardFormat(Buffer.from('{}'))).toBe('json');
    expect(detectCardFormat(Buffer.from('<card/>'))).toBe('xml');
  });
});
