import { type EventSourceMessage, EventSourceParserStream } from 'eventsource-parser/stream';
import type { components } from './schema.js';

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

/**
 * One part of a reply stream: the server's `StreamPart` (realtime/stream-parts.ts), generated from
 * the OpenAPI document. Over SSE the `type` travels as the event name and the rest as `data`.
 */
export type StreamPart = components['schemas']['StreamPart'];
export type StreamPartType = StreamPart['type'];
/** The part of one type, e.g. `StreamPartOf<'finish'>`. */
export type StreamPartOf<T extends StreamPartType> = Extract<StreamPart, { type: T }>;
/** Tokens and cost of one reply (the `usage` part without its `type`). */
export type Usage = components['schemas']['Usage'];
/** Who speaks a message: an avatar or a person. */
export type Speaker = components['schemas']['Speaker'];
/**
 * One event of a model test (`POST /api/models/test`, Settings → Models → "Try it"): the
 * server's `ModelTestEvent` (realtime/model-test-events.ts), generated from the OpenAPI document.
 * Its `model`, `text-delta`, `error`, `usage` and `finish` are the `StreamPart`s of the same type;
 * `attempt`, `failed` and `skipped` tell the fallback chain's progress, `usage-source` whether
 * the token counts are the provider's.
 */
export type ModelTestEvent = components['schemas']['ModelTestEvent'];
/** The model test event of one type, e.g. `ModelTestEventOf<'failed'>`. */
export type ModelTestEventOf<T extends ModelTestEvent['type']> = Extract<ModelTestEvent, { type: T }>;
/** A frame the conversation WebSocket accepts. */
export type SocketClientFrame = components['schemas']['SocketClientFrame'];
/** A frame the conversation WebSocket sends: a reply's part with `id` and `replyId`, or a socket-level answer. */
export type SocketServerFrame = components['schemas']['SocketServerFrame'];

export type StreamPartWithId = StreamPart & { id: string | undefined };

/**
 * Turns an SSE body into typed stream parts; an event whose data is not JSON becomes an
 * `error` part with code `stream_protocol_error` instead of throwing mid-iteration. The parts
 * are typed, not validated: a newer server may send a type this SDK does not know, which a
 * reader should ignore.
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

/**
 * One event of a conversation's event stream (`GET /api/conversations/{id}/events`): a part of
 * one of its replies, tagged with the reply (`messageId`) and the part's number in that reply's
 * stream (`seq`; 0 for a title a background job set after the reply ended). Generated from the
 * OpenAPI document (the server's realtime/conversation-events.ts).
 */
export type ConversationEvent = components['schemas']['ConversationEvent'];

/**
 * Turns a conversation events body into typed events (`event:` is the part's type, `data:`
 * `{messageId, seq, part}`). An event that is not such an object is skipped: without its reply it
 * cannot be applied. Typed, not validated: a part type this SDK does not know still arrives.
 * @example
 * const { response } = await client.GET('/api/conversations/{id}/events', { params: { path: { id } }, parseAs: 'stream', signal });
 * for await (const { messageId, part } of readConversationEvents(response.body!, signal)) …
 */
export async function* readConversationEvents(
  body: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<ConversationEvent> {
  for await (const event of readServerSentEvents(body, signal)) {
    let data: { messageId?: unknown; seq?: unknown; part?: unknown };
    try {
      data = JSON.parse(event.data);
    } catch {
      continue;
    }
    const part = data?.part;
    if (typeof data.messageId !== 'string' || typeof part !== 'object' || part === null) continue;
    yield {
      messageId: data.messageId,
      seq: typeof data.seq === 'number' ? data.seq : 0,
      part: { type: event.event, ...part } as StreamPart,
    };
  }
}
