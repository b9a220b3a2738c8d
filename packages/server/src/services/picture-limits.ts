import { createRequire } from 'node:module';
import type { Sharp, SharpOptions } from 'sharp';
import { AppError } from '../errors.js';

type SharpModule = typeof import('sharp')['default'];
let loaded: SharpModule | undefined;
/**
 * sharp (libvips) on first use: loading it costs ~0.25 s of CPU, which start-up (`/health`) and
 * every chat turn do not need (bench/startup.mjs; docs/performance.md). It is a CommonJS module,
 * so `require` loads it synchronously and shares its one instance with any `import` of it.
 */
function sharp(input: Buffer, options: SharpOptions): Sharp {
  if (!loaded) {
    loaded = createRequire(import.meta.url)('sharp') as SharpModule;
    // libvips caches recent operations (50 MB by default) and starts one worker thread per core
    // for each picture; for pictures people send that is memory held for nothing and a
    // multiplier on the worst case, so this process keeps neither.
    loaded.cache(false);
    loaded.concurrency(1);
  }
  return loaded(input, options);
}

/**
 * What a picture from outside (upload, card, generated) may be, checked from its header before
 * a single pixel is decoded. The sides and the aspect ratio matter as much as the pixel count: a
 * 1,000,000×40 PNG is only 40 megapixels, but cropping it to a square first scales its short
 * side up to 512, which made a 12,800,000×512 picture (13 GB). With at most 20:1, the largest
 * thing ever scaled to is 10,240×512.
 */
export const PICTURE_LIMITS = {
  /** Either side, in pixels. */
  maxSide: 8_192,
  /** Width × height; 40 MP is a full-resolution phone photo. */
  maxPixels: 40_000_000,
  /** Long side / short side. */
  maxAspectRatio: 20,
  /** Animated WebP: only the first frame is read, and files claiming more frames are refused. */
  maxFrames: 1_000,
  /** Wall-clock budget of one decode + resize + encode, enforced by libvips. */
  timeoutSeconds: 10,
  /** Pictures decoded at once in this process; the rest wait their turn. */
  concurrentDecodes: 2,
} as const;

export interface PictureHeader {
  format: string | undefined;
  width: number;
  height: number;
  frames: number;
}

/**
 * Reads the header only (format, size, frame count): libvips parses the file's header and
 * decodes no pixels, so a picture bomb costs nothing here.
 *
 * @example const { width, height } = await readPictureHeader(bytes);
 */
export async function readPictureHeader(bytes: Buffer): Promise<PictureHeader> {
  // limitInputPixels is off on purpose: the limits are checked just after, with clearer errors.
  const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  return { format: meta.format, width: meta.width ?? 0, height: meta.height ?? 0, frames: meta.pages ?? 1 };
}

/**
 * Refuses a picture whose header breaks PICTURE_LIMITS: too wide or tall (413
 * `image_dimensions_too_large`), too many frames (413 `image_too_many_frames`), a strip
 * (422 `image_aspect_ratio_unsupported`) or no size at all (422 `image_corrupt`).
 *
 * @example checkPictureHeader(await readPictureHeader(bytes));
 */
export function checkPictureHeader({ width, height, frames }: PictureHeader): void {
  const { maxSide, maxPixels, maxAspectRatio, maxFrames } = PICTURE_LIMITS;
  if (width < 1 || height < 1) {
    throw new AppError(422, 'image_corrupt', 'The image is damaged and could not be read');
  }
  if (width > maxSide || height > maxSide || width * height > maxPixels) {
    throw new AppError(
      413,
      'image_dimensions_too_large',
      `The image is ${width}×${height} pixels; at most ${maxSide} pixels per side and ${maxPixels / 1_000_000} megapixels are accepted`,
      { width, height, maxSide, maxPixels },
    );
  }
  if (Math.max(width, height) / Math.min(width, height) > maxAspectRatio) {
    throw new AppError(
      422,
      'image_aspect_ratio_unsupported',
      `The image is ${width}×${height} pixels; its long side may be at most ${maxAspectRatio} times its short side`,
      { width, height, maxAspectRatio },
    );
  }
  if (frames > maxFrames) {
    throw new AppError(
      413,
      'image_too_many_frames',
      `The image has ${frames} frames; at most ${maxFrames} are accepted (only the first is used)`,
      { frames, maxFrames },
    );
  }
}

/**
 * A sharp pipeline for a picture whose header passed checkPictureHeader: the pixel limit is
 * enforced again by libvips itself, only the first frame is read, rows are read once from top
 * to bottom (so a shrink streams instead of holding the whole decoded picture), and the
 * whole job is cut off after `timeoutSeconds`.
 */
export function boundedSharp(bytes: Buffer): Sharp {
  return sharp(bytes, {
    limitInputPixels: PICTURE_LIMITS.maxPixels,
    sequentialRead: true,
    pages: 1,
  }).timeout({ seconds: PICTURE_LIMITS.timeoutSeconds });
}

let running = 0;
const waiting: (() => void)[] = [];

/**
 * Runs `work` when fewer than `concurrentDecodes` pictures are being decoded in this process,
 * so a burst of uploads queues instead of multiplying the memory of the worst picture.
 *
 * @example const webp = await withDecodeSlot(() => boundedSharp(bytes).webp().toBuffer());
 */
export async function withDecodeSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= PICTURE_LIMITS.concurrentDecodes) {
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running++;
  }
  try {
    return await work();
  } finally {
    // The slot passes straight to the next waiter, so `running` only drops when nobody waits.
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}
