import type { SsePart } from './sse.js';

/**
 * Turns a callback-reporting task (`onProgress`) into an async stream of SSE parts: progress
 * parts while it runs, then `done` with its result or `error` with its code.
 * @example yield* progressStream((onProgress) => downloadModel({ …, onProgress }), (r) => ({ file: r.file }))
 */
export async function* progressStream<T, P extends object>(
  run: (onProgress: (progress: P) => void) => Promise<T>,
  present: (result: T) => Record<string, unknown>,
  minIntervalMs = 250,
): AsyncGenerator<SsePart> {
  const queue: SsePart[] = [];
  let wake: (() => void) | undefined;
  let last = 0;
  const push = (part: SsePart) => {
    queue.push(part);
    wake?.();
  };
  let finished = false;
  void run((progress) => {
    const now = Date.now();
    if (now - last < minIntervalMs) return; // a progress bar needs a few updates a second, not thousands
    last = now;
    push({ type: 'progress', ...progress });
  })
    .then((result) => push({ type: 'done', ...present(result) }))
    .catch((err: { code?: string; message?: string }) =>
      push({ type: 'error', code: err.code ?? 'internal_error', message: err.message ?? 'The task failed' }),
    )
    .finally(() => {
      finished = true;
      wake?.();
    });
  for (;;) {
    const part = queue.shift();
    if (part) {
      yield part;
      continue;
    }
    if (finished) return;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = undefined;
  }
}
