import { readStreamParts } from '@lumina/sdk';

/** Any server-sent event as the SDK reads it: `{type: <event name>, ...data}`. */
export interface StreamEvent {
  type: string;
  [key: string]: unknown;
}

/**
 * Reads a `text/event-stream` response body as tagged events. `T` names the events the route
 * documents; anything else still arrives (typed loosely) and callers ignore what they don't know.
 * @example for await (const event of readEvents<PullEvent>(response.body!, signal)) …
 */
export async function* readEvents<T extends { type: string }>(
  body: ReadableStream<Uint8Array> | null,
  signal?: AbortSignal,
): AsyncGenerator<T> {
  if (!body) throw new Error('The server answered without a stream');
  for await (const part of readStreamParts(body, signal)) {
    const { id: _id, ...event } = part as StreamEvent & { id?: string };
    yield event as unknown as T;
  }
}

/** True for the error a fetch or a stream read throws when its AbortController fired. */
export function isAbort(error: unknown): boolean {
  return error instanceof DOMException
    ? error.name === 'AbortError'
    : (error as { name?: string } | null)?.name === 'AbortError';
}
