import type { Database } from '../db/database.js';
import { onWrite } from '../db/write-notices.js';

/**
 * Whether a user has any memory and an avatar any document, remembered per process for a few
 * seconds, so recall does not search an empty corpus on every reply: a new user has no memories
 * yet and most avatars have no documents, and each list of the recall statement costs about
 * 0.7 ms of PGlite CPU even over an empty corpus (docs/performance.md, "Chat with memory on").
 * A memory or document stored by this process is known at once (db/write-notices.ts); one stored
 * by another instance (PostgreSQL deployments) is searched at most {@link CORPUS_PRESENCE_TTL_MS}
 * later. A stale "yes" after a deletion only costs the search.
 * @example
 * const presence = createCorpusPresence(db, { memories: (u) => memoryRows.hasAny(u), documents: (u, a) => knowledgeRows.hasChunks(u, a) });
 * if (await presence.memories(userId)) … search the memories …
 */

/** How long an answer is trusted. */
export const CORPUS_PRESENCE_TTL_MS = 5_000;
/** Users remembered at most (the oldest answers go first). */
const REMEMBERED = 10_000;

export interface CorpusPresence {
  /** True when `ownerId` has at least one memory (current or not), as of a few seconds ago. */
  memories(ownerId: string): Promise<boolean>;
  /** True when the avatar of `ownerId` has at least one document chunk, as of a few seconds ago. */
  documents(ownerId: string, avatarId: string): Promise<boolean>;
  /** Stops listening to this process's writes. */
  close(): void;
}

interface Known {
  memories?: { has: boolean; at: number } | undefined;
  documents: Map<string, { has: boolean; at: number }>;
  /** Writes noted for the owner: an answer asked before the last one is not kept. */
  writes: number;
}

export function createCorpusPresence(
  db: Database | object,
  ask: {
    memories(ownerId: string): Promise<boolean>;
    documents(ownerId: string, avatarId: string): Promise<boolean>;
  },
  options: { ttlMs?: number; now?: () => number } = {},
): CorpusPresence {
  const ttlMs = options.ttlMs ?? CORPUS_PRESENCE_TTL_MS;
  const now = options.now ?? Date.now;
  const known = new Map<string, Known>();
  const entry = (ownerId: string): Known => {
    let found = known.get(ownerId);
    if (found) {
      known.delete(ownerId);
    } else {
      found = { documents: new Map(), writes: 0 };
      if (known.size >= REMEMBERED) known.delete(known.keys().next().value!);
    }
    known.set(ownerId, found);
    return found;
  };
  const fresh = (seen: { has: boolean; at: number } | undefined) =>
    seen !== undefined && now() - seen.at < ttlMs;
  // A row stored here: the next question is asked again (and answered yes).
  const stop = onWrite(db, (table, ownerId) => {
    const found = entry(ownerId);
    found.writes += 1;
    if (table === 'memories') found.memories = undefined;
    else found.documents.clear();
  });
  /** Asks, and keeps the answer unless a write was noted meanwhile. */
  async function asked(
    ownerId: string,
    question: () => Promise<boolean>,
    keep: (found: Known, has: boolean) => void,
  ) {
    const writes = known.get(ownerId)?.writes ?? 0;
    const has = await question();
    const found = entry(ownerId);
    if (found.writes === writes) keep(found, has);
    return has;
  }
  return {
    async memories(ownerId) {
      const seen = known.get(ownerId)?.memories;
      if (fresh(seen)) return seen!.has;
      return asked(
        ownerId,
        () => ask.memories(ownerId),
        (found, has) => {
          found.memories = { has, at: now() };
        },
      );
    },
    async documents(ownerId, avatarId) {
      const seen = known.get(ownerId)?.documents.get(avatarId);
      if (fresh(seen)) return seen!.has;
      return asked(
        ownerId,
        () => ask.documents(ownerId, avatarId),
        (found, has) => {
          found.documents.set(avatarId, { has, at: now() });
        },
      );
    },
    close: stop,
  };
}
