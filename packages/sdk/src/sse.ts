import { type EventSourceMessage, EventSourceParserStream } from 'eventsource-parser/stream';

/** One Server-Sent Event as sent by Lumina: `event:` is the part type, `data:` its JSON. */
export interface ServerSentEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * Reads a `text/event-stream` body event by event, across any chunk boundaries.
 * @example for await (const e of readServerSentEvents(response.body!)) console.log(e.event, e.data);
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<ServerSentEvent> {
  const reader = body
    .pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>)
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  const onAbort = () => reader.cancel().catch(() => {});
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield toEvent(value);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    reader.releaseLock();
  }
}

function toEvent(message: EventSourceMessage): ServerSentEvent {
  return { id: message.id, event: message.event ?? 'message', data: message.data };
}

/** The stream parts of a reply (API.md), as a tagged union. */
export type StreamPart =
  | { type: 'message-start'; messageId: string; parentId: string | null; role: string; model: string }
  | { type: 'text-delta'; delta: string }
  | { type: 'tool-call'; toolCallId: string; toolName: string; input: unknown }
  | { type: 'tool-result'; toolCallId: string; output: unknown }
  | { type: 'usage'; inputTokens: number; outputTokens: number; costUsd: number | null }
  | { type: 'finish'; status: 'complete' | 'cancelled' | 'error'; finishReason: string }
  | { type: 'error'; code: string; message: string };

export type StreamPartWithId = StreamPart & { id: string | undefined };

/**
 * Turns an SSE body into typed stream parts; an event whose data is not JSON becomes an
 * `error` part with code `stream_protocol_error` instead of throwing mid-iteration.
 */
export async function* readStreamParts(
  body: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<StreamPartWithId> {
  for await (const event of readServerSentEvents(body, signal)) {
    try {
      const data = JSON.parse(event.data) as Record<string, unknown>;
      yield { ...data, type: event.event, id: event.id } as StreamPartWithId;
    } catch {
      yield {
        type: 'error',
        code: 'stream_protocol_error',
        message: `The server sent an unreadable "${event.event}" event`,
        id: event.id,
      };
    }
  }
}
