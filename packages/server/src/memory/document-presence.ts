/**
 * Whether an avatar has read any document, remembered per process for a few seconds, so recall
 * does not search an empty corpus on every reply: most avatars have no knowledge files, and each
 * list of the recall statement costs about 0.7 ms of PGlite CPU even when its corpus is empty
 * (docs/performance.md, "Chat with memory on"). A document indexed by this process is known at
 * once (`indexed`); one indexed by another instance (PostgreSQL deployments) is searched at most
 * {@link DOCUMENT_PRESENCE_TTL_MS} later. A stale "yes" after a deletion only costs the search.
 * @example
 * const presence = createDocumentPresence((ownerId, avatarId) => knowledge.hasChunks(ownerId, avatarId));
 * if (await presence.has(userId, avatarId)) … search the chunks …
 */

/** How long an answer is trusted. */
export const DOCUMENT_PRESENCE_TTL_MS = 5_000;
/** Avatars remembered at most (the oldest answers go first). */
const REMEMBERED = 10_000;

export interface DocumentPresence {
  /** True when the avatar of `ownerId` has at least one document chunk (as of a few seconds ago). */
  has(ownerId: string, avatarId: string): Promise<boolean>;
  /** A document of the avatar was indexed here: the next `has` says yes without asking. */
  indexed(ownerId: string, avatarId: string): void;
}

export function createDocumentPresence(
  hasChunks: (ownerId: string, avatarId: string) => Promise<boolean>,
  options: { ttlMs?: number; now?: () => number } = {},
): DocumentPresence {
  const ttlMs = options.ttlMs ?? DOCUMENT_PRESENCE_TTL_MS;
  const now = options.now ?? Date.now;
  const known = new Map<string, { has: boolean; at: number }>();
  const remember = (key: string, has: boolean) => {
    known.delete(key);
    known.set(key, { has, at: now() });
    if (known.size > REMEMBERED) known.delete(known.keys().next().value!);
  };
  return {
    async has(ownerId, avatarId) {
      const key = `${ownerId}/${avatarId}`;
      const seen = known.get(key);
      if (seen && now() - seen.at < ttlMs) return seen.has;
      const has = await hasChunks(ownerId, avatarId);
      remember(key, has);
      return has;
    },
    indexed(ownerId, avatarId) {
      remember(`${ownerId}/${avatarId}`, true);
    },
  };
}
