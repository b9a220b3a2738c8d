import { describe, expect, it } from 'vitest';
import { readServerSentEvents, readStreamParts } from './sse.js';

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
