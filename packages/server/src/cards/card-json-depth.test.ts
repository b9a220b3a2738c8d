import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../json-depth.js';
import {
  deeplyNestedJson,
  deeplyNestedValue,
  hostilePng,
  pngTextChunk,
} from '../test-support/hostile-inputs.js';
import { readCardFile } from './card-file.js';
import { parseLorebook } from './lorebook.js';
import { parseCard } from './normalize-card.js';
import { readPngCard } from './png-card.js';
import { validateAvatarXml } from './xml/validate-avatar-xml.js';

/** A V2 card whose `extensions` hold JSON nested `depth` levels (the card itself adds 3). */
const deepCard = (depth: number) =>
  JSON.stringify({
    spec: 'chara_card_v2',
    spec_version: '2.0',
    data: { name: 'Deep', extensions: 'DEEP' },
  }).replace('"DEEP"', deeplyNestedJson(depth));
const tooDeep = { status: 400, code: 'json_too_deep', details: { limit: MAX_JSON_DEPTH } };

/** The error `run` throws (the test fails when it throws nothing). */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('JSON depth in card and lorebook decoders', () => {
  it('refuses a JSON card nested 10,000 deep before parsing, and keeps reading sane ones', async () => {
    await expect(readCardFile(Buffer.from(deepCard(10_000)), 'deep.json')).rejects.toMatchObject(tooDeep);
    const sane = await readCardFile(Buffer.from(deepCard(20)), 'sane.json');
    expect(sane).toMatchObject({ format: 'json', card: { data: { name: 'Deep' } } });
  });

  it('refuses a PNG card whose chara chunk is nested 10,000 deep, base64 or raw JSON', () => {
    for (const text of [Buffer.from(deepCard(10_000)).toString('base64'), deepCard(10_000)]) {
      const png = hostilePng(8, 8, { textChunks: [pngTextChunk('chara', text)] });
      expect(thrown(() => readPngCard(png))).toMatchObject(tooDeep);
    }
  });

  it('refuses an already-parsed card or lorebook past the limit, whoever parsed it', () => {
    expect(thrown(() => parseCard(deeplyNestedValue(10_000)))).toMatchObject(tooDeep);
    const lorebook = {
      entries: { 0: { uid: 0, key: ['a'], content: 'b', extensions: deeplyNestedValue(10_000) } },
    };
    expect(thrown(() => parseLorebook(lorebook))).toMatchObject(tooDeep);
    expect(() =>
      parseLorebook({ entries: { 0: { uid: 0, key: ['a'], content: 'b', extensions: { a: [1] } } } }),
    ).not.toThrow();
  });

  it('reports a 10,000-deep <extensions> of a Lumina XML file as an issue of that element', () => {
    const xml = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<avatar xmlns="https://lumina.dev/schema/avatar/1" version="1">',
      '  <name>N</name>',
      `  <extensions>${deeplyNestedJson(10_000)}</extensions>`,
      '</avatar>',
    ].join('\n');
    const result = validateAvatarXml(xml);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([
      expect.objectContaining({
        line: 4,
        message: `<extensions> must hold JSON nested at most ${MAX_JSON_DEPTH} levels deep`,
      }),
    ]);
  });
});
