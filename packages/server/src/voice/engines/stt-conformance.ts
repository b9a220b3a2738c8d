/**
 * What every STT engine must do (issue 14): transcribe clear speech, say nothing for silence,
 * stream partials while audio arrives (streaming engines), serve several utterances and
 * several callers at once, and close without fuss. Speech is flite kal16, made at test time.
 */

import { describe, expect, it } from 'vitest';
import { silence, speech, words } from './test-speech.js';
import type { SttEngine, SttStream } from './types.js';

/** Writes audio in 100 ms packets, as the transport does. */
function feed(stream: SttStream, audio: Int16Array): void {
  for (let i = 0; i < audio.length; i += 1600) stream.write(audio.subarray(i, i + 1600));
}

/** Share of `expected` words found in `text`, in any order (engines differ on small words). */
function recall(text: string, expected: string): number {
  const got = new Set(words(text));
  const want = words(expected);
  return want.filter((w) => got.has(w)).length / want.length;
}

export function describeSttConformance(name: string, create: () => SttEngine | Promise<SttEngine>) {
  describe(`${name} STT conformance`, () => {
    const sentence = 'hello world what is the weather like today';

    it('is ready and describes itself', async () => {
      const engine = await create();
      expect(engine.kind).toBe('stt');
      expect(await engine.readiness()).toMatchObject({ ready: true });
    });

    it('transcribes clear speech', async () => {
      const engine = await create();
      const stream = await engine.open({ language: 'en' });
      feed(stream, await speech(sentence));
      const text = await stream.finish();
      expect(recall(text, sentence)).toBeGreaterThanOrEqual(0.75);
      stream.close();
    });

    it('streams partial transcripts while audio arrives, when it says it streams', async () => {
      const engine = await create();
      const stream = await engine.open({});
      const partials: string[] = [];
      stream.onPartial((text) => partials.push(text));
      feed(stream, await speech(sentence));
      const final = await stream.finish();
      if (engine.streaming) {
        expect(partials.length).toBeGreaterThanOrEqual(3);
        expect(partials.some((p) => words(p).length > 0)).toBe(true);
      } else {
        expect(partials).toEqual([]);
      }
      expect(final.length).toBeGreaterThan(0);
      stream.close();
    });

    it('gives an empty transcript for no audio and none or almost none for silence', async () => {
      const engine = await create();
      const empty = await engine.open({});
      expect(await empty.finish()).toBe('');
      empty.close();
      const quiet = await engine.open({});
      feed(quiet, silence(1500));
      expect(words(await quiet.finish()).length).toBeLessThanOrEqual(1);
      quiet.close();
    });

    it('serves the next utterance on the same stream after finish', async () => {
      const engine = await create();
      const stream = await engine.open({});
      feed(stream, await speech('good morning'));
      const first = await stream.finish();
      feed(stream, await speech(sentence));
      const second = await stream.finish();
      expect(recall(first, 'good morning')).toBeGreaterThanOrEqual(0.5);
      expect(recall(second, sentence)).toBeGreaterThanOrEqual(0.75);
      expect(words(second)).not.toContain('morning');
      stream.close();
    });

    it('keeps concurrent callers apart', async () => {
      const engine = await create();
      const texts = ['open the door please', 'what time is it'];
      const results = await Promise.all(
        texts.map(async (text) => {
          const stream = await engine.open({});
          feed(stream, await speech(text));
          const got = await stream.finish();
          stream.close();
          return got;
        }),
      );
      expect(recall(results[0]!, texts[0]!)).toBeGreaterThanOrEqual(0.5);
      expect(recall(results[1]!, texts[1]!)).toBeGreaterThanOrEqual(0.5);
      expect(words(results[0]!)).not.toContain('time');
    });

    it('takes the next segment on another stream while the last one finishes (no waiting on finish)', async () => {
      // The pipeline's segments: at a short pause the segment's stream is finished and the next
      // segment is written at once to a stream opened ahead of time.
      const engine = await create();
      const first = await engine.open({});
      const second = await engine.open({});
      const partials: string[] = [];
      second.onPartial((text) => partials.push(text));
      feed(first, await speech('what time is it'));
      const firstText = first.finish();
      feed(second, await speech('open the door please'));
      const [a, b] = await Promise.all([firstText, second.finish()]);
      expect(recall(a, 'what time is it')).toBeGreaterThanOrEqual(0.5);
      expect(recall(b, 'open the door please')).toBeGreaterThanOrEqual(0.5);
      expect(words(a)).not.toContain('door');
      expect(words(b)).not.toContain('time');
      if (engine.streaming) expect(partials.length).toBeGreaterThan(0);
      first.close();
      second.close();
    });

    it('closes idempotently; writes after close are ignored; an aborted signal closes', async () => {
      const engine = await create();
      const stream = await engine.open({});
      const errors: unknown[] = [];
      stream.onError((e) => errors.push(e));
      stream.write(silence(100));
      stream.close();
      stream.close();
      stream.write(silence(100));
      expect(await stream.finish()).toBe('');
      const controller = new AbortController();
      const aborted = await engine.open({ signal: controller.signal });
      aborted.write((await speech('hello')).slice());
      controller.abort();
      expect(await aborted.finish()).toBe('');
      expect(errors).toEqual([]);
    });
  });
}
