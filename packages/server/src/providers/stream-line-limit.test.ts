import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundClient } from '../net/outbound-client.js';
import { readNdjson } from './adapters/ndjson-reader.js';
import { createProviderFactory } from './provider-factory.js';
import type { ChatStreamPart } from './types.js';

const MiB = 1024 * 1024;

/** A body that sends `head`, then one line that never ends, for as long as it is read. */
function endlessLine(head: string) {
  let sent = 0;
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(head));
    },
    pull(controller) {
      sent += 64 * 1024;
      controller.enqueue(encoder.encode('x'.repeat(64 * 1024)));
    },
  });
  return { stream, sentBytes: () => sent };
}

describe('line length of model streams', () => {
  it('ends an NDJSON stream whose line grows past the cap, without reading it to the end', async () => {
    const body = endlessLine('{"message":{"content":"Hi"}}\n{"message":{"content":"');
    const seen: unknown[] = [];
    const error = await (async () => {
      for await (const line of readNdjson(body.stream)) seen.push(line);
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'provider_protocol_error' });
    expect(seen).toEqual([{ message: { content: 'Hi' } }]);
    expect(body.sentBytes()).toBeLessThan(2 * MiB);
  });

  it('refuses one line over the cap even when it is valid JSON', async () => {
    const line = JSON.stringify({ message: { content: 'y'.repeat(MiB + 10) } });
    const stream = new Response(`${line}\n`).body!;
    await expect(
      (async () => {
        for await (const _ of readNdjson(stream));
      })(),
    ).rejects.toMatchObject({ code: 'provider_protocol_error' });
  });
});

describe('line length through the providers (a server sending one endless line)', () => {
  let origin = '';
  const server = http.createServer((req, res) => {
    req.resume();
    const sse = req.url?.startsWith('/v1/');
    res.writeHead(200, { 'content-type': sse ? 'text/event-stream' : 'application/x-ndjson' });
    res.write(
      sse
        ? 'data: {"id":"1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"'
        : '{"message":{"content":"',
    );
    const more = () => {
      if (!res.destroyed) res.write('z'.repeat(64 * 1024), () => setImmediate(more));
    };
    more();
  });
  const outbound = createOutboundClient();
  const factory = createProviderFactory(
    { providerTimeouts: { connectTimeoutMs: 5000, firstTokenTimeoutMs: 60_000, idleTimeoutMs: 60_000 } },
    {},
    outbound,
  );

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await outbound.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it.each([
    ['ollama', () => origin],
    ['openai-compatible', () => `${origin}/v1`],
  ] as const)('%s: the reply ends with provider_protocol_error', async (kind, baseUrl) => {
    const provider = factory({
      id: 'p',
      kind,
      name: kind,
      baseUrl: baseUrl(),
      scope: 'system',
      trusted: true,
    });
    const parts: ChatStreamPart[] = [];
    for await (const part of provider.chatModel('m').stream({ messages: [{ role: 'user', content: 'Hi' }] }))
      parts.push(part);
    expect(parts.find((p) => p.type === 'error')).toMatchObject({
      type: 'error',
      code: 'provider_protocol_error',
    });
  });
});
