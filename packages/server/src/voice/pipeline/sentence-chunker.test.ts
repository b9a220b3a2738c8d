import { describe, expect, it } from 'vitest';
import type { Frame } from './frames.js';
import { runProcessor } from './processor.js';
import { SentenceChunker } from './sentence-chunker.js';

const deltas = (messageId: string, ...parts: string[]): Frame[] =>
  parts.map((text) => ({ kind: 'llm-text', at: 0, messageId, text }));
const spoken = (frames: Frame[]) =>
  frames.flatMap((f) => (f.kind === 'tts-text' ? [[f.text, f.startChar, f.endChar] as const] : []));

describe('SentenceChunker', () => {
  it('speaks each sentence as soon as it ends, with its place in the reply, and the rest at the end', async () => {
    const out = await runProcessor(new SentenceChunker(), [
      ...deltas('m', 'Hello', ' there. How', ' are you? I am', ' fine'),
      {
        kind: 'llm-end',
        at: 0,
        messageId: 'm',
        text: 'Hello there. How are you? I am fine',
        status: 'complete',
      },
    ]);
    expect(spoken(out)).toEqual([
      ['Hello there.', 0, 12],
      ['How are you?', 12, 25],
      ['I am fine', 25, 35],
    ]);
    // The first sentence goes to TTS before the rest of the reply arrived.
    const kinds = out.map((f) => (f.kind === 'llm-text' ? `text:${f.text}` : f.kind));
    expect(kinds.indexOf('tts-text')).toBeLessThan(kinds.indexOf('text: are you? I am'));
    expect(out.at(-1)?.kind).toBe('llm-end');
  });

  it('speaks a long clause without waiting for its sentence, but not a short one', async () => {
    const out = await runProcessor(new SentenceChunker({ clauseChars: 40 }), [
      ...deltas('m', 'Well, ', 'when the light of the evening sun crosses the air, ', 'it reddens'),
    ]);
    expect(spoken(out)).toEqual([['Well, when the light of the evening sun crosses the air,', 0, 56]]);
  });

  it('drops what is left of an interrupted reply', async () => {
    const out = await runProcessor(new SentenceChunker(), [
      ...deltas('m', 'First part'),
      { kind: 'interruption', at: 0, reason: 'speech' },
      ...deltas('m', ' still coming. More.'),
      { kind: 'llm-end', at: 0, messageId: 'm', text: '', status: 'cancelled' },
    ]);
    expect(spoken(out)).toEqual([]);
    expect(out.map((f) => f.kind)).toEqual(['llm-text', 'interruption']);
  });
});
