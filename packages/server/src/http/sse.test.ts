import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamPart } from '../realtime/stream-parts.js';
import { BUSY_DELTA_WINDOW_MS, DELTA_WINDOW_MS, sendNumberedEvents } from './sse.js';

interface Event {
  id: string | undefined;
  event: string | undefined;
  data: unknown;
}

/** Reads an SSE response event by event, calling `onEvent` as each arrives. */
async function readEvents(response: Response, onEvent: (event: Event) => void = () => {}) {
  const events: Event[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(bytes, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(block)?.[1];
      const event = { id: field('id'), event: field('event'), data: JSON.parse(field('data') ?? 'null') };
      events.push(event);
      onEvent(event);
    }
  }
  return events;
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A server whose one route streams what `produce` yields, numbered 1, 2, 3 …. */
async function serve(produce: () => AsyncIterable<StreamPart>) {
  app = Fastify();
  app.get('/stream', async (request, reply) => {
    await sendNumberedEvents(request, reply, async function* () {
      let seq = 0;
      for await (const part of produce()) yield { seq: ++seq, part };
    });
  });
  return `${await app.listen({ port: 0, host: '127.0.0.1' })}/stream`;
}

describe('reply streams as SSE: deltas merged within a window', () => {
  it('writes the first delta at once and the burst after it as one event carrying its last id', async () => {
    const url = await serve(async function* () {
      for (const delta of ['Hel', 'lo', ', ', 'world']) yield { type: 'text-delta', delta };
      yield { type: 'finish', status: 'complete', finishReason: 'stop', timings: null };
    });
    const events = await readEvents(await fetch(url));
    expect(events).toEqual([
      { id: '1', event: 'text-delta', data: { delta: 'Hel' } },
      { id: '4', event: 'text-delta', data: { delta: 'lo, world' } },
      { id: '5', event: 'finish', data: { status: 'complete', finishReason: 'stop', timings: null } },
    ]);
  });

  it('keeps the order of kinds: a reasoning burst, then text, each merged on its own', async () => {
    const url = await serve(async function* () {
      yield { type: 'reasoning-delta', delta: 'think' };
      yield { type: 'reasoning-delta', delta: 'ing' };
      yield { type: 'reasoning-delta', delta: '…' };
      yield { type: 'text-delta', delta: 'An' };
      yield { type: 'text-delta', delta: 'swer' };
      yield { type: 'error', code: 'provider_unavailable', message: 'gone' };
    });
    const events = await readEvents(await fetch(url));
    expect(events.map((e) => [e.id, e.event, e.data])).toEqual([
      ['1', 'reasoning-delta', { delta: 'think' }],
      ['3', 'reasoning-delta', { delta: 'ing…' }],
      ['5', 'text-delta', { delta: 'Answer' }],
      ['6', 'error', { code: 'provider_unavailable', message: 'gone' }],
    ]);
  });

  it('writes held deltas when the window ends, without waiting for the next part', async () => {
    let seen: (event: Event) => void = () => {};
    const heldOut = new Promise<Event>((resolve) => {
      seen = (event) => {
        if (event.id === '3') resolve(event);
      };
    });
    let sentAt = 0;
    const url = await serve(async function* () {
      yield { type: 'text-delta', delta: 'a' };
      yield { type: 'text-delta', delta: 'b' };
      sentAt = performance.now();
      yield { type: 'text-delta', delta: 'c' };
      // The stream stays open until the held deltas reached the client on their own.
      await heldOut;
      yield { type: 'finish', status: 'complete', finishReason: 'stop', timings: null };
    });
    const events = await readEvents(await fetch(url), (event) => seen(event));
    expect(performance.now() - sentAt).toBeLessThan(DELTA_WINDOW_MS * 20);
    expect(events.map((e) => [e.id, e.data])).toEqual([
      ['1', { delta: 'a' }],
      ['3', { delta: 'bc' }],
      ['4', { status: 'complete', finishReason: 'stop', timings: null }],
    ]);
  });

  it('holds deltas longer while another reply has not written its first content (starts go first)', async () => {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    app = Fastify();
    const numbered = (produce: () => AsyncIterable<StreamPart>) =>
      async function* () {
        let seq = 0;
        for await (const part of produce()) yield { seq: ++seq, part };
      };
    // A reply still starting: no content until released.
    app.get('/starting', async (request, reply) => {
      await sendNumberedEvents(
        request,
        reply,
        numbered(async function* () {
          await released;
          yield { type: 'text-delta', delta: 'at last' };
          yield { type: 'finish', status: 'complete', finishReason: 'stop', timings: null };
        }),
      );
    });
    // A reply on screen: a delta every 10 ms for 400 ms.
    app.get('/flowing', async (request, reply) => {
      await sendNumberedEvents(
        request,
        reply,
        numbered(async function* () {
          for (let i = 0; i < 40; i++) {
            yield { type: 'text-delta', delta: `${i} ` };
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          yield { type: 'finish', status: 'complete', finishReason: 'stop', timings: null };
        }),
      );
    });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const deltaEvents = async () =>
      (await readEvents(await fetch(`${base}/flowing`))).filter((e) => e.event === 'text-delta');
    const text = (events: Event[]) => events.map((e) => (e.data as { delta: string }).delta).join('');
    const whole = Array.from({ length: 40 }, (_, i) => `${i} `).join('');

    const starting = fetch(`${base}/starting`).then((response) => readEvents(response));
    await new Promise((resolve) => setTimeout(resolve, 50)); // its stream is open, no content yet
    const busy = await deltaEvents();
    expect(text(busy)).toBe(whole);
    // 400 ms in windows of BUSY_DELTA_WINDOW_MS: the first delta, then about two more events.
    expect(BUSY_DELTA_WINDOW_MS).toBe(200);
    expect(busy.length).toBeLessThanOrEqual(4);
    release();
    expect((await starting).map((e) => e.event)).toEqual(['text-delta', 'finish']);

    // Nothing starting: the usual window, several more events for the same text.
    const calm = await deltaEvents();
    expect(text(calm)).toBe(whole);
    expect(calm.length).toBeGreaterThanOrEqual(5);
  });

  it('sends the headers at once even when no part comes yet (a follower of a quiet reply)', async () => {
    let headersSeen: () => void = () => {};
    const seen = new Promise<void>((resolve) => {
      headersSeen = resolve;
    });
    const url = await serve(async function* () {
      // Nothing to send until the client has the response: held headers would never arrive.
      await seen;
      yield { type: 'finish', status: 'complete', finishReason: 'stop', timings: null };
    });
    const response = await fetch(url);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    headersSeen();
    expect((await readEvents(response)).map((e) => e.event)).toEqual(['finish']);
  });
});
