export interface SseEvent {
  id: number;
  event: string;
  data: Record<string, unknown>;
}

/** Parses a complete `text/event-stream` body into its events. */
export function parseSse(body: string): SseEvent[] {
  return body
    .split('\n\n')
    .filter((block) => block.includes('event:'))
    .map((block) => {
      const field = (name: string) =>
        block
          .split('\n')
          .find((line) => line.startsWith(`${name}: `))
          ?.slice(name.length + 2) ?? '';
      return { id: Number(field('id')), event: field('event'), data: JSON.parse(field('data')) };
    });
}

/**
 * An SSE response read as it arrives.
 * @example const sse = sseReader(response); await sse.until((t) => t.includes('Hello')); const all = await sse.rest();
 */
export function sseReader(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  return {
    /** Reads until `seen` holds for what arrived so far. */
    async until(seen: (text: string) => boolean) {
      while (!seen(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended early:\n${text}`);
        text += decoder.decode(value, { stream: true });
      }
    },
    /** Reads to the end of the stream (the test fails by timeout if it never ends). */
    async rest(): Promise<SseEvent[]> {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        text += decoder.decode(chunk.value, { stream: true });
      }
      return parseSse(text);
    },
  };
}

/** Polls `check` until it answers true; fails after `ms`. */
export async function waitUntil(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}
