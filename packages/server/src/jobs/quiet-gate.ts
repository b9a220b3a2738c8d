/**
 * Lets background model work yield to the replies people are waiting for. Memory extraction
 * (one model call per exchange) started while the next turn was being answered cost that turn's
 * first content about 20 ms on PGlite (docs/performance.md, "Memory recall: issue 13, second
 * pass"): the gate holds such a job until no reply of this process has been written for
 * `quietMs`, and never longer than `maxWaitMs`, so the work is late by seconds, not skipped.
 * @example
 * const gate = createQuietGate({ busy: () => replies.inFlight(), quietMs: 500, maxWaitMs: 5_000 });
 * await gate.waitForQuiet(signal); // then call the model
 */
export interface QuietGateOptions {
  /** How many replies this process is writing now. */
  busy: () => number;
  /** How long nothing may have been written before the work starts. */
  quietMs: number;
  /** The longest the work waits, busy or not. */
  maxWaitMs: number;
  /** How often `busy` is asked. */
  pollMs?: number;
  now?: () => number;
}

export function createQuietGate(options: QuietGateOptions) {
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? 100;
  return {
    /**
     * Resolves once `busy()` has been 0 for `quietMs` (asked every `pollMs`), or `maxWaitMs`
     * after the call, or at once when `signal` aborts (the caller's own signal check follows).
     * Resolves to how long it waited, in ms.
     */
    waitForQuiet(signal?: AbortSignal): Promise<number> {
      const started = now();
      return new Promise((resolve) => {
        let quietSince: number | null = null;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve(now() - started);
        };
        const check = () => {
          const at = now();
          if (options.busy() > 0) quietSince = null;
          else quietSince ??= at;
          if (
            (quietSince !== null && at - quietSince >= options.quietMs) ||
            at - started >= options.maxWaitMs
          ) {
            done();
            return;
          }
          timer = setTimeout(check, pollMs);
        };
        if (signal?.aborted) return done();
        signal?.addEventListener('abort', done, { once: true });
        check();
      });
    },
  };
}

export type QuietGate = ReturnType<typeof createQuietGate>;
