/**
 * Turns callback-driven output (node-llama-cpp reports text through `onTextChunk`) into an
 * async iterable that a `for await` loop can consume at its own pace. Unbounded on purpose:
 * a reply is at most one context window of small parts.
 *
 * @example
 * const queue = createPartQueue<string>();
 * queue.push('a');
 * queue.close();
 * for await (const part of queue) console.log(part); // 'a'
 */
export function createPartQueue<T>() {
  const items: T[] = [];
  let closed = false;
  let wake: (() => void) | null = null;

  return {
    push(item: T): void {
      if (closed) return;
      items.push(item);
      wake?.();
    },
    /** Ends the iteration once the queued items are consumed; later pushes are dropped. */
    close(): void {
      closed = true;
      wake?.();
    },
    async *[Symbol.asyncIterator](): AsyncGenerator<T> {
      for (;;) {
        const item = items.shift();
        if (item !== undefined) {
          yield item;
          continue;
        }
        if (closed) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
    },
  };
}
