import { avatarToCard, cardToAvatar } from '../cards/avatar-card-mapping.js';
import { avatarToXml, xmlToAvatar } from '../cards/avatar-xml-mapping.js';
import { readCardFile, writeCardFile } from '../cards/card-file.js';
import { DecompressionBudget } from '../cards/decompression-budget.js';
import { parseAvatarXml } from '../cards/xml/parse-avatar-xml.js';
import { writeAvatarXml } from '../cards/xml/write-avatar-xml.js';
import type { Database } from '../db/database.js';
import type { AvatarRow } from '../db/schema/index.js';
import { AppError } from '../errors.js';
import { createFileRepository } from '../repositories/file.repository.js';
import { stripUnstorableText } from '../unstorable-text.js';
import { type AvatarInput, createAvatarService } from './avatar.service.js';
import { createAvatarImageService } from './avatar-image.service.js';
import { boundedSharp, withDecodeSlot } from './picture-limits.js';

export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
export type ExportFormat = 'png' | 'json' | 'charx' | 'xml';

export type ImportResult =
  | { fileName: string; ok: true; avatar: AvatarRow; warnings: string[] }
  | {
      fileName: string;
      ok: false;
      error: { code: string; message: string; details?: Record<string, unknown> };
    };

/**
 * Import and export of avatars as Character Cards (PNG, JSON, CHARX) and Lumina XML. Each file
 * is decoded completely before anything is written, then stored in one transaction (avatar and
 * picture together), so a bad file never leaves half an avatar behind.
 */
export function createAvatarTransferService(deps: { db: Database }) {
  const avatars = createAvatarService({ db: deps.db });
  const images = createAvatarImageService({ files: createFileRepository(deps.db) });

  async function decode(
    bytes: Buffer,
    fileName: string,
    budget: DecompressionBudget,
  ): Promise<{ input: AvatarInput; image?: Buffer; warnings: string[] }> {
    if (bytes.length > MAX_IMPORT_BYTES) {
      throw new AppError(413, 'card_too_large', `Files may be at most ${MAX_IMPORT_BYTES / 1024 / 1024} MB`);
    }
    const file = await readCardFile(bytes, fileName, { maxBytes: MAX_IMPORT_BYTES, budget });
    // Cards from the wild may carry U+0000 or broken surrogates, which PostgreSQL cannot store.
    if (file.format === 'xml')
      return { input: stripUnstorableText(xmlToAvatar(parseAvatarXml(bytes))), warnings: [] };
    return {
      input: stripUnstorableText(cardToAvatar(file.card, file.sourceSpec)),
      ...(file.image ? { image: file.image } : {}),
      warnings: file.warnings,
    };
  }

  /** `budget` is the request's: pass the same one for every file of a bulk import. */
  async function importOne(
    userId: string,
    fileName: string,
    bytes: Buffer,
    budget = new DecompressionBudget(),
  ): Promise<ImportResult> {
    try {
      const { input, image, warnings } = await decode(bytes, fileName, budget);
      const avatar = await deps.db.transaction(async (tx) => {
        const txAvatars = createAvatarService({ db: tx });
        const created = await txAvatars.create(userId, input);
        if (!image) return created;
        try {
          const { fileId } = await createAvatarImageService({ files: createFileRepository(tx) }).upload(
            userId,
            image,
          );
          return await txAvatars.update(userId, created.id, { imageId: fileId });
        } catch (err) {
          // A card whose picture cannot be read still imports, with the generated face.
          if (err instanceof AppError && err.status < 500) {
            warnings.push(
              `The picture could not be used (${err.message}); a generated one is shown instead.`,
            );
            return created;
          }
          throw err;
        }
      });
      return { fileName, ok: true, avatar, warnings };
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return {
        fileName,
        ok: false,
        error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) },
      };
    }
  }

  /** The avatar's picture as a PNG (cards embed into PNGs). */
  async function pictureAsPng(avatar: AvatarRow): Promise<Buffer> {
    const { body } = await images.image(avatar);
    // Stored pictures were made by us (512×512 WebP or the generated SVG), but they are
    // decoded under the same bounds as any other.
    return withDecodeSlot(() =>
      boundedSharp(typeof body === 'string' ? Buffer.from(body) : body)
        .resize(512, 512)
        .png()
        .toBuffer(),
    );
  }

  return {
    importOne,

    /** One request's files: they share one decompression budget, so 50 archives cannot each inflate their own. */
    async importMany(userId: string, files: { fileName: string; bytes: Buffer }[]): Promise<ImportResult[]> {
      const budget = new DecompressionBudget();
      const results: ImportResult[] = [];
      for (const file of files) results.push(await importOne(userId, file.fileName, file.bytes, budget));
      return results;
    },

    async export(
      userId: string,
      id: string,
      format: ExportFormat,
    ): Promise<{ body: Buffer; contentType: string; fileName: string }> {
      const avatar = await avatars.get(userId, id);
      const base =
        avatar.name
          .replace(/[^\p{L}\p{N} ._-]+/gu, '')
          .trim()
          .slice(0, 80) || 'avatar';
      if (format === 'xml') {
        return {
          body: Buffer.from(writeAvatarXml(avatarToXml(avatar))),
          contentType: 'application/xml',
          fileName: `${base}.xml`,
        };
      }
      const { card, sourceSpec } = avatarToCard(avatar);
      if (format === 'json') {
        const body = await writeCardFile(card, sourceSpec === 'v3' ? 'json-v3' : 'json-v2');
        return { body, contentType: 'application/json', fileName: `${base}.json` };
      }
      const png = await pictureAsPng(avatar);
      if (format === 'png') {
        return {
          body: await writeCardFile(card, 'png', { image: png }),
          contentType: 'image/png',
          fileName: `${base}.png`,
        };
      }
      const body = await writeCardFile(card, 'charx', {
        assets: [{ path: 'assets/icon/images/main.png', bytes: png }],
      });
      return { body, contentType: 'application/zip', fileName: `${base}.charx` };
    },
  };
}

export type AvatarTransferService = ReturnType<typeof createAvatarTransferService>;
