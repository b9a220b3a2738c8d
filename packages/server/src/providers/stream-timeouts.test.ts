import { describe, expect, it } from 'vitest';
import { collect } from '../test-support/chat-model-conformance.js';
import { toProviderError } from './adapters/provider-errors.js';
import { guardStream, type StreamLiveness, type StreamTimeouts } from './adapters/stream-timeouts.js';
import type { ChatStreamPart } from './types.js';
import { ProviderError } from './types.js';

const FAST: StreamTimeouts = { connectTimeoutMs: 100, firstTokenTimeoutMs: 100, idleTimeoutMs: 100 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function guard(
  source: (signal: AbortSignal, live: StreamLiveness) => AsyncIterable<ChatStreamPart>,
  signal?: AbortSignal,
) {
  return guardStream(source, { timeouts: FAST, signal, toError: toProviderError });
}

describe('guardStream', () => {
  it('passes a well-formed stream through unchanged', async () => {
    const parts = await collect(
      guard(async function* () {
        yield { type: 'text-delta', delta: 'Hi' };
        yield { type: 'finish', finishReason: 'stop' };
      }),
    );
    expect(parts).toEqual([
      { type: 'text-delta', delta: 'Hi' },
      { type: 'finish', finishReason: 'stop' },
    ]);
  });

  it('does not open the source when the caller has already aborted', async () => {
    let opened = false;
    const parts = await collect(
      guard(async function* () {
        opened = true;
        yield { type: 'finish', finishReason: 'stop' };
      }, AbortSignal.abort()),
    );
    expect(opened).toBe(false);
    expect(parts).toEqual([{ type: 'finish', finishReason: 'cancelled' }]);
  });

  it('aborts the upstream signal when the consumer stops early', async () => {
    let upstream: AbortSignal | undefined;
    for await (const part of guard(async function* (signal) {
      upstream = signal;
      yield { type: 'text-delta', delta: 'a' };
      yield { type: 'text-delta', delta: 'b' };
      yield { type: 'finish', finishReason: 'stop' };
    })) {
      if (part.type === 'text-delta') break;
    }
    expect(upstream?.aborted).toBe(true);
  });

  it('turns a thrown error into an error part and finish error, keeping earlier text', async () => {
    const parts = await collect(
      guard(async function* () {
        yield { type: 'text-delta', delta: 'partial' };
        throw new ProviderError('provider_unavailable', 'gone', true);
      }),
    );
    expect(parts).toEqual([
      { type: 'text-delta', delta: 'partial' },
      { type: 'error', code: 'provider_unavailable', message: 'gone', retryable: true },
      { type: 'finish', finishReason: 'error' },
    ]);
  });

  it('reports a source that ends without a finish as a protocol error', async () => {
    const parts = await collect(
      guard(async function* () {
        yield { type: 'text-delta', delta: 'x' };
      }),
    );
    expect(parts.at(-2)).toMatchObject({ type: 'error', code: 'provider_protocol_error' });
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'error' });
  });

  it('times out a source that never connects, and aborts it', async () => {
    let upstream: AbortSignal | undefined;
    const parts = await collect(
      guard(async function* (signal) {
        upstream = signal;
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        yield { type: 'finish', finishReason: 'stop' };
      }),
    );
    expect(parts[0]).toMatchObject({ type: 'error', code: 'provider_timeout', retryable: true });
    expect(parts[0]?.type === 'error' && parts[0].message).toMatch(/no response .* 100 ms/);
    expect(upstream?.aborted).toBe(true);
  });

  it('keeps a model that is producing reasoning alive past the first-token limit', async () => {
    // 12 × 40 ms of "reasoning" outlasts the 300 ms first-token limit; each 40 ms gap stays far
    // inside the idle limit even on a busy machine.
    const timeouts = { connectTimeoutMs: 300, firstTokenTimeoutMs: 300, idleTimeoutMs: 300 };
    const parts = await collect(
      guardStream(
        async function* (_signal, live) {
          live.connected();
          for (let i = 0; i < 12; i++) {
            await sleep(40);
            live.producing();
          }
          yield { type: 'text-delta', delta: 'answer' };
          yield { type: 'finish', finishReason: 'stop' };
        },
        { timeouts, toError: toProviderError },
      ),
    );
    expect(parts).toEqual([
      { type: 'text-delta', delta: 'answer' },
      { type: 'finish', finishReason: 'stop' },
    ]);
  });

  it('does not count a slow consumer against the provider', async () => {
    const parts: ChatStreamPart[] = [];
    for await (const part of guard(async function* () {
      yield { type: 'text-delta', delta: 'a' };
      yield { type: 'text-delta', delta: 'b' };
      yield { type: 'finish', finishReason: 'stop' };
    })) {
      parts.push(part);
      await sleep(250);
    }
    expect(parts.map((p) => p.type)).toEqual(['text-delta', 'text-delta', 'finish']);
  });

  it('ends with finish cancelled when the caller aborts a silent source, without waiting for it', async () => {
    const controller = new AbortController();
    // The source stays silent until the test releases it, after the stream has ended: the
    // stream can only end first if the abort ends it (no clock involved).
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let sourceWaiting!: () => void;
    const waiting = new Promise<void>((resolve) => {
      sourceWaiting = resolve;
    });
    const collecting = collect(
      guard(async function* () {
        sourceWaiting();
        await released;
        yield { type: 'finish', finishReason: 'stop' };
      }, controller.signal),
    );
    await waiting;
    controller.abort();
    expect(await collecting).toEqual([{ type: 'finish', finishReason: 'cancelled' }]);
    release();
  });
});
