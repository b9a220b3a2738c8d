import { describe, expect, it } from 'vitest';
import type { Frame } from './frames.js';
import { Pipeline, type Processor, ProcessorQueue, runProcessor } from './processor.js';

const text = (messageId: string, t: string, at = 0): Frame => ({ kind: 'llm-text', at, messageId, text: t });

/** Takes `ms` per data frame, records the order it saw frames in. */
class Slow implements Processor {
  readonly name = 'slow';
  seen: string[] = [];
  constructor(private readonly ms: number) {}
  async process(frame: Frame, push: (f: Frame) => void) {
    this.seen.push(frame.kind === 'llm-text' ? frame.text : frame.kind);
    if (frame.kind === 'llm-text') await new Promise((resolve) => setTimeout(resolve, this.ms));
    push(frame);
  }
}

describe('processor queues', () => {
  it('deliver a system frame at once while a data frame is being processed, and an interruption drops the waiting data frames', async () => {
    const slow = new Slow(50);
    const out: Frame[] = [];
    const queue = new ProcessorQueue(slow, (f) => out.push(f), { maxQueued: 10 });
    queue.enqueue(text('m', 'a'));
    queue.enqueue(text('m', 'b'));
    queue.enqueue(text('m', 'c'));
    queue.enqueue({ kind: 'interruption', at: 1, reason: 'speech' });
    await queue.idle();
    expect(slow.seen).toEqual(['a', 'interruption']);
    expect(out.map((f) => f.kind)).toEqual(['interruption', 'llm-text']);
  });

  it('drop the oldest data frame when full and report it', async () => {
    const dropped: Frame[] = [];
    const queue = new ProcessorQueue(new Slow(20), () => {}, {
      maxQueued: 2,
      onDrop: (_p, f) => dropped.push(f),
    });
    for (const t of ['a', 'b', 'c', 'd']) queue.enqueue(text('m', t));
    await queue.idle();
    // 'a' is being processed; 'b' and 'c' waited; 'd' pushed 'b' out.
    expect(dropped.map((f) => (f as { text: string }).text)).toEqual(['b']);
  });

  it('run a line of processors in order into the sink', async () => {
    const upper: Processor = {
      name: 'upper',
      process: (f, push) => push(f.kind === 'llm-text' ? { ...f, text: f.text.toUpperCase() } : f),
    };
    const out: Frame[] = [];
    const pipeline = new Pipeline([new Slow(5), upper], (f) => out.push(f), { maxQueued: 100 });
    for (const t of ['x', 'y', 'z']) pipeline.push(text('m', t));
    await pipeline.idle();
    expect(out.map((f) => (f as { text: string }).text)).toEqual(['X', 'Y', 'Z']);
  });

  it('runProcessor answers what a processor pushed and rethrows its failure', async () => {
    expect(await runProcessor(new Slow(0), [text('m', 'q')])).toEqual([text('m', 'q')]);
    const broken: Processor = {
      name: 'broken',
      process: () => {
        throw new Error('boom');
      },
    };
    await expect(runProcessor(broken, [text('m', 'q')])).rejects.toThrow('boom');
  });
});
