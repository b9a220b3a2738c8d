/**
 * The limits of each kind of outbound request, in one place (docs/security.md lists them).
 * Timeouts of provider calls are the provider timeouts of config.ts; these add what those lack.
 */

const MiB = 1024 * 1024;

/** Model providers: JSON answers and whole reply streams; one stream line (SSE, NDJSON) at most 1 MiB. */
export const PROVIDER_LIMITS = { maxResponseBytes: 32 * MiB, maxLineBytes: 1 * MiB } as const;

/** Avatar pictures imported from a URL: 30 s for the whole transfer (the byte cap is the upload limit). */
export const PICTURE_IMPORT_LIMITS = { timeoutMs: 30_000 } as const;

/** The operator's image service (base64 JSON of a full-size picture); its timeout is IMAGE_GENERATION_TIMEOUT_MS. */
export const IMAGE_SERVICE_LIMITS = { maxResponseBytes: 40 * MiB } as const;

/** Model downloads: no size cap (the disk check and the idle timeout bound them); CDNs redirect. */
export const DOWNLOAD_LIMITS = { maxRedirects: 5 } as const;
