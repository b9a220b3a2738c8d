import { buffer as readAll } from 'node:stream/consumers';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { AppError } from '../errors.js';
import { assertJsonTextDepth, MAX_JSON_DEPTH } from '../json-depth.js';
import { cardErrors } from './card-errors.js';
import type { CardV3 } from './card-types.js';
import { DecompressionBudget } from './decompression-budget.js';
import { type ParsedCard, parseCard, toV3 } from './normalize-card.js';

/*
 * CHARX: a zip with the V3 card as `card.json` at its root and assets beside it (SPEC_V3.md).
 *
 * Read with yauzl because it works from the central directory (the only place zip keeps the
 * Unix mode bits, so symlink entries can be seen; a local-header streaming reader such as
 * fflate's Unzip cannot), handles zip64 and data descriptors, and inflates each entry as a
 * stream, so sizes are counted chunk by chunk while inflating instead of trusting the header.
 * Written with yazl, its sibling from the same author. File names are decoded raw and checked
 * here so a traversal attempt gets its own error code instead of a generic zip failure.
 */

export interface CharxAsset {
  /** Path inside the archive, `/`-separated, e.g. `assets/icon/images/main.png`. */
  path: string;
  bytes: Buffer;
}

export interface CharxLimits {
  /** Entries in the central directory, directories included. */
  maxEntries: number;
  /** Uncompressed bytes of one entry. */
  maxEntryBytes: number;
  /** Uncompressed bytes of all entries together. */
  maxTotalBytes: number;
  /** Uncompressed / compressed of one entry, checked for entries larger than `ratioCheckMinBytes`. */
  maxCompressionRatio: number;
  /** All entries' declared uncompressed bytes / the archive's size, checked past `ratioCheckMinBytes`. */
  maxArchiveRatio: number;
  ratioCheckMinBytes: number;
}

export const DEFAULT_CHARX_LIMITS: CharxLimits = {
  maxEntries: 2_000,
  maxEntryBytes: 32 * 1024 * 1024,
  maxTotalBytes: 64 * 1024 * 1024,
  // Text JSON rarely compresses past 20:1 and media barely compresses; 1000:1 is a bomb. One
  // entry may be a long text; the archive as a whole, with its pictures, has no excuse past 100:1.
  maxCompressionRatio: 200,
  maxArchiveRatio: 100,
  ratioCheckMinBytes: 1024 * 1024,
};

export interface CharxCard extends ParsedCard {
  /** Every file of the archive except `card.json`, in archive order. */
  assets: CharxAsset[];
}

const CARD_PATH = 'card.json';
/** Formats that are already compressed; deflating them again only costs time. */
const STORED_EXTENSIONS = /\.(png|apng|jpe?g|webp|avif|gif|mp3|ogg|opus|m4a|mp4|webm|zip|charx)$/i;

/**
 * Reads a CHARX archive within `limits` and the request's `budget`. Every entry is listed from
 * the central directory first, and the declared sizes and ratios (per entry and over the whole
 * archive) are checked before anything is inflated; then a zip bomb whose headers lie is
 * stopped as soon as it inflates past its declared size, the per-entry or total limit, or the
 * budget, before the memory it claims is ever allocated.
 *
 * @example
 * const { card, assets } = await readCharx(bytes, { maxTotalBytes: 20 * 1024 * 1024 });
 */
export async function readCharx(
  bytes: Buffer,
  limits: Partial<CharxLimits> = {},
  budget = new DecompressionBudget(),
): Promise<CharxCard> {
  const max = { ...DEFAULT_CHARX_LIMITS, ...limits };
  const zip = await yauzl
    .fromBufferPromise(bytes, { lazyEntries: true, decodeStrings: false, validateEntrySizes: false })
    .catch((err: Error) => {
      throw cardErrors.charxInvalid(err.message);
    });
  const files = new Map<string, Buffer>();
  try {
    if (zip.entryCount > max.maxEntries) {
      throw cardErrors.charxTooLarge(`it has ${zip.entryCount} entries`, {
        entries: zip.entryCount,
        limit: max.maxEntries,
      });
    }
    const listed = new Map<string, yauzl.Entry>();
    let declaredTotal = 0;
    for await (const entry of zip.eachEntry()) {
      const path = checkedPath(entry);
      if (path.endsWith('/')) continue;
      if (listed.has(path)) throw cardErrors.charxInvalid(`the entry ${path} appears twice`);
      if (entry.isEncrypted()) throw cardErrors.charxInvalid(`the entry ${path} is encrypted`);
      declaredTotal += entry.uncompressedSize;
      checkDeclaredSize(entry, path, declaredTotal, max);
      listed.set(path, entry);
    }
    checkArchiveRatio(declaredTotal, bytes.length, max);
    budget.reserve(declaredTotal, 'the CHARX archive');
    let inflatedTotal = 0;
    for (const [path, entry] of listed) {
      const data = await inflate(zip, entry, path, {
        maxBytes: Math.min(entry.uncompressedSize, max.maxEntryBytes, max.maxTotalBytes - inflatedTotal),
        budget,
      });
      inflatedTotal += data.length;
      files.set(path, data);
    }
  } catch (err) {
    throw err instanceof AppError ? err : cardErrors.charxInvalid((err as Error).message);
  } finally {
    zip.close();
  }
  const cardJson = files.get(CARD_PATH);
  if (!cardJson) throw cardErrors.notFound('the CHARX archive (no card.json at its root)');
  files.delete(CARD_PATH);
  const parsed = parseCard(parseJson(cardJson));
  return { ...parsed, assets: [...files].map(([path, data]) => ({ path, bytes: data })) };
}

