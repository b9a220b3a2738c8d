import type { AvatarRow } from '../db/schema/index.js';
import { AppError } from '../errors.js';
import type { FetchFunction } from '../net/outbound-client.js';
import { outboundErrors } from '../net/outbound-errors.js';
import type { AvatarService } from './avatar.service.js';
import { type AvatarImageService, MAX_IMAGE_BYTES } from './avatar-image.service.js';

/**
 * Sets an avatar's picture from a URL: the server fetches it through the guarded outbound client
 * (public addresses and the allow-list only, capped at the upload limit, one timeout for the whole
 * transfer) and stores it through the upload pipeline (checked by content, cropped, re-encoded).
 * Errors say what failed in our words; the remote server's answer is never shown.
 */
export function createAvatarPictureImportService(deps: {
  avatars: Pick<AvatarService, 'getOwned' | 'update'>;
  images: Pick<AvatarImageService, 'upload' | 'removeFile'>;
  /** `outbound.fetch('untrusted', { maxResponseBytes: MAX_IMAGE_BYTES, … })` in the app. */
  fetch: FetchFunction;
}) {
  async function download(url: string, signal?: AbortSignal): Promise<Buffer> {
    try {
      const response = await deps.fetch(url, {
        headers: { accept: 'image/png, image/jpeg, image/webp' },
        ...(signal ? { signal } : {}),
      });
      if (!response.ok) {
        await response.body?.cancel().catch(() => {});
        throw outboundErrors.status(response.status);
      }
      return Buffer.from(await response.arrayBuffer());
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (signal?.aborted) throw new AppError(499, 'cancelled', 'The picture import was cancelled');
      // One answer for refused, reset and unknown hosts: the details name addresses and ports.
      throw outboundErrors.unreachable();
    }
  }

  return {
    /**
     * @example await pictures.importFromUrl(userId, avatarId, 'https://example.org/fox.png')
     */
    async importFromUrl(
      userId: string,
      avatarId: string,
      url: string,
      signal?: AbortSignal,
    ): Promise<AvatarRow> {
      await deps.avatars.getOwned(userId, avatarId); // nothing is fetched for someone else's avatar
      const bytes = await download(url, signal);
      const { fileId } = await deps.images.upload(userId, bytes, { maxBytes: MAX_IMAGE_BYTES });
      // Read again: an upload may have landed meanwhile; that is the picture this one replaces.
      const current = await deps.avatars.getOwned(userId, avatarId);
      const updated = await deps.avatars.update(userId, avatarId, { imageId: fileId });
      if (current.imageId) await deps.images.removeFile(userId, current.imageId);
      return updated;
    },
  };
}

export type AvatarPictureImportService = ReturnType<typeof createAvatarPictureImportService>;
