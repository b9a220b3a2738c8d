import { ATTACHMENT_LIMITS } from '../domain/attachment.js';
import { AppError } from '../errors.js';
import {
  boundedSharp,
  PICTURE_LIMITS,
  type PictureHeader,
  readPictureHeader,
  withDecodeSlot,
} from '../services/picture-limits.js';

export interface NormalizedImage {
  bytes: Buffer;
  mediaType: 'image/png' | 'image/jpeg' | 'image/webp';
  width: number;
  height: number;
}

/**
 * An attached picture as it is stored and sent to models: EXIF rotation applied, metadata
 * dropped (sharp writes none unless asked), the long side at most `maxImageSide` pixels, PNG,
 * JPEG and WebP kept as they are, GIF (and animated WebP) reduced to their first frame, GIF as
 * PNG. The pixel count is checked from the header before anything is decoded, and decoding runs
 * through the same bounded pipeline as avatar pictures (services/picture-limits.ts: libvips pixel
 * limit, first frame only, sequential read, time cap, two decodes at once).
 *
 * @example const image = await normalizeImage(bytes, 'png');
 */
export async function normalizeImage(
  bytes: Buffer,
  format: 'png' | 'jpeg' | 'webp' | 'gif',
): Promise<NormalizedImage> {
  let header: PictureHeader;
  try {
    header = await readPictureHeader(bytes);
  } catch {
    throw unreadableImage();
  }
  const { width, height } = header;
  if (width < 1 || height < 1 || header.format !== (format === 'jpeg' ? 'jpeg' : format)) {
    throw unreadableImage();
  }
  if (width * height > ATTACHMENT_LIMITS.maxImagePixels) {
    throw new AppError(
      413,
      'attachment_too_large',
      `The picture is ${width}×${height} pixels; at most ${ATTACHMENT_LIMITS.maxImagePixels / 1_000_000} megapixels are accepted`,
      { width, height, maxPixels: ATTACHMENT_LIMITS.maxImagePixels },
    );
  }
  const side = ATTACHMENT_LIMITS.maxImageSide;
  try {
    return await withDecodeSlot(async () => {
      const pipeline = boundedSharp(bytes)
        .rotate()
        .resize(side, side, { fit: 'inside', withoutEnlargement: true });
      const encoded =
        format === 'jpeg'
          ? pipeline.jpeg({ quality: 88 })
          : format === 'webp'
            ? pipeline.webp({ quality: 88 })
            : pipeline.png();
      const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
      const mediaType = format === 'jpeg' ? 'image/jpeg' : format === 'webp' ? 'image/webp' : 'image/png';
      return { bytes: data, mediaType, width: info.width, height: info.height };
    });
  } catch (err) {
    if (err instanceof Error && /^timeout/i.test(err.message)) {
      throw new AppError(
        422,
        'attachment_unreadable',
        `The picture took longer than ${PICTURE_LIMITS.timeoutSeconds} s to read; save it again at a smaller size`,
        { reason: 'timeout' },
      );
    }
    throw unreadableImage();
  }
}

const unreadableImage = () =>
  new AppError(422, 'attachment_unreadable', 'The picture is damaged and could not be read', {
    reason: 'corrupt',
  });
