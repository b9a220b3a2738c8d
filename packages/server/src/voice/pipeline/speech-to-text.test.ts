import { afterAll, describe, expect, it } from 'vitest';
import { createPocketsphinxStt } from '../engines/pocketsphinx-stt.js';
import { fliteSpeech } from '../voice-test-client.js';
import type { Frame } from './frames.js';
import { ProcessorQueue, runProcessor } from './processor.js';
import { SpeechToText } from './speech-to-text.js';

const stt = createPocketsphinxStt();
afterAll(async () => {
  await (stt as { close?: () => Promise<void> }).close?.();
});

describe('SpeechToText (pocketsphinx)', () => {
  it('streams partial transcripts while speech is written and the final one at speech-stop', async () => {
    const speech = fliteSpeech('what is the weather like today');
    const frames: Frame[] = [{ kind: 'speech-start', at: 0, firstVoicedAt: 0 }];
    for (let i = 0; i < speech.samples.length; i += 1_600) {
      frames.push({ kind: 'speech-audio', at: 0, samples: speech.samples.slice(i, i + 1_600) });
    }
    frames.push({ kind: 'speech-stop', at: 42 });
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
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await queue.idle();
    const partials = out.filter((f) => f.kind === 'partial-transcript');
    expect(partials.length).toBeGreaterThan(0);
    expect(out.indexOf(partials[0]!)).toBeLessThan(out.findIndex((f) => f.kind === 'final-transcript'));
    const final = out.find((f) => f.kind === 'final-transcript');
    expect(final).toMatchObject({ text: 'what is the weather like today', speechEndAt: 42 });
    await runProcessor(processor, [{ kind: 'end', at: 0 }]);
  }, 60_000);
});
