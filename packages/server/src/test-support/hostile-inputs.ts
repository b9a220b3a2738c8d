import { crc32, deflateSync } from 'node:zlib';

/*
 * Files an attacker would send, built at test time so they cost the test almost nothing: JSON
 * nested past every parser's comfort, PNGs whose header promises a huge picture.
 */

/** `{"a":{"a":…[0]…}}` nested `depth` levels, mixing objects and arrays. */
export function deeplyNestedJson(depth: number): string {
  const half = Math.floor(depth / 2);
  return `${'{"a":'.repeat(half)}${'['.repeat(depth - half)}0${']'.repeat(depth - half)}${'}'.repeat(half)}`;
}

/** The same shape as a value, built without recursion. */
export function deeplyNestedValue(depth: number): unknown {
  let value: unknown = 0;
  for (let level = 0; level < depth; level++) value = level % 2 ? [value] : { a: value };
  return value;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A greyscale PNG whose IHDR declares `width`×`height`. With `pixels: 'zeros'` the IDAT holds
 * every row (a filter byte and zeros), so the file is a real picture that deflate squeezes
 * about 1000:1 (1,000,000×40 is ~40 KB); with `pixels: 'few'` it holds one short row only,
 * so the file is tiny and anything that decodes it fails, while its header still reads fine.
 * `textChunks` go before IEND (a card's `chara` chunk, say).
 */
export function hostilePng(
  width: number,
  height: number,
  { pixels = 'few', textChunks = [] }: { pixels?: 'zeros' | 'few'; textChunks?: Buffer[] } = {},
): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = pixels === 'zeros' ? Buffer.alloc((width + 1) * height) : Buffer.alloc(16);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    ...textChunks,
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A `tEXt` chunk, e.g. a card's `chara` chunk: `textChunk('chara', base64Json)`. */
export function pngTextChunk(keyword: string, text: string): Buffer {
  return chunk('tEXt', Buffer.concat([Buffer.from(`${keyword}\0`, 'latin1'), Buffer.from(text, 'latin1')]));
}
