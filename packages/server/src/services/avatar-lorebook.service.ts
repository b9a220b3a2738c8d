import { parseLorebook, toWorldInfo } from '../cards/lorebook.js';
import {
  fromLorebookDocument,
  type LorebookDocument,
  toLorebookDocument,
} from '../cards/lorebook-document.js';
import type { Lorebook } from '../cards/lorebook-types.js';
import type { AvatarRow } from '../db/schema/index.js';
import { notFound } from '../errors.js';
import type { AvatarService } from './avatar.service.js';

/**
 * An avatar's World Info: attached from a SillyTavern file (or a card's `character_book`),
 * edited as a document, exported as a World Info file, detached. Reading works on any avatar
 * the user can see; changing it only on their own.
 */
export function createAvatarLorebookService(deps: { avatars: AvatarService }) {
  const { avatars } = deps;

  async function stored(
    userId: string,
    avatarId: string,
  ): Promise<{ avatar: AvatarRow; lorebook: Lorebook }> {
    const avatar = await avatars.get(userId, avatarId);
    if (!avatar.lorebook) throw notFound('lorebook');
    return { avatar, lorebook: avatar.lorebook as unknown as Lorebook };
  }

  // Updates are owner-scoped: someone else's avatar is not found, as for every write.
  async function save(userId: string, avatarId: string, lorebook: Lorebook | null): Promise<AvatarRow> {
    return avatars.update(userId, avatarId, {
      lorebook: lorebook as unknown as Record<string, unknown> | null,
    });
  }

  return {
    /** Replaces the lorebook with a World Info file or character book (any format `parseLorebook` reads). */
    async attach(userId: string, avatarId: string, file: unknown) {
      await avatars.getOwned(userId, avatarId); // a stranger's avatar is a 404 before the file is read
      const { lorebook, warnings } = parseLorebook(file);
      return { avatar: await save(userId, avatarId, lorebook), warnings };
    },

    async document(userId: string, avatarId: string): Promise<LorebookDocument> {
      return toLorebookDocument((await stored(userId, avatarId)).lorebook);
    },

    /** Saves an edited document, creating the lorebook when the avatar has none. */
    async replace(userId: string, avatarId: string, document: LorebookDocument) {
      const { lorebook, warnings } = fromLorebookDocument(document);
      const avatar = await save(userId, avatarId, lorebook);
      return { avatar, lorebook: toLorebookDocument(lorebook), warnings };
    },

    detach: (userId: string, avatarId: string) => save(userId, avatarId, null),

    /** The lorebook as a SillyTavern World Info file, named after the avatar. */
    async worldInfoFile(userId: string, avatarId: string): Promise<{ fileName: string; body: string }> {
      const { avatar, lorebook } = await stored(userId, avatarId);
      return {
        fileName: `${avatar.name} lorebook.json`,
        body: JSON.stringify(toWorldInfo(lorebook), null, 2),
      };
    },
  };
}

export type AvatarLorebookService = ReturnType<typeof createAvatarLorebookService>;
