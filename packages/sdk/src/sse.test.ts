import { describe, expect, it } from 'vitest';
import { conversationEventSchema } from '../../server/src/realtime/conversation-events.js';
import { streamPartSchema } from '../../server/src/realtime/stream-parts.js';
import {
  type ConversationEvent,
  readConversationEvents,
  readServerSentEvents,
  readStreamParts,
  type StreamPart,
  type StreamPartOf,
} from './sse.js';

/** A body that arrives in the given chunks, as a network would deliver it. */
function body(chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks)
        controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('readServerSentEvents', () => {
  it('reassembles events split across chunks, including inside a multi-byte character', async () => {
    const bytes = new TextEncoder().encode('id: 2\nevent: text-delta\ndata: {"delta":"héllo 🌟"}\n\n');
    const split = bytes.indexOf(0xf0) + 2; // cut the emoji in half
    const events = await collect(
      readServerSentEvents(
        body([
          ': keep-alive comment\n\nid: 1\nev',
          'ent: message-start\ndata: {"messageId":"m1"}\r\n\r\n',
          bytes.slice(0, split),
          bytes.slice(split),
        ]),
      ),
    );
    expect(events).toEqual([
      { id: '1', event: 'message-start', data: '{"messageId":"m1"}' },
      { id: '2', event: 'text-delta', data: '{"delta":"héllo 🌟"}' },
    ]);
  });

  it('joins multi-line data and defaults the event name to "message"', async () => {
    const events = await collect(readServerSentEvents(body(['data: line one\ndata: line two\n\n'])));
    expect(events).toEqual([{ id: undefined, event: 'message', data: 'line one\nline two' }]);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('event: a\ndata: {}\n\n'));
      },
    });
    const seen: string[] = [];
    for await (const event of readServerSentEvents(stream, controller.signal)) {
      seen.push(event.event);
      controller.abort();
    }
    expect(seen).toEqual(['a']);
  });
});

describe('readStreamParts', () => {
  it('types parts by event name and turns unreadable data into an error part', async () => {
    const parts = await collect(
      readStreamParts(
        body([
          'id: 1\nevent: text-delta\ndata: {"delta":"Hi"}\n\n',
          'id: 2\nevent: finish\ndata: {not json\n\n',
        ]),
      ),
    );
    expect(parts).toEqual([
      { type: 'text-delta', delta: 'Hi', id: '1' },
      {
        type: 'error',
        code: 'stream_protocol_error',
        message: 'The server sent an unreadable "finish" event',
        id: '2',
      },
    ]);
  });
});

/**
 * A reply stream as the server wrote it (POST /api/conversations/:id/messages: the stored user
 * message, then the reply through a fallback model, its usage, finish and the automatic title),
 * with a keep-alive comment and a chunk boundary inside an event.
 */
const RECORDED = [
  ': keep-alive\n\n',
  'id: 1\nevent: message-start\ndata: {"messageId":"01a24c95-b62b-700a-bb6d-754789cd37a0","parentId":"01a24c95-b62b-700a-bb6d-754789cd3790","turnId":"01a24c95-b62b-700a-bb6d-754789cd37a0","role":"user","participant":{"kind":"user","id":"01a24c95-b62b-700a-bb6d-754789cd3780"},"model":null,"content":"Hi","createdAt":"2026-01-03T10:00:00.000Z"}\n\n',
  'id: 2\nevent: message-start\ndata: {"messageId":"01a24c95-b62b-700a-bb6d-754789cd37ac","parentId":"01a24c95-b62b-700a-bb6d-754789cd37a0","turnId":"01a24c95-b62b-700a-bb6d-754789cd37a0","role":"assistant","participant":{"kind":"avatar","id":"01a24c95-b62b-700a-bb6d-754789cd3770"},"model":"ollama/llama3.2:latest","createdAt":"2026-01-03T10:00:00.010Z"}\n\n',
  'id: 3\nevent: model\ndata: {"modelId":"ollama/mistral:latest"}\n\nid: 4\nevent: reasoning-delta\ndata: {"delta":"A greeting."}\n\nid: 5\nevent: text-',
  'delta\ndata: {"delta":"Hello"}\n\nid: 6\nevent: text-delta\ndata: {"delta":" there"}\n\n',
  'id: 7\nevent: usage\ndata: {"inputTokens":12,"outputTokens":2,"costUsd":null}\n\n',
  'id: 8\nevent: finish\ndata: {"status":"complete","finishReason":"stop","timings":{"timeToFirstTokenMs":41,"durationMs":120}}\n\n',
  'id: 9\nevent: title\ndata: {"conversationId":"01a24c95-b62b-700a-bb6d-754789cd3760","title":"Saying hello"}\n\n',
];

describe('readStreamParts on a recorded reply', () => {
  it('gives parts that are exactly the server contract, typed as the generated StreamPart', async () => {
    const parts: StreamPart[] = [];
    const ids: (string | undefined)[] = [];
    for await (const { id, ...part } of readStreamParts(body(RECORDED))) {
      ids.push(id);
      parts.push(part);
    }
    expect(ids).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
    // The server's own schema, so a drift between the generated type and the server shows here.
    for (const part of parts) expect(streamPartSchema.parse(part)).toEqual(part);
    const text = parts.flatMap((p) => (p.type === 'text-delta' ? [p.delta] : [])).join('');
    expect(text).toBe('Hello there');
    const finish = parts.find((p): p is StreamPartOf<'finish'> => p.type === 'finish');
    expect(finish?.status).toBe('complete');
    expect(parts.map((p) => p.type)).toEqual([
      'message-start',
      'message-start',
      'model',
      'reasoning-delta',
      'text-delta',
      'text-delta',
      'usage',
      'finish',
      'title',
    ]);
  });
});

describe('readConversationEvents', () => {
  const REPLY = '01a24c95-b62b-700a-bb6d-754789cd37ac';
  const CONVERSATION = '01a24c95-b62b-700a-bb6d-754789cd3760';
  const event = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

  it('gives each event as the server contract types it, and skips what names no reply', async () => {
    const delta = { messageId: REPLY, seq: 3, part: { type: 'text-delta', delta: 'Hi' } };
    const title = {
      messageId: REPLY,
      seq: 0,
      part: { type: 'title', conversationId: CONVERSATION, title: 'Saying hello' },
    };
    const events: ConversationEvent[] = await collect(
      readConversationEvents(
        body([
          ': keep-alive\n\n',
          event('text-delta', delta),
          'event: finish\ndata: {not json\n\n',
          event('finish', { seq: 4, part: { type: 'finish' } }),
          event('title', title),
        ]),
      ),
    );
    expect(events).toEqual([delta, title]);
    for (const e of events) expect(conversationEventSchema.parse(e)).toEqual(e);
  });
});
