/**
 * In-process notices of writes that a cache of this process must hear of (recall's corpus
 * presence, memory/corpus-presence.ts): a repository notes a write on its database handle, and
 * whoever keeps a cache for that handle listens. Other server instances do not hear them, so such
 * caches keep an answer for seconds only.
 * @example
 * noteWrite(db, 'memories', ownerId); // after the insert
 * const stop = onWrite(db, (table, ownerId) => cache.forget(ownerId));
 */
export type NoticedTable = 'memories' | 'knowledge_chunks';
type Listener = (table: NoticedTable, ownerId: string) => void;

const listeners = new WeakMap<object, Set<Listener>>();

/** Tells the listeners of `db` that `table` gained rows of `ownerId`. */
export function noteWrite(db: object, table: NoticedTable, ownerId: string): void {
  for (const listener of listeners.get(db) ?? []) listener(table, ownerId);
}

/** Listens to the writes noted on `db`; answers a function that stops listening. */
export function onWrite(db: object, listener: Listener): () => void {
  let set = listeners.get(db);
  if (!set) {
    set = new Set();
    listeners.set(db, set);
  }
  set.add(listener);
  return () => set.delete(listener);
}
