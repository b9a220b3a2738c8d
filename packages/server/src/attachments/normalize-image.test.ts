import fs from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { normalizeImage } from './normalize-image.js';

const fixture = (name: string) => fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

const picture = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 40 } } });

async function errorOf(work: Promise<unknown>): Promise<AppError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

describe('attached picture normalization', () => {
  it('applies EXIF rotation, drops metadata and bounds the long side to 2048 px (JPEG stays JPEG)', async () => {
    // 3000×1000 stored sideways (orientation 6: shown rotated 90°), with EXIF and ICC data.
    const input = await picture(3000, 1000)
      .jpeg()
      .withMetadata({ orientation: 6, exif: { IFD0: { Copyright: 'someone', Artist: 'Ada' } } })
      .toBuffer();
    expect((await sharp(input).metadata()).exif).toBeDefined();
    const out = await normalizeImage(input, 'jpeg');
    expect(out).toMatchObject({ mediaType: 'image/jpeg', width: 683, height: 2048 });
    const meta = await sharp(out.bytes).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 683, height: 2048 });
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
  });

  it('keeps small pictures at their size, PNG as PNG and WebP as WebP', async () => {
    const png = await normalizeImage(await picture(40, 30).png().toBuffer(), 'png');
    expect(png).toMatchObject({ mediaType: 'image/png', width: 40, height: 30 });
    const webp = await normalizeImage(await picture(40, 30).webp().toBuffer(), 'webp');
    expect(webp).toMatchObject({ mediaType: 'image/webp', width: 40, height: 30 });
    expect((await sharp(webp.bytes).metadata()).format).toBe('webp');
  });

  it('turns an animated GIF into its first frame, as PNG', async () => {
    const frame = (r: number) => picture(20, 20).tint({ r, g: 0, b: 0 }).png().toBuffer();
    const animated = await sharp([await frame(250), await frame(10), await frame(120)], {
      join: { animated: true },
    })
      .gif({ loop: 0 })
      .toBuffer();
    expect(await sharp(animated).metadata()).toMatchObject({ format: 'gif', pages: 3 });
    const out = await normalizeImage(animated, 'gif');
    expect(out).toMatchObject({ mediaType: 'image/png', width: 20, height: 20 });
    const meta = await sharp(out.bytes).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 20, height: 20 });
    expect(meta.pages ?? 1).toBe(1);
  });

  it('refuses a pixel bomb from its header, before decoding (413 attachment_too_large)', async () => {
    const err = await errorOf(normalizeImage(fixture('pixel-bomb.png'), 'png'));
    expect(err).toMatchObject({ status: 413, code: 'attachment_too_large' });
    expect(err.details).toMatchObject({ width: 100_000, height: 100_000 });
  });

  it('refuses a damaged picture (422 attachment_unreadable)', async () => {
    const good = await picture(64, 64).png().toBuffer();
    const err = await errorOf(normalizeImage(good.subarray(0, 60), 'png'));
    expect(err).toMatchObject({ status: 422, code: 'attachment_unreadable' });
  });
});
