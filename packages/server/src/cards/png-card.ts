import { crc32 } from 'node:zlib';
import { assertJsonTextDepth, MAX_JSON_DEPTH } from '../json-depth.js';
import { cardErrors } from './card-errors.js';
import type { CardV3 } from './card-types.js';
import { type ParsedCard, parseCard, toV2, toV3 } from './normalize-card.js';

/*
 * PNG/APNG character cards: the card is base64 JSON in a `tEXt` chunk, `chara` for V2 and `ccv3`
 * for V3 (SPEC_V3.md, "Embedding Methods").
 *
 * Written here rather than with png-chunks-extract/-encode/png-chunk-text: those are 2016
 * 1.0.0 releases without types that throw untyped errors, and the whole job is a length-prefixed
 * chunk walk plus CRC-32, which Node ships as zlib.crc32 (20.15+, and the project requires
 * 20.19). Doing it here also lets each kind of damage get its own error code.
 */

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The chunk keywords that carry a card; `ccv3` wins when both are present. */
const CARD_KEYWORDS = ['ccv3', 'chara'] as const;
type CardKeyword = (typeof CARD_KEYWORDS)[number];

/** PNG caps chunk lengths at 2^31 - 1 (PNG spec, 5.3). */
const MAX_CHUNK_LENGTH = 0x7fffffff;

export interface PngChunk {
  type: string;
  data: Buffer;
}

export interface PngCard extends ParsedCard {
  /** Which chunk the card was read from. */
  chunk: CardKeyword;
}

/** @example isPng(await fs.readFile('card.png')) // true */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= PNG_SIGNATURE.length && PNG_SIGNATURE.equals(bytes.subarray(0, 8));
}

/**
 * Splits a PNG into its chunks, checking the signature, every length and every CRC, that IHDR
 * comes first and that IEND is reached. Bytes after IEND are ignored.
 *
 * @example
 * readPngChunks(png).map((c) => c.type); // ['IHDR', 'IDAT', 'tEXt', 'IEND']
 */
export function readPngChunks(bytes: Buffer): PngChunk[] {
  if (!isPng(bytes)) throw cardErrors.pngInvalid('it does not start with the PNG signature');
  const chunks: PngChunk[] = [];
  let offset = PNG_SIGNATURE.length;
  for (;;) {
    if (offset + 12 > bytes.length) {
      throw cardErrors.pngInvalid('the file ends before the IEND chunk (truncated?)', { offset });
    }
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    if (length > MAX_CHUNK_LENGTH || !/^[A-Za-z]{4}$/.test(type)) {
      throw cardErrors.pngInvalid('a chunk header is malformed', { offset });
    }
    const dataEnd = offset + 8 + length;
    if (dataEnd + 4 > bytes.length) {
      throw cardErrors.pngInvalid(`chunk ${type} runs past the end of the file (truncated?)`, { offset });
    }
    if (crc32(bytes.subarray(offset + 4, dataEnd)) !== bytes.readUInt32BE(dataEnd)) {
      throw cardErrors.pngInvalid(`chunk ${type} has a wrong CRC`, { offset });
    }
    if (chunks.length === 0 && (type !== 'IHDR' || length !== 13)) {
      throw cardErrors.pngInvalid('the first chunk is not a valid IHDR');
    }
    chunks.push({ type, data: bytes.subarray(offset + 8, dataEnd) });
    offset = dataEnd + 4;
    if (type === 'IEND') return chunks;
  }
}

/**
 * Joins chunks back into a PNG file, computing each CRC.
 *
 * @example
 * const png = encodePng(readPngChunks(source).filter((c) => c.type !== 'tEXt'));
 */
export function encodePng(chunks: readonly PngChunk[]): Buffer {
  const parts: Buffer[] = [PNG_SIGNATURE];
  for (const { type, data } of chunks) {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
    parts.push(head, data, tail);
  }
  return Buffer.concat(parts);
}

