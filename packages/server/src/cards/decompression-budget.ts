import { AppError } from '../errors.js';

/**
 * Bytes one request may inflate from archives, all its files together. Each CHARX is limited on
 * its own too, but a bulk import carries up to 50 files, and 50 archives at their own limit
 * made one request inflate ~5 GB.
 */
export const MAX_DECOMPRESSED_BYTES_PER_REQUEST = 64 * 1024 * 1024;

/**
 * The inflate allowance of one request, shared by every archive it carries. Bytes are counted
 * as they come out of the inflater (never from the headers), and stay counted when an archive
 * fails halfway: they were inflated all the same.
 *
 * @example
 * const budget = new DecompressionBudget();
 * for (const file of files) await readCardFile(file.bytes, file.name, { budget });
 */
export class DecompressionBudget {
  usedBytes = 0;

  constructor(readonly limitBytes = MAX_DECOMPRESSED_BYTES_PER_REQUEST) {}

  get remainingBytes(): number {
    return Math.max(this.limitBytes - this.usedBytes, 0);
  }

  /** Refuses up front what the headers say would not fit (an honest archive fails early). */
  reserve(declaredBytes: number, where: string): void {
    if (declaredBytes > this.remainingBytes) throw this.exceeded(where, declaredBytes);
  }

  /** Counts bytes just inflated; throws `import_budget_exceeded` once past the limit. */
  spend(bytes: number, where: string): void {
    this.usedBytes += bytes;
    if (this.usedBytes > this.limitBytes) throw this.exceeded(where);
  }

  private exceeded(where: string, declaredBytes?: number): AppError {
    return new AppError(
      413,
      'import_budget_exceeded',
      `The files of this request together unpack to more than ${this.limitBytes / 1024 / 1024} MB (at ${where}); import the rest in another request`,
      {
        limitBytes: this.limitBytes,
        usedBytes: this.usedBytes,
        ...(declaredBytes === undefined ? {} : { declaredBytes }),
      },
    );
  }
}
