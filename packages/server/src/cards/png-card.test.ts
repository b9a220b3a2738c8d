import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../test-support/fixtures.js';
import { encodePng, pngDimensions, readPngCard, readPngChunks, textChunk, writePngCard } from './png-card.js';

const fixture = (name: string) => {
  const file = fixturePath('sillytavern', name);
  return readFileSync(file);
};

const seraphina = fixture('default_Seraphina.png');
const imageOnly = encodePng(readPngChunks(seraphina).filter((chunk) => chunk.type !== 'tEXt'));
const base64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64');
/** The image with the given text chunks inserted before IEND. */
const pngWith = (...chunks: ReturnType<typeof textChunk>[]) => {
  const all = readPngChunks(imageOnly);
  return encodePng([...all.slice(0, -1), ...chunks, all.at(-1)!]);
};
const card = (name: string) => ({ spec: 'chara_card_v2', spec_version: '2.0', data: { name } });

describe('readPngCard', () => {
  it('imports SillyTavern Seraphina with every field intact', () => {
    const { card, sourceSpec, chunk, warnings } = readPngCard(seraphina);
    expect(sourceSpec).toBe('v2');
    expect(chunk).toBe('chara');
    expect(warnings).toEqual([]);
    const { data } = card;
    expect(data.name).toBe('Seraphina');
    expect(data.first_mes).toMatch(/^\*You wake with a start/);
    expect(data.first_mes).toContain('My magic can only do so much to heal you.');
    expect(data.description).toMatch(/^\[Seraphina's Personality= "caring"/);
    expect(data.alternate_greetings).toEqual([]);
    expect(data.creator).toBe('OtisAlejandro');
    expect(data.character_version).toBe('1.0.0');
    expect(data.creator_notes).toBe('ST Default Bot contest winner: roleplay bots category');
    expect(data.extensions).toEqual({ talkativeness: '0.5', fav: false, world: 'Eldoria' });
    const book = data.character_book!;
    expect(book.name).toBe('Eldoria');
    expect(book.entries.map((entry) => entry.keys)).toEqual([
      ['eldoria', 'wood', 'forest', 'magical forest'],
      ['shadowfang', 'beast', 'monster', 'monsters', 'beasts'],
      ['glade', 'safe haven', 'refuge'],
      ['power', 'magic', 'ability'],
    ]);
    expect(book.entries[0]).toMatchObject({
      id: 0,
      insertion_order: 100,
      enabled: true,
      position: 'before_char',
      use_regex: false,
      extensions: { position: 0, probability: null, useProbability: false },
    });
    expect(book.entries[1]!.content).toMatch(/^\{\{user\}\}: "What are Shadowfangs\?"/);
    // SillyTavern's own bookkeeping outside the spec survives too.
    expect(card.chat).toBe('Seraphina - 2023-5-12 @21h 32m 29s 224ms');
  });

  it('prefers ccv3 over chara', () => {
    const v3 = { spec: 'chara_card_v3', spec_version: '3.0', data: { name: 'Three' } };
    const result = readPngCard(
      pngWith(textChunk('chara', base64(card('Two'))), textChunk('ccv3', base64(v3))),
    );
    expect(result.chunk).toBe('ccv3');
    expect(result.card.data.name).toBe('Three');
  });

  it('falls back to chara when ccv3 is unreadable, with a warning', () => {
    const result = readPngCard(
      pngWith(textChunk('ccv3', base64('{oops')), textChunk('chara', base64(card('Two')))),
    );
    expect(result.card.data.name).toBe('Two');
    expect(result.warnings[0]).toMatch(/"ccv3" chunk could not be read/);
  });

  it.each([
    ['a truncated file', seraphina.subarray(0, 200_000), 'card_png_invalid', 400],
    ['a file cut inside a chunk header', seraphina.subarray(0, 40), 'card_png_invalid', 400],
    ['a file that is not a PNG', Buffer.from('GIF89a not a png at all'), 'card_png_invalid', 400],
    ['a PNG without a card chunk', imageOnly, 'card_not_found', 422],
    ['base64 that is not JSON', pngWith(textChunk('chara', base64('hello, not json'))), 'card_not_json', 422],
    ['text that is not base64', pngWith(textChunk('chara', '%%% not base64 %%%')), 'card_not_json', 422],
    ['JSON of the wrong shape', pngWith(textChunk('chara', base64({ hello: 'world' }))), 'card_invalid', 422],
  ])('rejects %s', (_label, bytes, code, status) => {
    expect(() => readPngCard(bytes)).toThrow(expect.objectContaining({ code, status }));
  });

  it('rejects a chunk with a wrong CRC', () => {
    const broken = Buffer.from(seraphina);
    broken[50] = broken[50]! ^ 0xff; // inside the IDAT data
    expect(() => readPngCard(broken)).toThrow(
      expect.objectContaining({ code: 'card_png_invalid', message: expect.stringMatching(/wrong CRC/) }),
    );
  });
});

describe('writePngCard', () => {
  it('embeds chara and ccv3, keeps the image and replaces old card chunks', () => {
    const { card } = readPngCard(seraphina);
    card.data.name = 'Seraphina II';
    const written = writePngCard(seraphina, card);
    const chunks = readPngChunks(written); // checks every CRC and length
    const texts = chunks
      .filter((c) => c.type === 'tEXt')
      .map((c) => c.data.toString('latin1').split('\0')[0]);
    expect(texts).toEqual(['chara', 'ccv3']);
    expect(pngDimensions(written)).toEqual(pngDimensions(seraphina));
    const idat = (png: Buffer) =>
      Buffer.concat(
        readPngChunks(png)
          .filter((c) => c.type === 'IDAT')
          .map((c) => c.data),
      );
    expect(idat(written).equals(idat(seraphina))).toBe(true);
    expect(chunks.at(-1)!.type).toBe('IEND');
    const again = readPngCard(written);
    expect(again.chunk).toBe('ccv3');
    expect(again.card).toEqual(card);
  });

  it('writes a chara chunk that V2-only readers understand', () => {
    const written = writePngCard(imageOnly, readPngCard(seraphina).card);
    const chara = readPngChunks(written).find((c) => c.data.toString('latin1').startsWith('chara\0'))!;
    const v2 = JSON.parse(Buffer.from(chara.data.toString('latin1').slice(6), 'base64').toString('utf8'));
    expect(v2).toMatchObject({ spec: 'chara_card_v2', spec_version: '2.0', data: { name: 'Seraphina' } });
    expect(v2.data).not.toHaveProperty('group_only_greetings');
  });
});