/** @example pngDimensions(png) // { width: 400, height: 600 } */
export function pngDimensions(bytes: Buffer): { width: number; height: number } {
  const ihdr = readPngChunks(bytes)[0]!.data;
  return { width: ihdr.readUInt32BE(0), height: ihdr.readUInt32BE(4) };
}

/** A `tEXt` chunk: Latin-1 keyword, a NUL, Latin-1 text (base64 is plain ASCII, so this is safe). */
export function textChunk(keyword: string, text: string): PngChunk {
  return {
    type: 'tEXt',
    data: Buffer.concat([Buffer.from(`${keyword}\0`, 'latin1'), Buffer.from(text, 'latin1')]),
  };
}

function readTextChunk(chunk: PngChunk): { keyword: string; text: string } | undefined {
  if (chunk.type !== 'tEXt') return undefined;
  const nul = chunk.data.indexOf(0);
  if (nul < 1) return undefined;
  return { keyword: chunk.data.toString('latin1', 0, nul), text: chunk.data.toString('latin1', nul + 1) };
}

/**
 * Reads the character card embedded in a PNG/APNG: `ccv3` first, then `chara`. If `ccv3` is
 * unreadable but `chara` is fine, the V2 copy is used and a warning says so.
 *
 * @example
 * const { card, sourceSpec, chunk } = readPngCard(await fs.readFile('Seraphina.png'));
 */
export function readPngCard(bytes: Buffer): PngCard {
  const found = new Map<CardKeyword, string>();
  for (const chunk of readPngChunks(bytes)) {
    const entry = readTextChunk(chunk);
    const keyword = entry?.keyword.toLowerCase();
    if (entry && isCardKeyword(keyword) && !found.has(keyword)) found.set(keyword, entry.text);
  }
  const [preferred, fallback] = CARD_KEYWORDS.filter((k) => found.has(k));
  if (!preferred) throw cardErrors.notFound('the PNG (it has no "chara" or "ccv3" text chunk)');
  const read = (keyword: CardKeyword): PngCard => ({
    ...parseCard(decodeCardText(found.get(keyword)!, `the PNG "${keyword}" chunk`)),
    chunk: keyword,
  });
  try {
    return read(preferred);
  } catch (err) {
    if (!fallback) throw err;
    const parsed = read(fallback);
    const why = `The "${preferred}" chunk could not be read (${(err as Error).message}); the V2 copy was used`;
    return { ...parsed, warnings: [why, ...parsed.warnings] };
  }
}

function isCardKeyword(keyword: string | undefined): keyword is CardKeyword {
  return keyword === 'ccv3' || keyword === 'chara';
}

function decodeCardText(text: string, where: string): unknown {
  const trimmed = text.trim();
  // A few tools store the JSON itself instead of base64; a `{` cannot start valid base64 anyway.
  let json = trimmed;
  if (!trimmed.startsWith('{')) {
    const base64 = trimmed.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(base64)) throw cardErrors.notJson(where, 'it is not base64');
    json = Buffer.from(base64, 'base64').toString('utf8');
  }
  assertJsonTextDepth(json, MAX_JSON_DEPTH, where);
  try {
    return JSON.parse(json) as unknown;
  } catch (err) {
    throw cardErrors.notJson(where, (err as Error).message);
  }
}

/**
 * Embeds the card in a PNG: a `chara` chunk (V2, for older apps) and a `ccv3` chunk (V3), both
 * placed just before IEND. Existing card chunks are replaced; the image and every other chunk
 * are kept byte for byte.
 *
 * @example
 * await fs.writeFile('Seraphina.png', writePngCard(avatarPng, card));
 */
export function writePngCard(png: Buffer, card: CardV3): Buffer {
  const kept = readPngChunks(png).filter(
    (chunk) => !isCardKeyword(readTextChunk(chunk)?.keyword.toLowerCase()),
  );
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
  const cardChunks = [
    textChunk('chara', encode(toV2(card, { backfill: true }))),
    textChunk('ccv3', encode(toV3(card))),
  ];
  return encodePng([...kept.slice(0, -1), ...cardChunks, kept.at(-1)!]);
}