function checkedPath(entry: yauzl.Entry): string {
  const path = yauzl.getFileNameLowLevel(
    entry.generalPurposeBitFlag,
    entry.fileNameRaw,
    entry.extraFields,
    true,
  );
  const reason = unsafePathReason(path);
  if (reason) throw cardErrors.charxUnsafePath(path, reason);
  // The Unix file type sits in the top bits of the external attributes (S_IFLNK = 0o120000);
  // archives made on other systems leave them zero.
  if (((entry.externalFileAttributes >>> 16) & 0o170000) === 0o120000) {
    throw cardErrors.charxUnsafePath(path, 'symbolic links are not allowed');
  }
  return path;
}

/**
 * Why an archive path could escape the folder it is extracted to, or undefined when it is safe.
 *
 * @example unsafePathReason('../evil') // 'parent directory (..) in the path'
 */
export function unsafePathReason(path: string): string | undefined {
  if (path.length === 0) return 'empty name';
  if (path.includes('\\')) return 'backslash in the name';
  if (path.includes('\0')) return 'NUL character in the name';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'absolute path';
  if (path.split('/').includes('..')) return 'parent directory (..) in the path';
  return undefined;
}

function checkDeclaredSize(entry: yauzl.Entry, path: string, declaredTotal: number, max: CharxLimits): void {
  const details = { path, declaredBytes: entry.uncompressedSize, compressedBytes: entry.compressedSize };
  if (entry.uncompressedSize > max.maxEntryBytes) {
    throw cardErrors.charxTooLarge(`${path} is larger than ${max.maxEntryBytes} bytes`, {
      ...details,
      limitEntryBytes: max.maxEntryBytes,
    });
  }
  if (declaredTotal > max.maxTotalBytes) {
    throw cardErrors.charxTooLarge(`its entries add up to more than ${max.maxTotalBytes} bytes`, {
      ...details,
      limitBytes: max.maxTotalBytes,
    });
  }
  const ratio = entry.uncompressedSize / Math.max(entry.compressedSize, 1);
  if (entry.uncompressedSize > max.ratioCheckMinBytes && ratio > max.maxCompressionRatio) {
    throw cardErrors.charxTooLarge(`${path} is compressed ${Math.round(ratio)}:1`, {
      ...details,
      limitRatio: max.maxCompressionRatio,
    });
  }
}

/** The whole archive's declared size against its real size: many modest entries add up. */
function checkArchiveRatio(declaredTotal: number, archiveBytes: number, max: CharxLimits): void {
  const ratio = declaredTotal / Math.max(archiveBytes, 1);
  if (declaredTotal > max.ratioCheckMinBytes && ratio > max.maxArchiveRatio) {
    throw cardErrors.charxTooLarge(`the archive is compressed ${Math.round(ratio)}:1 overall`, {
      declaredBytes: declaredTotal,
      archiveBytes,
      limitArchiveRatio: max.maxArchiveRatio,
    });
  }
}

async function inflate(
  zip: yauzl.ZipFile,
  entry: yauzl.Entry,
  path: string,
  { maxBytes, budget }: { maxBytes: number; budget: DecompressionBudget },
): Promise<Buffer> {
  const stream = await zip.openReadStreamPromise(entry);
  const chunks: Buffer[] = [];
  let size = 0;
  // Breaking out of the loop destroys the stream, so inflating stops right there.
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    budget.spend(chunk.length, path);
    // The declared size was checked against the limits, so the header must not lie.
    if (size > maxBytes) {
      throw cardErrors.charxTooLarge(`${path} inflates past its declared size or the size limit`, {
        path,
        declaredBytes: entry.uncompressedSize,
        inflatedBytes: size,
      });
    }
    chunks.push(chunk);
  }
  if (size !== entry.uncompressedSize)
    throw cardErrors.charxInvalid(`${path} is shorter than its declared size`);
  return Buffer.concat(chunks, size);
}

function parseJson(bytes: Buffer): unknown {
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  assertJsonTextDepth(text, MAX_JSON_DEPTH, 'the CHARX card.json');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw cardErrors.notJson('the CHARX card.json', (err as Error).message);
  }
}

/**
 * Writes a CHARX archive: `card.json` (V3) plus the given assets. Already-compressed media is
 * stored, everything else deflated.
 *
 * @example
 * const charx = await writeCharx(card, [{ path: 'assets/icon/images/main.png', bytes: png }]);
 */
export async function writeCharx(card: CardV3, assets: readonly CharxAsset[] = []): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(JSON.stringify(toV3(card)), 'utf8'), CARD_PATH);
  const seen = new Set([CARD_PATH]);
  for (const asset of assets) {
    const reason = unsafePathReason(asset.path);
    if (reason) throw cardErrors.charxUnsafePath(asset.path, reason);
    if (seen.has(asset.path)) throw cardErrors.charxInvalid(`the entry ${asset.path} appears twice`);
    seen.add(asset.path);
    zip.addBuffer(asset.bytes, asset.path, { compress: !STORED_EXTENSIONS.test(asset.path) });
  }
  zip.end();
  return readAll(zip.outputStream);
}
