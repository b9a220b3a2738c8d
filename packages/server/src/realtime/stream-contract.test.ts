import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { newId } from '../ids.js';
import { createMessageRepository } from '../repositories/message.repository.js';
import { createTestApp } from '../test-support/app.js';
import { startChat, storeStreamingReply } from '../test-support/conversations.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { parseSse, type SseEvent, sseReader, waitUntil } from '../test-support/sse.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { socketServerFrameSchema } from './socket-frames.js';
import { type StreamPart, streamPartSchema } from './stream-parts.js';

const MODEL = 'ollama/llama3.2:latest';
const FALLBACK = 'ollama/mistral:latest';

/**
 * Every part the server sends, over SSE and over the WebSocket, checked against the one stream
 * contract (realtime/stream-parts.ts) — exactly: a field the schema does not name fails too, as
 * it would be a field no generated client type knows. Driven through the real routes, a real
 * database and a local Ollama-wire model server.
 */
describeStorage('the stream contract on the wire (%s)', (mode) => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  let app: FastifyInstance;
  let origin: string;

  beforeAll(async () => {
    ollama = await new OllamaServer().listen();
    ollama.models.push({
      name: 'mistral:latest',
      family: 'llama',
      contextLength: 32_768,
      capabilities: ['completion'],
    });
    storage = await createTestStorage(mode);
    app = (await createTestApp(storage, { OLLAMA_BASE_URL: ollama.origin, CHAT_FLUSH_INTERVAL_MS: '50' }))
      .app;
    await app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    await ollama?.close();
  });

  /** The events of one SSE stream as parts, each checked against the contract; ids rise by one. */
  function contract(events: SseEvent[]): StreamPart[] {
    expect(events.length).toBeGreaterThan(0);
    for (const [index, event] of events.entries()) {
      if (index > 0) expect(event.id).toBe(events[index - 1]!.id + 1);
    }
    return events.map((event) => {
      const part = { type: event.event, ...event.data };
      expect(streamPartSchema.parse(part)).toEqual(part);
      return part as StreamPart;
    });
  }

  const types = (parts: StreamPart[]) => parts.map((p) => p.type);
  const ofType = <T extends StreamPart['type']>(parts: StreamPart[], type: T) =>
    parts.filter((p): p is Extract<StreamPart, { type: T }> => p.type === type);

  it('a reply, a regenerate, an edit of the reply and a resume after Last-Event-ID', async () => {
    const chat = await startChat(app, `contract-${mode}-reply@example.org`, { model: MODEL });
    const { headers, conversationId } = chat;

    ollama.script({ kind: 'text', tokens: ['Hello', ' there'] });
    const sent = await app.inject({
      method: 'POST',
      url: `/api/conversations/${conversationId}/messages`,
      headers,
      payload: { content: 'Hi' },
    });
    expect(sent.headers['content-type']).toContain('text/event-stream');
    const reply = contract(parseSse(sent.body));
    expect(types(reply).slice(0, 2)).toEqual(['message-start', 'message-start']);
    const [question, answer] = ofType(reply, 'message-start');
    expect(question).toMatchObject({ role: 'user', content: 'Hi' });
    expect(answer).toMatchObject({ role: 'assistant', parentId: question!.messageId, model: MODEL });
    expect(
      ofType(reply, 'text-delta')
        .map((p) => p.delta)
        .join(''),
    ).toBe('Hello there');
    expect(ofType(reply, 'usage')).toHaveLength(1);
    expect(ofType(reply, 'finish')).toMatchObject([{ status: 'complete' }]);
    // The first exchange names the conversation, in the same stream.
    expect(ofType(reply, 'title')).toMatchObject([{ conversationId }]);
    const replyId = sent.headers['x-lumina-reply-id'] as string;
    expect(answer!.messageId).toBe(replyId);

    ollama.script({ kind: 'text', tokens: ['Hello', ' again'] });
    const regenerated = contract(
      parseSse(
        (await app.inject({ method: 'POST', url: `/api/messages/${replyId}/regenerate`, headers })).body,
      ),
    );
    expect(ofType(regenerated, 'message-start')).toMatchObject([
      { role: 'assistant', parentId: question!.messageId },
    ]);
    expect(ofType(regenerated, 'finish')).toMatchObject([{ status: 'complete' }]);

    const edited = contract(
      parseSse(
        (
          await app.inject({
            method: 'POST',
            url: `/api/messages/${replyId}/edit`,
            headers,
            payload: { content: 'Hello there, edited' },
          })
        ).body,
      ),
    );
    expect(ofType(edited, 'message-start')[0]).toMatchObject({
      role: 'assistant',
      parentId: question!.messageId,
    });
    expect(ofType(edited, 'finish')).toHaveLength(1);

    // The reply ended moments ago: the bus still holds its log, so the resume gets what followed id 2.
    const resumed = await app.inject({
      method: 'GET',
      url: `/api/messages/${replyId}/stream`,
      headers: { ...headers, 'last-event-id': '2' },
    });
    const resumedEvents = parseSse(resumed.body);
    expect(resumedEvents[0]!.id).toBe(3);
    const again = contract(resumedEvents);
    expect(again.map((p) => p.type)).toEqual(types(reply).slice(2));
  });

  it('a model that fails mid-reply, and a fallback to the next model', async () => {
    const { headers, conversationId } = await startChat(app, `contract-${mode}-fail@example.org`, {
      model: MODEL,
    });
    const send = async (content: string) =>
      contract(
        parseSse(
          (
            await app.inject({
              method: 'POST',
              url: `/api/conversations/${conversationId}/messages`,
              headers,
              payload: { content },
            })
          ).body,
        ),
      );

    ollama.script({ kind: 'cut', tokens: ['Half a'] });
    const cut = await send('Tell me everything');
    expect(
      ofType(cut, 'text-delta')
        .map((p) => p.delta)
        .join(''),
    ).toBe('Half a');
    expect(ofType(cut, 'error')).toHaveLength(1);
    expect(ofType(cut, 'finish')).toMatchObject([{ status: 'error' }]);

    const settings = await app.inject({
      method: 'PUT',
      url: '/api/settings',
      headers,
      payload: { fallbackModels: [FALLBACK] },
    });
    expect(settings.statusCode).toBe(200);
    ollama.script({ kind: 'http-error', status: 404 }, { kind: 'text', tokens: ['From the fallback'] });
    const fallback = await send('Try another');
    expect(ofType(fallback, 'model')).toEqual([{ type: 'model', modelId: FALLBACK }]);
    expect(types(fallback).indexOf('model')).toBeLessThan(types(fallback).indexOf('text-delta'));
    expect(ofType(fallback, 'finish')).toMatchObject([{ status: 'complete' }]);
  });

  it('a cancel, seen by the stream that started the reply and by one resumed after Last-Event-ID', async () => {
    const { headers, conversationId } = await startChat(app, `contract-${mode}-cancel@example.org`, {
      model: MODEL,
    });
    ollama.script({ kind: 'hang', tokens: ['Still', ' going'] });
    const live = await fetch(`${origin}/api/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Keep talking' }),
    });
    const replyId = live.headers.get('x-lumina-reply-id')!;
    const started = sseReader(live);
    await started.until((text) => text.includes('going'));

    const resumedResponse = await fetch(`${origin}/api/messages/${replyId}/stream`, {
      headers: { ...headers, 'last-event-id': '2' },
    });
    const resumedReader = sseReader(resumedResponse);
    await resumedReader.until((text) => text.includes('going'));

    const cancelled = await app.inject({ method: 'POST', url: `/api/messages/${replyId}/cancel`, headers });
    expect(cancelled.statusCode).toBe(200);

    const whole = contract(await started.rest());
    expect(whole.at(-1)).toMatchObject({ type: 'finish', status: 'cancelled' });
    const resumedEvents = await resumedReader.rest();
    expect(resumedEvents[0]!.id).toBe(3);
    const resumed = contract(resumedEvents);
    expect(resumed.at(-1)).toMatchObject({ type: 'finish', status: 'cancelled' });
  });

  it('a reply followed from the database after its writer died', async () => {
    const chat = await startChat(app, `contract-${mode}-dead@example.org`, { model: MODEL });
    const row = await storeStreamingReply(
      createMessageRepository(storage.db),
      chat,
      newId(),
      'Left by a dead writer',
    );
    const followed = contract(
      parseSse(
        (await app.inject({ method: 'GET', url: `/api/messages/${row.id}/stream`, headers: chat.headers }))
          .body,
      ),
    );
    expect(types(followed)).toEqual(['message-start', 'error', 'finish']);
    expect(followed[0]).toMatchObject({ content: 'Left by a dead writer', role: 'assistant' });
    expect(followed[2]).toMatchObject({ status: 'interrupted' });
  });

  it("the model's reasoning streams as reasoning-delta before the text and is stored as a reasoning part", async () => {
    const chat = await startChat(app, `contract-${mode}-reasoning@example.org`, { model: MODEL });
    const { headers, conversationId } = chat;
    ollama.script({ kind: 'text', reasoning: ['The user', ' greets.'], tokens: ['Hello', ' you'] });
    const sent = await app.inject({
      method: 'POST',
      url: `/api/conversations/${conversationId}/messages`,
      headers,
      payload: { content: 'Hi' },
    });
    const reply = contract(parseSse(sent.body));
    const deltas = reply.filter((p) => p.type === 'reasoning-delta' || p.type === 'text-delta');
    // Coalescing may join deltas of one kind, never reorder them or mix kinds.
    const reasoning = ofType(reply, 'reasoning-delta');
    expect(reasoning.map((p) => p.delta).join('')).toBe('The user greets.');
    expect(deltas.findIndex((p) => p.type === 'text-delta')).toBe(reasoning.length);
    expect(
      ofType(reply, 'text-delta')
        .map((p) => p.delta)
        .join(''),
    ).toBe('Hello you');
    const replyId = sent.headers['x-lumina-reply-id'] as string;
    const stored = (
      await app.inject({ method: 'GET', url: `/api/conversations/${conversationId}/messages`, headers })
    )
      .json()
      .messages.find((m: { id: string }) => m.id === replyId);
    expect(stored).toMatchObject({
      status: 'complete',
      content: 'Hello you',
      parts: [
        { type: 'reasoning', text: 'The user greets.' },
        { type: 'text', text: 'Hello you' },
      ],
    });
  });

  it('the WebSocket: reply frames are parts with their envelope; its own answers are frames too', async () => {
    const { cookie, headers, conversationId } = await startChat(app, `contract-${mode}-socket@example.org`, {
      model: MODEL,
    });
    // Named already, so no automatic title call takes a reply scripted for a later frame.
    await app.inject({
      method: 'PATCH',
      url: `/api/conversations/${conversationId}`,
      headers,
      payload: { title: 'Over the socket' },
    });
    const port = (app.server.address() as AddressInfo).port;
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/conversations`, {
      headers: { cookie, origin: `http://127.0.0.1:${port}` },
    });
    const frames: Record<string, unknown>[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    try {
      const finished = (ref: string) => () =>
        Promise.resolve(frames.some((f) => f.ref === ref && f.type === 'finish'));

      ollama.script({ kind: 'text', tokens: ['Over', ' the socket'] });
      socket.send(JSON.stringify({ type: 'send', ref: 'first', conversationId, content: 'Hi' }));
      await waitUntil(finished('first'));

      ollama.script({ kind: 'hang', tokens: ['Waiting'] });
      socket.send(JSON.stringify({ type: 'send', ref: 'second', conversationId, content: 'And now?' }));
      await waitUntil(async () => frames.some((f) => f.ref === 'second' && f.type === 'text-delta'));
      const replyId = frames.find((f) => f.ref === 'second' && f.type === 'text-delta')!.replyId;
      socket.send(JSON.stringify({ type: 'resume', ref: 'again', messageId: replyId, lastEventId: 1 }));
      await waitUntil(async () => frames.some((f) => f.ref === 'again' && f.type === 'text-delta'));
      socket.send(JSON.stringify({ type: 'cancel', ref: 'stop', messageId: replyId }));
      await waitUntil(finished('second'));
      await waitUntil(finished('again'));
      await waitUntil(async () => frames.some((f) => f.type === 'cancelled'));
      // A frame that matches no type is answered (without its ref: it was never read).
      socket.send(JSON.stringify({ type: 'nonsense', ref: 'bad' }));
      await waitUntil(async () => frames.some((f) => f.code === 'invalid_frame'));

      for (const frame of frames) {
        expect(socketServerFrameSchema.parse(frame)).toEqual(frame);
        if (typeof frame.replyId !== 'string') continue;
        const { id: _id, replyId: _replyId, ref: _ref, ...part } = frame;
        expect(streamPartSchema.parse(part)).toEqual(part);
      }
      const byRef = (ref: string) => frames.filter((f) => f.ref === ref).map((f) => f.type);
      expect(byRef('first')).toEqual(
        expect.arrayContaining(['message-start', 'text-delta', 'usage', 'finish']),
      );
      expect(frames.filter((f) => f.ref === 'second' && f.type === 'finish')).toMatchObject([
        { status: 'cancelled' },
      ]);
      expect(frames.find((f) => f.ref === 'again')).toMatchObject({ id: 2 });
      expect(frames.find((f) => f.type === 'cancelled')).toMatchObject({ ref: 'stop', messageId: replyId });
      expect(frames.find((f) => f.code === 'invalid_frame')).toMatchObject({ type: 'error' });
    } finally {
      socket.close();
    }
  });
});
