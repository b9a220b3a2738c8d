import { describe, expect, it } from 'vitest';
import { createFliteTts } from '../engines/flite-tts.js';
import type { Frame } from './frames.js';
import { ProcessorQueue, runProcessor } from './processor.js';
import { TextToSpeech } from './text-to-speech.js';

const tts = createFliteTts();
const voice = { voice: 'kal16', rate: 1, pitch: 1 };
const sentence = (text: string, startChar = 0): Frame => ({
  kind: 'tts-text',
  at: 0,
  messageId: 'm',
  text,
  startChar,
  endChar: startChar + text.length,
});

describe('TextToSpeech (flite)', () => {
  it('speaks a sentence with the avatar voice: audio chunks with their characters, then tts-done', async () => {
    const out = await runProcessor(new TextToSpeech(tts, voice), [sentence('Hello there.', 0)]);
    const audio = out.filter((f) => f.kind === 'tts-audio');
    expect(audio.length).toBeGreaterThan(0);
    expect(audio.reduce((sum, f) => sum + f.samples.length, 0) / audio[0]!.sampleRate).toBeGreaterThan(0.4);
    expect(audio.every((f) => f.startChar === 0 && f.endChar === 12)).toBe(true);
    expect(out.at(-1)).toMatchObject({ kind: 'tts-done', messageId: 'm' });
  });

  it('an interruption stops the synthesis in flight and drops the rest of that reply', async () => {
    const out: Frame[] = [];
    const queue = new ProcessorQueue(new TextToSpeech(tts, voice), (f) => out.push(f), { maxQueued: 10 });
    queue.enqueue({ kind: 'llm-text', at: 0, messageId: 'm', text: 'x' });
    queue.enqueue(
      sentence('This is a rather long sentence that takes flite a little while to speak in full.'),
    );
    queue.enqueue(sentence('And another one after it.', 81));
    await new Promise((resolve) => setTimeout(resolve, 5));
    queue.enqueue({ kind: 'interruption', at: 0, reason: 'speech' });
    queue.enqueue(sentence('Late text of the same reply.', 107));
    await queue.idle();
    expect(out.some((f) => f.kind === 'tts-done')).toBe(false);
    expect(out.filter((f) => f.kind === 'tts-audio').every((f) => f.startChar === 0)).toBe(true);
    expect(out.map((f) => f.kind)).toContain('interruption');
  });
});
