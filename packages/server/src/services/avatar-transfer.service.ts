import { avatarToCard, cardToAvatar } from '../cards/avatar-card-mapping.js';
import { avatarToXml, xmlToAvatar } from '../cards/avatar-xml-mapping.js';
import { readCardFile, writeCardFile } from '../cards/card-file.js';
import { cardContentHash, contentHash } from '../cards/card-identity.js';
import { DecompressionBudget } from '../cards/decompression-budget.js';
import { parseAvatarXml } from '../cards/xml/parse-avatar-xml.js';
import { writeAvatarXml } from '../cards/xml/write-avatar-xml.js';
import type { Database } from '../db/database.js';
import type { AvatarRow } from '../db/schema/index.js';
import type { ErrorCode } from '../domain/error-codes.js';
import { AppError } from '../errors.js';
import { createAvatarRepository } from '../repositories/avatar.repository.js';
import { createFileRepository } from '../repositories/file.repository.js';
import { stripUnstorableText } from '../unstorable-text.js';
import { type AvatarInput, createAvatarService } from './avatar.service.js';
import { createAvatarImageService } from './avatar-image.service.js';
import { boundedSharp, withDecodeSlot } from './picture-limits.js';

export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
export type ExportFormat = 'png' | 'json' | 'charx' | 'xml';

/**
 * What to do when the user already has an avatar imported from the same content: `ask` (the
 * default) imports nothing and reports `duplicateOf`; `replace` updates that avatar in place (its
 * id, conversations and memories stay); `keep-both` imports a second avatar.
 */
export const DUPLICATE_CHOICES = ['ask', 'replace', 'keep-both'] as const;
export type DuplicateChoice = (typeof DUPLICATE_CHOICES)[number];

/** The stable code of a file not imported because the user already has it (`onDuplicate=ask`). */
export const ALREADY_IMPORTED = 'already_imported' satisfies ErrorCode;

