import { afterAll, describe, expect, it } from 'vitest';
import { createPocketsphinxStt } from '../engines/pocketsphinx-stt.js';
import type { SttEngine, SttStream } from '../engines/types.js';
import { fliteSpeech } from '../voice-test-client.js';
import type { Frame } from './frames.js';
import { ProcessorQueue, runProcessor } from './processor.js';
import { SpeechToText } from './speech-to-text.js';

const stt = createPocketsphinxStt();
afterAll(async () => {
  await stt.dispose();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** 100 ms `speech-audio` frames of `samples`. */
function speechFrames(samples: Int16Array): Frame[] {
  const frames: Frame[] = [];
  for (let i = 0; i < samples.length; i += 1_600) {
    frames.push({ kind: 'speech-audio', at: 0, samples: samples.slice(i, i + 1_600) });
  }
  return frames;
}

/**
 * A recogniser the test steers: each stream records what it was written, hands out partials on
 * demand, and finishes only when the test says so.
 */
function scriptedEngine() {
  const streams: {
    written: number;
    partial: (text: string) => void;
    finishCalled: boolean;
    resolve: (text: string) => void;
    reject: (err: Error) => void;
    closed: boolean;
  }[] = [];
  const engine: SttEngine = {
    id: 'scripted',
    kind: 'stt',
    family: 'builtin',
    label: 'scripted',
    remote: false,
    streaming: true,
    readiness: async () => ({ ready: true }),
    async open() {
      let partial: (text: string) => void = () => {};
      let resolve!: (text: string) => void;
      let reject!: (err: Error) => void;
      const finished = new Promise<string>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      const record = {
        written: 0,
        partial: (text: string) => partial(text),
        finishCalled: false,
        resolve,
        reject,
        closed: false,
      };
      streams.push(record);
      const stream: SttStream = {
        write: (samples) => {
          record.written += samples.length;
        },
        onPartial: (listener) => {
          partial = listener;
        },
        onError: () => {},
        finish: () => {
          record.finishCalled = true;
          return finished;
        },
        close: () => {
          record.closed = true;
        },
      };
      return stream;
    },
  };
  return { engine, streams };
}

describe('SpeechToText (segments, scripted recogniser)', () => {
  it('sends a segment final while the turn goes on, does not hold the next segment behind it, and merges the turn', async () => {
    const { engine, streams } = scriptedEngine();
    const out: Frame[] = [];
    const queue = new ProcessorQueue(new SpeechToText(engine, { partialIntervalMs: 0 }), (f) => out.push(f), {
      maxQueued: 1_000,
    });
    const audio = new Int16Array(1_600);
    queue.enqueue({ kind: 'start', at: 0, sampleRate: 16_000, mode: 'hands_free' });
    queue.enqueue({ kind: 'speech-start', at: 1, firstVoicedAt: 1 });
    queue.enqueue({ kind: 'speech-audio', at: 2, samples: audio });
    await queue.idle();
    streams[0]!.partial('what time');
    queue.enqueue({ kind: 'segment-stop', at: 10 });
    // The first segment's recogniser has not finished; the next segment is written meanwhile.
    queue.enqueue({ kind: 'segment-start', at: 20 });
    queue.enqueue({ kind: 'speech-audio', at: 21, samples: audio });
    await queue.idle();
    expect(streams[0]!.finishCalled).toBe(true);
    expect(streams[1]!.written).toBe(1_600);
    streams[1]!.partial('good');
    streams[0]!.resolve(' what time is it ');
    await sleep(0);
    streams[1]!.partial('good morning');
    queue.enqueue({ kind: 'speech-stop', at: 30 });
    await sleep(0);
    streams[1]!.resolve('good morning');
    await queue.idle();
    const seen = out.filter((f) => f.kind !== 'start' && f.kind !== 'speech-start');
    expect(seen.map((f) => f.kind)).toEqual([
      'partial-transcript',
      'segment-stop',
      'segment-start',
      'partial-transcript',
      'segment-transcript',
      'partial-transcript',
      'speech-stop',
      'segment-transcript',
      'final-transcript',
    ]);
    const texts = seen.map((f) => ('text' in f ? f.text : ''));
    // Partials carry the whole turn so far: the finished segments and the current hypothesis.
    expect(texts[0]).toBe('what time');
    expect(texts[3]).toBe('what time good');
    expect(texts[5]).toBe('what time is it good morning');
    expect(seen[4]).toMatchObject({
      index: 0,
      text: 'what time is it',
      turnText: 'what time is it',
      speechEndAt: 10,
    });
    expect(seen[7]).toMatchObject({
      index: 1,
      text: 'good morning',
      turnText: 'what time is it good morning',
      speechEndAt: 30,
    });
    expect(seen[8]).toMatchObject({ text: 'what time is it good morning', speechEndAt: 30 });
    expect(streams.slice(0, 2).every((s) => s.closed)).toBe(true);
  });

  it('a turn whose last segment ended at a pause gets its final text at once when the turn ends', async () => {
    const { engine, streams } = scriptedEngine();
    const processor = new SpeechToText(engine, { partialIntervalMs: 0 });
    const pending = runProcessor(processor, [
      { kind: 'start', at: 0, sampleRate: 16_000, mode: 'hands_free' },
      { kind: 'speech-start', at: 1, firstVoicedAt: 1 },
      { kind: 'speech-audio', at: 2, samples: new Int16Array(160) },
      { kind: 'segment-stop', at: 3 },
    ]);
    await sleep(0);
    streams[0]!.resolve('hello');
    const first = await pending;
    // Pushed when the recogniser answers, not while a frame is processed.
    await sleep(5);
    expect(first.at(-1)).toMatchObject({ kind: 'segment-transcript', text: 'hello' });
    const out = await runProcessor(processor, [{ kind: 'speech-stop', at: 9 }]);
    expect(out.map((f) => f.kind)).toEqual(['speech-stop', 'final-transcript']);
    expect(out[1]).toMatchObject({ text: 'hello', speechEndAt: 9 });
    // An utterance with no words: no segment final, an empty final (no turn downstream).
    const silent = runProcessor(processor, [
      { kind: 'speech-start', at: 10, firstVoicedAt: 10 },
      { kind: 'speech-audio', at: 11, samples: new Int16Array(160) },
      { kind: 'speech-stop', at: 12 },
    ]);
    await sleep(0);
    streams[1]!.resolve('');
    expect((await silent).map((f) => f.kind)).toEqual(['speech-start', 'speech-stop', 'final-transcript']);
  });

  it('repeats the latest hypothesis while a segment is heard, at least every partialIntervalMs', async () => {
    const { engine, streams } = scriptedEngine();
    const out: Frame[] = [];
    const queue = new ProcessorQueue(
      new SpeechToText(engine, { partialIntervalMs: 60 }),
      (f) => out.push(f),
      {
        maxQueued: 100,
      },
    );
    queue.enqueue({ kind: 'start', at: 0, sampleRate: 16_000, mode: 'hands_free' });
    queue.enqueue({ kind: 'speech-start', at: 1, firstVoicedAt: 1 });
    await queue.idle();
    await sleep(150);
    // Nothing heard yet: nothing to repeat.
    expect(out.filter((f) => f.kind === 'partial-transcript')).toHaveLength(0);
    streams[0]!.partial('open the');
    await sleep(400);
    const partials = out.filter((f) => f.kind === 'partial-transcript');
    expect(partials.length).toBeGreaterThanOrEqual(4);
    expect(new Set(partials.map((f) => (f.kind === 'partial-transcript' ? f.text : '')))).toEqual(
      new Set(['open the']),
    );
    const gaps = partials.slice(1).map((f, i) => f.at - partials[i]!.at);
    expect(Math.max(...gaps)).toBeLessThan(60 + 60);
    queue.enqueue({ kind: 'segment-stop', at: 2 });
    await queue.idle();
    const count = out.filter((f) => f.kind === 'partial-transcript').length;
    await sleep(200);
    // Not after the segment ended.
    expect(out.filter((f) => f.kind === 'partial-transcript')).toHaveLength(count);
    streams[0]!.resolve('open the door');
    queue.enqueue({ kind: 'end', at: 3 });
    await queue.idle();
  });

  it('a recogniser failure in a segment fails the turn when it ends (as before segments)', async () => {
    const { engine, streams } = scriptedEngine();
    const processor = new SpeechToText(engine, { partialIntervalMs: 0 });
    await runProcessor(processor, [
      { kind: 'start', at: 0, sampleRate: 16_000, mode: 'hands_free' },
      { kind: 'speech-start', at: 1, firstVoicedAt: 1 },
      { kind: 'speech-audio', at: 2, samples: new Int16Array(160) },
      { kind: 'segment-stop', at: 3 },
    ]);
    streams[0]!.reject(Object.assign(new Error('decoder died'), { code: 'stt_engine_failed' }));
    await expect(runProcessor(processor, [{ kind: 'speech-stop', at: 4 }])).rejects.toThrow('decoder died');
  });
});

describe('SpeechToText (pocketsphinx)', () => {
  it('streams partial transcripts while speech is written and the final one at speech-stop', async () => {
    const speech = fliteSpeech('what is the weather like today');
    const frames: Frame[] = [
      { kind: 'speech-start', at: 0, firstVoicedAt: 0 },
      ...speechFrames(speech.samples),
      { kind: 'speech-stop', at: 42 },
    ];
    const processor = new SpeechToText(stt);
    // A first utterance starts the decoder process (about a second), as a call's first turn does.
    await runProcessor(processor, [
      { kind: 'start', at: 0, sampleRate: 16_000, mode: 'hands_free' },
      ...frames,
    ]);
    // Then 100 ms packets at twice real time, so the recogniser has time to report partials.
    const out: Frame[] = [];
    const queue = new ProcessorQueue(processor, (f) => out.push(f), { maxQueued: 1_000 });
    for (const frame of frames) {
      queue.enqueue(frame);
      await sleep(50);
    }
    await queue.idle();
    const partials = out.filter((f) => f.kind === 'partial-transcript');
    expect(partials.length).toBeGreaterThan(0);
    expect(out.indexOf(partials[0]!)).toBeLessThan(out.findIndex((f) => f.kind === 'final-transcript'));
    // Push-to-talk and a turn with no pause: one segment, final at the turn's end.
    expect(out.filter((f) => f.kind === 'segment-transcript')).toMatchObject([
      { index: 0, text: 'what is the weather like today', turnText: 'what is the weather like today' },
    ]);
    const final = out.find((f) => f.kind === 'final-transcript');
    expect(final).toMatchObject({ text: 'what is the weather like today', speechEndAt: 42 });
    await runProcessor(processor, [{ kind: 'end', at: 0 }]);
  }, 60_000);

  it('two segments of one turn: each final as its segment ends, the turn merged', async () => {
    const processor = new SpeechToText(stt);
    const first = fliteSpeech('what time is it');
    const second = fliteSpeech('good morning');
    const out = await runProcessor(processor, [
      { kind: 'start', at: 0, sampleRate: 16_000, mode: 'hands_free' },
      { kind: 'speech-start', at: 0, firstVoicedAt: 0 },
      ...speechFrames(first.samples),
      { kind: 'segment-stop', at: 5 },
      { kind: 'segment-start', at: 6 },
      ...speechFrames(second.samples),
      { kind: 'segment-stop', at: 7 },
      { kind: 'speech-stop', at: 8 },
      { kind: 'end', at: 9 },
    ]);
    expect(out.filter((f) => f.kind === 'segment-transcript')).toMatchObject([
      { index: 0, text: 'what time is it', turnText: 'what time is it', speechEndAt: 5 },
      { index: 1, text: 'good morning', turnText: 'what time is it good morning', speechEndAt: 7 },
    ]);
    expect(out.find((f) => f.kind === 'final-transcript')).toMatchObject({
      text: 'what time is it good morning',
      speechEndAt: 8,
    });
  }, 60_000);
});
