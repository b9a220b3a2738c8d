/**
 * A first-in-first-out mutex whose waiters can give up through an AbortSignal. The embedded
 * engine holds it while it loads a model and while it generates, so two requests never load
 * the same model twice and a model is never unloaded under a running generation.
 *
 * @example
 * const lock = createAsyncLock();
 * const release = await lock.acquire(signal);
 * try { await work(); } finally { release(); }
 */
export function createAsyncLock() {
  let tail: Promise<void> = Promise.resolve();

  return {
    /** Resolves with a release function once every earlier holder has released. */
    acquire(signal?: AbortSignal): Promise<() => void> {
      let release!: () => void;
      const done = new Promise<void>((resolve) => {
        release = resolve;
      });
      const previous = tail;
      tail = previous.then(() => done);

      return new Promise((resolve, reject) => {
        const onAbort = () => {
          reject(signal?.reason ?? new Error('aborted'));
          // The queue position is kept and handed on at once, so later waiters keep their order.
          release();
        };
        if (signal?.aborted) {
          onAbort();
          return;
        }
        signal?.addEventListener('abort', onAbort, { once: true });
        void previous.then(() => {
          if (signal?.aborted) return;
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        });
      });
    },
  };
}

export type AsyncLock = ReturnType<typeof createAsyncLock>;
