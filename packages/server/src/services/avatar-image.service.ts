import { createHash } from 'node:crypto';
import { lorelei } from '@dicebear/collection';
import { createAvatar } from '@dicebear/core';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import type { Database } from '../db/database.js';
import { type AvatarRow, files } from '../db/schema/index.js';
import { AppError } from '../errors.js';

export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
const ACCEPTED = new Set(['png', 'jpeg', 'webp']);
const SIZE = 512;

export interface ImageResponse {
  contentType: string;
  body: Buffer | string;
}

/**
 * Avatar pictures: a deterministic generated face (DiceBear "lorelei", seeded by the avatar id)
 * until the owner uploads one; uploads are checked by content (not by name or header),
 * re-encoded to a 512×512 WebP, and stored in the database so backups include them.
 */
export function createAvatarImageService(deps: { db: Database }) {
  return {
    async image(avatar: AvatarRow): Promise<ImageResponse> {
      if (avatar.imageId) {
        const [file] = await deps.db.select().from(files).where(eq(files.id, avatar.imageId));
        if (file) return { contentType: file.mimeType, body: file.bytes };
      }
      return { contentType: 'image/svg+xml', body: generatedFace(avatar.id) };
    },

    /**
     * Stores an image for an avatar the user owns and returns the new file id. Uploads keep the
     * 5 MB limit; generated pictures (which the server fetched itself) may pass a larger one.
     */
    async upload(
      ownerId: string,
      bytes: Buffer,
      { maxBytes = MAX_IMAGE_BYTES }: { maxBytes?: number } = {},
    ): Promise<{ fileId: string; width: number; height: number }> {
      if (bytes.length > maxBytes) {
        throw new AppError(413, 'image_too_large', `Images may be at most ${maxBytes / 1024 / 1024} MB`);
      }
      let format: string | undefined;
      try {
        format = (await sharp(bytes, { limitInputPixels: 40_000_000 }).metadata()).format;
      } catch {
        throw new AppError(
          415,
          'image_unsupported',
          'This file is not an image Lumina can read (use PNG, JPEG or WebP)',
        );
      }
      if (!format || !ACCEPTED.has(format)) {
        throw new AppError(
          415,
          'image_unsupported',
          `Images must be PNG, JPEG or WebP (this one is ${format ?? 'unknown'})`,
        );
      }
      let encoded: Buffer;
      try {
        encoded = await sharp(bytes, { limitInputPixels: 40_000_000 })
          .rotate() // honour EXIF orientation, then drop the metadata
          .resize(SIZE, SIZE, { fit: 'cover', position: 'attention' })
          .webp({ quality: 85 })
          .toBuffer();
      } catch {
        throw new AppError(422, 'image_corrupt', 'The image is damaged and could not be read');
      }
      const [row] = await deps.db
        .insert(files)
        .values({
          ownerId,
          kind: 'avatar-image',
          mimeType: 'image/webp',
          bytes: encoded,
          sizeBytes: encoded.length,
          sha256: createHash('sha256').update(encoded).digest('hex'),
          width: SIZE,
          height: SIZE,
        })
        .returning({ id: files.id });
      return { fileId: row!.id, width: SIZE, height: SIZE };
    },

    async removeFile(fileId: string): Promise<void> {
      await deps.db.delete(files).where(eq(files.id, fileId));
    },
  };
}

/** The same face for the same avatar, always. */
export function generatedFace(seed: string): string {
  return createAvatar(lorelei, {
    seed,
    backgroundColor: ['b6e3f4', 'c0aede', 'd1d4f9', 'ffd5dc', 'ffdfbf'],
  }).toString();
}

export type AvatarImageService = ReturnType<typeof createAvatarImageService>;
