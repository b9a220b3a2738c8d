import { assertJsonTextDepth, MAX_JSON_DEPTH } from '../json-depth.js';
import { cardErrors } from './card-errors.js';
import type { CardSpec, CardV3 } from './card-types.js';
import { type CharxAsset, type CharxLimits, readCharx, writeCharx } from './charx-card.js';
import type { DecompressionBudget } from './decompression-budget.js';
import { parseCard, toV2, toV3 } from './normalize-card.js';
import { isPng, readPngCard, writePngCard } from './png-card.js';

export type CardFileFormat = 'png' | 'charx' | 'json';

export interface CardFile {
  format: CardFileFormat;
  card: CardV3;
  sourceSpec: CardSpec;
  /** The avatar: the PNG itself, or the CHARX asset the card names as its main icon. */
  image?: Buffer;
  /** CHARX only: every archive entry except card.json. */
  assets?: CharxAsset[];
  warnings: string[];
}

/** XML cards are decoded by cards/xml; the caller routes this result there. */
export interface XmlCardFile {
  format: 'xml';
}

export interface CardFileLimits {
  /** Size of the uploaded file itself. */
  maxBytes: number;
  charx: Partial<CharxLimits>;
  /** The request's inflate allowance, shared by every file of a bulk import; one per call if unset. */
  budget?: DecompressionBudget;
}

export const DEFAULT_CARD_FILE_LIMITS: CardFileLimits = { maxBytes: 100 * 1024 * 1024, charx: {} };

const ZIP_SIGNATURE = Buffer.from('PK\x03\x04', 'latin1');
/** An archive with no entries starts with the end-of-central-directory record instead. */
const EMPTY_ZIP_SIGNATURE = Buffer.from('PK\x05\x06', 'latin1');

/**
 * Reads a character card file, recognising the format by its content (never by the name, which
 * is only used for a warning when it disagrees).
 *
 * @example
 * const result = await readCardFile(upload, 'Seraphina.png');
 * if (result.format === 'xml') return importXmlCard(upload);
 * result.card.data.name; // 'Seraphina'
 */
export async function readCardFile(
  bytes: Buffer,
  fileName?: string,
  limits: Partial<CardFileLimits> = {},
): Promise<CardFile | XmlCardFile> {
  const max = { ...DEFAULT_CARD_FILE_LIMITS, ...limits };
  if (bytes.length > max.maxBytes) throw cardErrors.tooLarge(bytes.length, max.maxBytes);
  const format = detectCardFormat(bytes);
  if (format === 'xml') return { format };
  const warnings = extensionMismatch(format, fileName);
  if (format === 'png') {
    const { card, sourceSpec, warnings: found } = readPngCard(bytes);
    return { format, card, sourceSpec, image: bytes, warnings: [...warnings, ...found] };
  }
  if (format === 'charx') {
    const { card, sourceSpec, assets, warnings: found } = await readCharx(bytes, max.charx, max.budget);
    const image = mainIcon(card, assets);
    return { format, card, sourceSpec, assets, ...(image && { image }), warnings: [...warnings, ...found] };
  }
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  assertJsonTextDepth(text, MAX_JSON_DEPTH, 'the file');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw cardErrors.notJson('the file', (err as Error).message);
  }
  const parsed = parseCard(json);
  return { format, ...parsed, warnings: [...warnings, ...parsed.warnings] };
}

/**
 * What a card file is, from its first bytes: PNG signature, zip signature, or the first
 * non-blank character of text (`{` for JSON, `<` for XML).
 *
 * @example detectCardFormat(Buffer.from('  {"name":"Ari"}')) // 'json'
 */
export function detectCardFormat(bytes: Buffer): CardFileFormat | 'xml' {
  if (isPng(bytes)) return 'png';
  const head = bytes.subarray(0, 4);
  if (head.equals(ZIP_SIGNATURE) || head.equals(EMPTY_ZIP_SIGNATURE)) return 'charx';
  const text = bytes
    .subarray(0, 64)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (text.startsWith('{')) return 'json';
  if (text.startsWith('<')) return 'xml';
  throw cardErrors.unsupportedFormat();
}

const EXTENSIONS: Record<CardFileFormat, RegExp> = {
  png: /\.(a?png)$/i,
  charx: /\.(charx|zip)$/i,
  json: /\.json$/i,
};

function extensionMismatch(format: CardFileFormat, fileName: string | undefined): string[] {
  if (!fileName || !/\.[^./\\]+$/.test(fileName) || EXTENSIONS[format].test(fileName)) return [];
  return [
    `The file is named "${fileName}" but its content is ${format.toUpperCase()}; it was read as ${format}`,
  ];
}

/** The spec's main icon: the `icon` asset named `main`, when it is embedded in the archive. */
function mainIcon(card: CardV3, assets: readonly CharxAsset[]): Buffer | undefined {
  const icons = (card.data.assets ?? []).filter((asset) => asset.type === 'icon');
  const main = icons.find((asset) => asset.name === 'main') ?? icons[0];
  const path = main?.uri.startsWith('embeded://') ? main.uri.slice('embeded://'.length) : undefined;
  return path === undefined ? undefined : assets.find((asset) => asset.path === path)?.bytes;
}

export type CardExportFormat = 'png' | 'charx' | 'json-v2' | 'json-v3';

/**
 * Writes a card in the asked format. PNG needs the image to embed the card in; CHARX takes the
 * assets to pack beside card.json.
 *
 * @example
 * const png = await writeCardFile(card, 'png', { image: avatarPng });
 * const json = await writeCardFile(card, sourceSpec === 'v3' ? 'json-v3' : 'json-v2');
 */
export async function writeCardFile(
  card: CardV3,
  format: CardExportFormat,
  options: { image?: Buffer; assets?: readonly CharxAsset[] } = {},
): Promise<Buffer> {
  switch (format) {
    case 'png':
      if (!options.image)
        throw new TypeError('writeCardFile: a PNG export needs the image to embed the card in');
      return writePngCard(options.image, card);
    case 'charx':
      return writeCharx(card, options.assets);
    case 'json-v2':
      return Buffer.from(JSON.stringify(toV2(card), null, 2), 'utf8');
    case 'json-v3':
      return Buffer.from(JSON.stringify(toV3(card), null, 2), 'utf8');
  }
}
