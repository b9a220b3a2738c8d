import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CompletionStream } from './openai-completion-stream.js';
import { openModelStreams, PACING, pacingWindowMs, StreamPacer } from './stream-pacing.js';
import type { StreamLiveness } from './stream-timeouts.js';

const liveness: StreamLiveness = { connected() {}, producing() {} } as unknown as StreamLiveness;
const frame = (content: string) =>
  `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
const finishFrame = `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`;

/** Opens `count` other streams (the load), ended after the test. */
function load(count: number) {
  const pacers = Array.from({ length: count }, () => new StreamPacer(() => {}));
  return () => {
    for (const pacer of pacers) pacer.ended();
  };
}

describe('stream pacing', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('has no window up to the free streams, then one millisecond per open stream within its bounds', () => {
    expect(pacingWindowMs(1)).toBe(0);
    expect(pacingWindowMs(PACING.freeStreams)).toBe(0);
    expect(pacingWindowMs(PACING.freeStreams + 1)).toBe(PACING.minMs);
    expect(pacingWindowMs(120)).toBe(120);
    expect(pacingWindowMs(200)).toBe(200);
    expect(pacingWindowMs(5000)).toBe(PACING.maxMs);
  });

  it('wakes the reader at every arrival while few streams are open', () => {
    const wakes: number[] = [];
    const pacer = new StreamPacer(() => wakes.push(performance.now()));
    pacer.arrived();
    vi.advanceTimersByTime(5);
    pacer.arrived();
    pacer.arrived();
    expect(wakes).toHaveLength(3);
    pacer.ended();
  });

  it('under load: the first content at once, then one wake per window, and the end at once', () => {
    const endLoad = load(149);
    const before = openModelStreams();
    const wakes: number[] = [];
    const pacer = new StreamPacer(() => wakes.push(performance.now()));
    expect(openModelStreams()).toBe(before + 1);
    const window = pacingWindowMs(openModelStreams());
    expect(window).toBe(150);

    pacer.arrived(); // first content: never held back
    expect(wakes).toEqual([0]);
    vi.advanceTimersByTime(20);
    pacer.arrived();
    vi.advanceTimersByTime(20);
    pacer.arrived();
    expect(wakes).toHaveLength(1); // held within the window
    vi.advanceTimersByTime(window - 40);
    expect(wakes).toEqual([0, window]); // one wake for both arrivals
    vi.advanceTimersByTime(10);
    pacer.arrived();
    pacer.ended(); // the end is never held back, and it stops counting as open
    expect(wakes).toEqual([0, window, window + 10]);
    expect(openModelStreams()).toBe(before);
    pacer.ended();
    expect(openModelStreams()).toBe(before);
    vi.advanceTimersByTime(1000);
    expect(wakes).toHaveLength(4); // the cancelled timer never fires; a second end only wakes
    endLoad();
  });

  it('joins what a paced OpenAI-wire stream received within the window into one part', async () => {
    const endLoad = load(99);
    const body = new PassThrough();
    const completion = new CompletionStream(body, liveness);
    const taken: string[] = [];
    const takeAll = () => {
      for (const part of completion.take() ?? []) if (part.type === 'text-delta') taken.push(part.delta);
    };

    let woken = completion.arrival();
    body.write(frame('Hel'));
    await woken; // the first content wakes the reader at once
    takeAll();
    expect(taken).toEqual(['Hel']);

    let awake = false;
    woken = completion.arrival().then(() => {
      awake = true;
    });
    body.write(frame('lo'));
    body.write(frame(' there'));
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(awake).toBe(false);
    vi.advanceTimersByTime(pacingWindowMs(openModelStreams()));
    await woken;
    takeAll();
    expect(taken).toEqual(['Hel', 'lo there']);

    woken = completion.arrival();
    body.end(finishFrame);
    await woken; // the end wakes at once
    expect(completion.take()).toBeUndefined();
    expect(completion.ended()).toBe(true);
    endLoad();
  });
});
