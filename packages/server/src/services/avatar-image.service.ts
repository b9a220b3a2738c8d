import { createHash } from 'node:crypto';
import { createAvatar } from '@dicebear/core';
import type { Avatar } from '../domain/avatar.js';
import { AppError } from '../errors.js';
import type { FileRepository } from '../repositories/file.repository.js';
import {
  boundedSharp,
  checkPictureHeader,
  PICTURE_LIMITS,
  type PictureHeader,
  readPictureHeader,
  withDecodeSlot,
} from './picture-limits.js';

export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
const ACCEPTED = new Set(['png', 'jpeg', 'webp']);
const SIZE = 512;

export interface ImageResponse {
  contentType: string;
  body: Buffer | string;
}

/**
 * Avatar pictures: a deterministic generated face (DiceBear "lorelei", seeded by the avatar id)
 * until the owner uploads one; uploads are checked by content (not by name or header) and
 * against PICTURE_LIMITS before decoding, re-encoded to a 512×512 WebP, and stored in the
 * database so backups include them.
 * @example const images = createAvatarImageService({ files: createFileRepository(storage.db) });
 */
export function createAvatarImageService(deps: { files: FileRepository }) {
  return {
    /** The picture of an avatar the caller may see; its file belongs to the avatar's owner. */
    async image(avatar: Pick<Avatar, 'id' | 'ownerId' | 'imageId'>): Promise<ImageResponse> {
      if (avatar.imageId) {
        const file = await deps.files.findForOwner(avatar.ownerId, avatar.imageId);
        if (file) return { contentType: file.mimeType, body: file.bytes };
      }
      return { contentType: 'image/svg+xml', body: await generatedFace(avatar.id) };
    },

    /**
     * Stores an image for an avatar the user owns (or, with `kind: 'persona-image'`, for one of
     * their personas) and returns the new file id. Uploads keep the
     * 5 MB limit; generated pictures (which the server fetched itself) may pass a larger one.
     */
    async upload(
      ownerId: string,
      bytes: Buffer,
      {
        maxBytes = MAX_IMAGE_BYTES,
        kind = 'avatar-image',
      }: { maxBytes?: number; kind?: 'avatar-image' | 'persona-image' } = {},
    ): Promise<{ fileId: string; width: number; height: number }> {
      if (bytes.length > maxBytes) {
        throw new AppError(413, 'image_too_large', `Images may be at most ${megabytes(maxBytes)}`, {
          sizeBytes: bytes.length,
          limitBytes: maxBytes,
        });
      }
      let header: PictureHeader;
      try {
        header = await readPictureHeader(bytes);
      } catch {
        throw new AppError(
          415,
          'image_unsupported',
          'This file is not an image Lumina can read (use PNG, JPEG or WebP)',
        );
      }
      if (!header.format || !ACCEPTED.has(header.format)) {
        throw new AppError(
          415,
          'image_unsupported',
          `Images must be PNG, JPEG or WebP (this one is ${header.format ?? 'unknown'})`,
        );
      }
      // Sides, aspect ratio and frames are refused from the header, before anything is decoded.
      checkPictureHeader(header);
      let encoded: Buffer;
      try {
        encoded = await withDecodeSlot(() =>
          boundedSharp(bytes)
            .rotate() // honour EXIF orientation, then drop the metadata
            // Scales the short side to 512 and crops the long one; with the aspect ratio
            // bounded, the scaled picture is at most 512 × (512 × maxAspectRatio).
            .resize(SIZE, SIZE, { fit: 'cover', position: 'attention' })
            .webp({ quality: 85 })
            .toBuffer(),
        );
      } catch (err) {
        if (err instanceof Error && /^timeout/i.test(err.message)) {
          throw new AppError(
            422,
            'image_too_complex',
            `The image took longer than ${PICTURE_LIMITS.timeoutSeconds} s to read; save it again at a smaller size`,
            { timeoutSeconds: PICTURE_LIMITS.timeoutSeconds },
          );
        }
        throw new AppError(422, 'image_corrupt', 'The image is damaged and could not be read');
      }
      const file = await deps.files.create({
        ownerId,
        kind,
        mimeType: 'image/webp',
        bytes: encoded,
        sizeBytes: encoded.length,
        sha256: createHash('sha256').update(encoded).digest('hex'),
        width: SIZE,
        height: SIZE,
      });
      return { fileId: file.id, width: SIZE, height: SIZE };
    },

    /** Deletes a picture the owner replaced or removed (another owner's file is left alone). */
    async removeFile(ownerId: string, fileId: string): Promise<void> {
      await deps.files.deleteForOwner(ownerId, fileId);
    },
  };
}

/** `5 MB`, or `5.5 MB` for a limit that is not whole megabytes. */
function megabytes(bytes: number): string {
  return `${Number((bytes / 1024 / 1024).toFixed(2))} MB`;
}

/**
 * The face style, loaded on first use: @dicebear/collection imports every style and costs ~0.3 s
 * of CPU at import, which start-up (`/health`) must not pay (docs/performance.md, issue 11).
 */
let lorelei: Promise<typeof import('@dicebear/collection').lorelei> | undefined;

/** The same face for the same avatar, always. */
export async function generatedFace(seed: string): Promise<string> {
  lorelei ??= import('@dicebear/collection').then((styles) => styles.lorelei);
  return createAvatar(await lorelei, {
    seed,
    backgroundColor: ['b6e3f4', 'c0aede', 'd1d4f9', 'ffd5dc', 'ffdfbf'],
  }).toString();
}

export type AvatarImageService = ReturnType<typeof createAvatarImageService>;
