import { createAsyncLock } from './async-lock.js';

/**
 * The models the engine keeps in memory: loaded on first use, kept for the next request, and
 * the least recently used one unloaded when a new one needs its place (one at a time by
 * default, since a laptop rarely holds two 4 GB models). One lock covers loading and
 * generating: concurrent requests for a cold model load it once, and no model is unloaded
 * under a running generation. CPU inference is compute-bound, so running requests one after
 * the other costs no throughput.
 *
 * @example
 * const models = createLoadedModels({ maxLoaded: 1, load: openModel, unload: (m) => m.dispose() });
 * const text = await models.use('tiny.gguf', signal, (model) => generate(model));
 */
export function createLoadedModels<M>(deps: {
  maxLoaded: number;
  load: (name: string) => Promise<M>;
  unload: (model: M) => Promise<void>;
}) {
  const lock = createAsyncLock();
  // A Map iterates in insertion order; re-inserting on use keeps the least recent first.
  const loaded = new Map<string, M>();

  return {
    async use<T>(name: string, signal: AbortSignal | undefined, work: (model: M) => Promise<T>): Promise<T> {
      const release = await lock.acquire(signal);
      try {
        let model = loaded.get(name);
        if (model !== undefined) {
          loaded.delete(name);
        } else {
          for (const [oldName, old] of loaded) {
            if (loaded.size < Math.max(1, deps.maxLoaded)) break;
            loaded.delete(oldName);
            await deps.unload(old);
          }
          signal?.throwIfAborted();
          model = await deps.load(name);
        }
        loaded.set(name, model);
        signal?.throwIfAborted();
        return await work(model);
      } finally {
        release();
      }
    },

    /** Names of the models in memory, least recently used first. */
    names(): string[] {
      return [...loaded.keys()];
    },

    /** Waits for the running request, then unloads everything. */
    async close(): Promise<void> {
      const release = await lock.acquire();
      try {
        for (const [name, model] of loaded) {
          loaded.delete(name);
          await deps.unload(model);
        }
      } finally {
        release();
      }
    },
  };
}

export type LoadedModels<M> = ReturnType<typeof createLoadedModels<M>>;
