import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileRepository } from '../repositories/file.repository.js';
import { createUserRepository } from '../repositories/user.repository.js';
import { hostilePng } from '../test-support/hostile-inputs.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { createAvatarImageService, MAX_IMAGE_BYTES } from './avatar-image.service.js';
import {
  boundedSharp,
  checkPictureHeader,
  PICTURE_LIMITS,
  readPictureHeader,
  withDecodeSlot,
} from './picture-limits.js';

/*
 * Picture bombs: tiny files whose header promises a huge picture. Every refusal below must come
 * from the header, before decoding; the "few pixels" files prove it, since their pixel data is
 * cut short and decoding them would fail with image_corrupt instead of the size code.
 */
describeStorage('avatar pictures against hostile files on %s', (mode) => {
  let storage: TestStorage;
  let ownerId: string;
  let images: ReturnType<typeof createAvatarImageService>;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    ownerId = (
      await createUserRepository(storage.db).create({
        email: 'pic@example.org',
        passwordHash: 'x',
        name: 'Pic',
      })
    ).id;
    images = createAvatarImageService({ files: createFileRepository(storage.db) });
  });
  afterAll(async () => {
    await storage?.close();
  });

  it('refuses the 1,000,000×40 PNG (40 KB, 40 megapixels) by its side, before decoding', async () => {
    // A real, complete picture: every row is there, zeros deflated ~1000:1. Cropping it to a
    // square used to scale it to 12,800,000×512 first, 13 GB of pixels.
    const bomb = hostilePng(1_000_000, 40, { pixels: 'zeros' });
    expect(bomb.length).toBeLessThan(100_000);
    await expect(images.upload(ownerId, bomb)).rejects.toMatchObject({
      status: 413,
      code: 'image_dimensions_too_large',
      details: { width: 1_000_000, height: 40, maxSide: PICTURE_LIMITS.maxSide },
    });
  });

  it('refuses a 20,000×20,000 pixel bomb and an 8,000×8,000 one (64 MP) from the header', async () => {
    await expect(images.upload(ownerId, hostilePng(20_000, 20_000))).rejects.toMatchObject({
      status: 413,
      code: 'image_dimensions_too_large',
    });
    // Both sides within 8,192, but 64 megapixels: the pixel count is its own limit.
    await expect(images.upload(ownerId, hostilePng(8_000, 8_000))).rejects.toMatchObject({
      status: 413,
      code: 'image_dimensions_too_large',
      details: { maxPixels: PICTURE_LIMITS.maxPixels },
    });
  });

  it('refuses strips past 20:1 even when they are small', async () => {
    await expect(images.upload(ownerId, hostilePng(4_100, 200))).rejects.toMatchObject({
      status: 422,
      code: 'image_aspect_ratio_unsupported',
      details: { maxAspectRatio: PICTURE_LIMITS.maxAspectRatio },
    });
  });

  it('answers a truncated PNG whose header is fine with image_corrupt, and garbage with image_unsupported', async () => {
    const good = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#345' } })
      .png()
      .toBuffer();
    await expect(images.upload(ownerId, good.subarray(0, good.length - 40))).rejects.toMatchObject({
      status: 422,
      code: 'image_corrupt',
    });
    await expect(images.upload(ownerId, hostilePng(400, 400))).rejects.toMatchObject({
      code: 'image_corrupt',
    });
    await expect(images.upload(ownerId, good.subarray(0, 20))).rejects.toMatchObject({
      status: 415,
      code: 'image_unsupported',
    });
  });

  it('states the byte limit that applied in the 413', async () => {
    const big = Buffer.alloc(MAX_IMAGE_BYTES + 1);
    await expect(images.upload(ownerId, big)).rejects.toMatchObject({
      status: 413,
      code: 'image_too_large',
      message: 'Images may be at most 5 MB',
      details: { limitBytes: MAX_IMAGE_BYTES, sizeBytes: MAX_IMAGE_BYTES + 1 },
    });
    await expect(images.upload(ownerId, big, { maxBytes: 1.5 * 1024 * 1024 })).rejects.toMatchObject({
      message: 'Images may be at most 1.5 MB',
    });
  });

  it('still crops pictures within the limits, a 20:1 strip and a tall phone photo included', async () => {
    for (const [width, height] of [
      [2_000, 100],
      [3_000, 4_000],
    ] as const) {
      const picture = await sharp({ create: { width, height, channels: 3, background: '#a52' } })
        .png()
        .toBuffer();
      expect(await images.upload(ownerId, picture)).toMatchObject({ width: 512, height: 512 });
    }
  });
});

describe('picture header limits', () => {
  it('reads only the header: a 20,000×20,000 file with no pixel data still gives its size', async () => {
    expect(await readPictureHeader(hostilePng(20_000, 20_000))).toMatchObject({
      format: 'png',
      width: 20_000,
      height: 20_000,
    });
  });

  it('refuses animated pictures claiming more frames than the limit', () => {
    expect(() => checkPictureHeader({ format: 'webp', width: 64, height: 64, frames: 5_000 })).toThrow(
      expect.objectContaining({ status: 413, code: 'image_too_many_frames' }),
    );
    expect(() => checkPictureHeader({ format: 'webp', width: 64, height: 64, frames: 24 })).not.toThrow();
  });

  it('reads an animated WebP by its first frame only', async () => {
    const frames = await Promise.all(
      ['#0a0', '#a00', '#00a'].map((background) =>
        sharp({ create: { width: 32, height: 32, channels: 3, background } })
          .png()
          .toBuffer(),
      ),
    );
    const animated = await sharp(frames, { join: { animated: true } })
      .webp()
      .toBuffer();
    expect(await readPictureHeader(animated)).toMatchObject({ width: 32, height: 32, frames: 3 });
    const frame = await boundedSharp(animated).raw().toBuffer({ resolveWithObject: true });
    expect(frame.info).toMatchObject({ width: 32, height: 32 });
  });

  it('lets at most the configured number of decodes run at once', async () => {
    let inside = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const jobs = Array.from({ length: 5 }, () =>
      withDecodeSlot(async () => {
        inside++;
        most = Math.max(most, inside);
        await new Promise<void>((resolve) => releases.push(resolve));
        inside--;
      }),
    );
    for (let done = 0; done < 5; done++) {
      await expect.poll(() => releases.length).toBeGreaterThan(0);
      expect(inside).toBeLessThanOrEqual(PICTURE_LIMITS.concurrentDecodes);
      releases.shift()!();
      await Promise.resolve();
    }
    await Promise.all(jobs);
    expect(most).toBe(PICTURE_LIMITS.concurrentDecodes);
  });
});
