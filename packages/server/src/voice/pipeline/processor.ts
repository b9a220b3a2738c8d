import { type Frame, isSystemFrame } from './frames.js';

/** Hands a frame to the next processor (downstream). */
export type Push = (frame: Frame) => void;

/**
 * One step of the voice loop. `process` receives every frame that reaches it and pushes what
 * goes on (itself, transformed, or new frames); a processor passes on the frames it does not
 * handle. System frames are delivered at once, even while a data frame is being processed;
 * data frames one at a time, in order.
 */
export interface Processor {
  readonly name: string;
  process(frame: Frame, push: Push): void | Promise<void>;
}

export interface QueueOptions {
  /** Data frames waiting before the oldest is dropped (backpressure). */
  maxQueued: number;
  /** Told about every dropped frame (except on interruption, where dropping is the point). */
  onDrop?: (processor: string, frame: Frame) => void;
  /** A processor threw: the frame is lost, the pipeline goes on. */
  onError?: (processor: string, error: unknown) => void;
}

/**
 * The input queue of one processor: data frames wait in order, system frames jump the queue
 * (processed as they arrive), and an `interruption` empties the queue of data frames before it
 * is handled.
 */
export class ProcessorQueue {
  private readonly queue: Frame[] = [];
  private running = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly processor: Processor,
    private readonly push: Push,
    private readonly options: QueueOptions,
  ) {}

  get length(): number {
    return this.queue.length;
  }

  enqueue(frame: Frame): void {
    if (isSystemFrame(frame)) {
      if (frame.kind === 'interruption') this.queue.length = 0;
      this.call(frame);
      return;
    }
    if (this.queue.length >= this.options.maxQueued) {
      const dropped = this.queue.shift()!;
      this.options.onDrop?.(this.processor.name, dropped);
    }
    this.queue.push(frame);
    if (!this.running) void this.drain();
  }

  /** Resolves when no data frame is waiting or being processed. */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private call(frame: Frame): Promise<void> | undefined {
    try {
      const result = this.processor.process(frame, this.push);
      if (result) return result.catch((err) => this.options.onError?.(this.processor.name, err));
    } catch (err) {
      this.options.onError?.(this.processor.name, err);
    }
    return undefined;
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const frame = this.queue.shift()!;
      await this.call(frame);
    }
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/**
 * Processors in a line, each with its own queue; what the last one pushes goes to `sink` (the
 * transport out). `push` feeds the first.
 */
export class Pipeline {
  private readonly queues: ProcessorQueue[];

  constructor(processors: Processor[], sink: (frame: Frame) => void, options: QueueOptions) {
    const queues: ProcessorQueue[] = [];
    let next: Push = sink;
    for (let i = processors.length - 1; i >= 0; i--) {
      const queue = new ProcessorQueue(processors[i]!, next, options);
      queues.unshift(queue);
      next = (frame) => queue.enqueue(frame);
    }
    this.queues = queues;
  }

  push(frame: Frame): void {
    this.queues[0]?.enqueue(frame);
  }

  /** Resolves once every queue is empty and idle (tests, and the end of a call). */
  async idle(): Promise<void> {
    for (let settled = false; !settled; ) {
      settled = true;
      for (const queue of this.queues) {
        if (queue.length > 0) settled = false;
        await queue.idle();
      }
    }
  }
}

/**
 * Runs one processor over `frames` (each data frame after the previous one was processed, as in
 * the pipeline) and answers everything it pushed: the test helper of every processor.
 * @example expect(await runProcessor(new SentenceChunker(), frames)).toEqual([...]);
 */
export async function runProcessor(processor: Processor, frames: Frame[]): Promise<Frame[]> {
  const out: Frame[] = [];
  const errors: unknown[] = [];
  const queue = new ProcessorQueue(processor, (frame) => out.push(frame), {
    maxQueued: Number.MAX_SAFE_INTEGER,
    onError: (_name, err) => errors.push(err),
  });
  for (const frame of frames) {
    queue.enqueue(frame);
    await queue.idle();
  }
  if (errors.length > 0) throw errors[0];
  return out;
}