/** The avatar an earlier import of the same content made. */
export interface DuplicateOf {
  id: string;
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

export type ImportResult =
  | { fileName: string; ok: true; avatar: AvatarRow; warnings: string[]; replaced: boolean }
  | {
      fileName: string;
      ok: false;
      error: { code: string; message: string; details?: Record<string, unknown> };
      duplicateOf?: DuplicateOf;
    };

/** Settings only Lumina has; a card without `extensions.lumina` says nothing about them. */
const LUMINA_ONLY = [
  'backstory',
  'traits',
  'style',
  'voice',
  'memory',
  'defaultModel',
  'fallbackModels',
] as const;

/**
 * Import and export of avatars as Character Cards (PNG, JSON, CHARX) and Lumina XML. Each file
 * is decoded completely before anything is written, then stored in one transaction (avatar and
 * picture together), so a bad file never leaves half an avatar behind.
 */
export function createAvatarTransferService(deps: { db: Database }) {
  const avatars = createAvatarService({ db: deps.db });
  const avatarRows = createAvatarRepository(deps.db);
  const images = createAvatarImageService({ files: createFileRepository(deps.db) });

  async function decode(
    bytes: Buffer,
    fileName: string,
    budget: DecompressionBudget,
  ): Promise<{
    input: AvatarInput;
    image?: Buffer;
    warnings: string[];
    /** Identifies the content however it was packed (`cardExtras.importHash`). */
    hash: string;
    /** Whether the file sets Lumina's own settings (Lumina XML, a card with `extensions.lumina`). */
    hasLuminaSettings: boolean;
  }> {
    if (bytes.length > MAX_IMPORT_BYTES) {
      throw new AppError(413, 'card_too_large', `Files may be at most ${MAX_IMPORT_BYTES / 1024 / 1024} MB`);
    }
    const file = await readCardFile(bytes, fileName, { maxBytes: MAX_IMPORT_BYTES, budget });
    // Cards from the wild may carry U+0000 or broken surrogates, which PostgreSQL cannot store.
    if (file.format === 'xml') {
      const xml = parseAvatarXml(bytes);
      return {
        input: stripUnstorableText(xmlToAvatar(xml)),
        warnings: [],
        hash: contentHash('xml', xml),
        hasLuminaSettings: true,
      };
    }
    return {
      input: stripUnstorableText(cardToAvatar(file.card, file.sourceSpec)),
      ...(file.image ? { image: file.image } : {}),
      warnings: file.warnings,
      hash: cardContentHash(file.card),
      hasLuminaSettings: file.card.data.extensions?.lumina !== undefined,
    };
  }

  /** A new avatar from the decoded file, its picture included, in the caller's transaction. */
  async function createFrom(
    tx: Database,
    userId: string,
    input: AvatarInput,
    image: Buffer | undefined,
    warnings: string[],
  ): Promise<AvatarRow> {
    const txAvatars = createAvatarService({ db: tx });
    const created = await txAvatars.create(userId, input);
    const fileId = image ? await uploadPicture(tx, userId, image, warnings) : undefined;
    return fileId ? txAvatars.update(userId, created.id, { imageId: fileId }) : created;
  }

  /**
   * The existing avatar updated in place from the decoded file: same id, so its conversations and
   * memories stay. Settings the file does not carry (a plain card has no voice or model) and its
   * visibility are left as they are; a file without a picture keeps the current one.
   */
  async function replaceWith(
    tx: Database,
    userId: string,
    id: string,
    decoded: { input: AvatarInput; image?: Buffer; hasLuminaSettings: boolean },
    warnings: string[],
  ): Promise<AvatarRow> {
    const txAvatars = createAvatarService({ db: tx });
    const existing = await txAvatars.getOwned(userId, id);
    const changes: Partial<AvatarInput> = { ...decoded.input };
    if (!decoded.hasLuminaSettings) for (const field of LUMINA_ONLY) delete changes[field];
    delete changes.visibility;
    const fileId = decoded.image ? await uploadPicture(tx, userId, decoded.image, warnings) : undefined;
    const updated = await txAvatars.update(
      userId,
      existing.id,
      fileId ? { ...changes, imageId: fileId } : changes,
    );
    if (fileId && existing.imageId) {
      await createAvatarImageService({ files: createFileRepository(tx) }).removeFile(
        userId,
        existing.imageId,
      );
    }
    return updated;
  }

  /** The card's picture stored; undefined (and a warning) when it cannot be used. */
  async function uploadPicture(
    tx: Database,
    userId: string,
    image: Buffer,
    warnings: string[],
  ): Promise<string | undefined> {
    try {
      return (await createAvatarImageService({ files: createFileRepository(tx) }).upload(userId, image))
        .fileId;
    } catch (err) {
      // A card whose picture cannot be read still imports, with the generated face.
      if (err instanceof AppError && err.status < 500) {
        warnings.push(`The picture could not be used (${err.message}); a generated one is shown instead.`);
        return undefined;
      }
      throw err;
    }
  }

  /** `budget` is the request's: pass the same one for every file of a bulk import. */
  async function importOne(
    userId: string,
    fileName: string,
    bytes: Buffer,
    budget = new DecompressionBudget(),
    onDuplicate: DuplicateChoice = 'ask',
  ): Promise<ImportResult> {
    try {
      const decoded = await decode(bytes, fileName, budget);
      const { input, image, warnings, hash } = decoded;
      input.cardExtras = { ...input.cardExtras, importHash: hash };
      const duplicate =
        onDuplicate === 'keep-both' ? undefined : await avatarRows.findOwnedByImportHash(userId, hash);
      if (duplicate && onDuplicate === 'ask') {
        return {
          fileName,
          ok: false,
          error: {
            code: ALREADY_IMPORTED,
            message: `You already have “${duplicate.name}”, imported from the same file. Replace it, or keep both?`,
          },
          duplicateOf: duplicate,
        };
      }
      const avatar = await deps.db.transaction((tx) =>
        duplicate
          ? replaceWith(tx, userId, duplicate.id, decoded, warnings)
          : createFrom(tx, userId, input, image, warnings),
      );
      return { fileName, ok: true, avatar, warnings, replaced: duplicate !== undefined };
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
    async importMany(
      userId: string,
      files: { fileName: string; bytes: Buffer }[],
      onDuplicate: DuplicateChoice = 'ask',
    ): Promise<ImportResult[]> {
      const budget = new DecompressionBudget();
      const results: ImportResult[] = [];
      for (const file of files)
        results.push(await importOne(userId, file.fileName, file.bytes, budget, onDuplicate));
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
