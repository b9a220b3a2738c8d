import yauzl from 'yauzl';
import type { DocxArchiveLimits } from './extraction-protocol.js';

/** A DOCX whose zip is not acceptable: damaged, encrypted, or unpacking to far more than it is. */
export class ArchiveRefused extends Error {
  constructor(
    readonly reason: 'corrupt' | 'archive_bomb',
    message: string,
  ) {
    super(message);
  }
}

const open = (bytes: Buffer) =>
  yauzl.fromBufferPromise(bytes, { lazyEntries: true, decodeStrings: true, validateEntrySizes: false });

/**
 * Whether a zip holds `word/document.xml` (what makes it a DOCX), from its central directory
 * alone: nothing is inflated. False for anything yauzl cannot open.
 *
 * @example if (await isWordDocument(bytes)) …
 */
export async function isWordDocument(bytes: Buffer): Promise<boolean> {
  let zip: yauzl.ZipFile | undefined;
  try {
    zip = await open(bytes);
    let seen = 0;
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName === 'word/document.xml') return true;
      // A DOCX lists a few dozen entries; a huge directory is not worth walking here.
      if (++seen > 10_000) return false;
    }
    return false;
  } catch {
    return false;
  } finally {
    zip?.close();
  }
}

/**
 * Checks a DOCX's zip before a parser inflates it: entry count, declared sizes and ratios (per
 * entry and for the archive) from the central directory, then every entry inflated as a stream
 * and counted, so headers that lie about sizes are caught at the first byte past what they
 * declared. Throws ArchiveRefused; inflates at most `maxTotalBytes` in all.
 *
 * @example await checkDocxArchive(bytes, DOCX_ARCHIVE_LIMITS);
 */
export async function checkDocxArchive(bytes: Buffer, limits: DocxArchiveLimits): Promise<void> {
  const zip = await open(bytes).catch((err: Error) => {
    throw new ArchiveRefused('corrupt', `the file is not a readable zip (${err.message})`);
  });
  try {
    if (zip.entryCount > limits.maxEntries) {
      throw new ArchiveRefused(
        'archive_bomb',
        `it has ${zip.entryCount} entries (at most ${limits.maxEntries})`,
      );
    }
    const entries: yauzl.Entry[] = [];
    let declared = 0;
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith('/')) continue;
      if (entry.isEncrypted()) throw new ArchiveRefused('corrupt', 'it is encrypted');
      declared += entry.uncompressedSize;
      if (declared > limits.maxTotalBytes) {
        throw new ArchiveRefused('archive_bomb', `it unpacks to more than ${mb(limits.maxTotalBytes)}`);
      }
      const ratio = entry.uncompressedSize / Math.max(entry.compressedSize, 1);
      if (entry.uncompressedSize > limits.ratioCheckMinBytes && ratio > limits.maxCompressionRatio) {
        throw new ArchiveRefused('archive_bomb', `${entry.fileName} is compressed ${Math.round(ratio)}:1`);
      }
      entries.push(entry);
    }
    const overall = declared / Math.max(bytes.length, 1);
    if (declared > limits.ratioCheckMinBytes && overall > limits.maxArchiveRatio) {
      throw new ArchiveRefused('archive_bomb', `it is compressed ${Math.round(overall)}:1 overall`);
    }
    for (const entry of entries) await inflateCounted(zip, entry);
  } finally {
    zip.close();
  }
}

/** Inflates one entry, discarding the bytes, and refuses it past its declared size. */
async function inflateCounted(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<void> {
  const stream = await zip.openReadStreamPromise(entry).catch((err: Error) => {
    throw new ArchiveRefused('corrupt', `${entry.fileName} cannot be read (${err.message})`);
  });
  let size = 0;
  try {
    // Breaking out of the loop destroys the stream, so inflating stops right there.
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > entry.uncompressedSize) {
        throw new ArchiveRefused(
          'archive_bomb',
          `${entry.fileName} unpacks to more than the ${entry.uncompressedSize} bytes its header declares`,
        );
      }
    }
  } catch (err) {
    if (err instanceof ArchiveRefused) throw err;
    throw new ArchiveRefused('corrupt', `${entry.fileName} cannot be read (${(err as Error).message})`);
  }
}

const mb = (bytes: number) => `${bytes / 1024 / 1024} MB`;
