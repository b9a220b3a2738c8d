import { describe, expect, it } from 'vitest';
import { type MessagePart, textOfParts } from './message-parts.js';
import { replaceTextOfParts } from './message-text-edit.js';

const call: MessagePart = { type: 'tool-call', toolCallId: 'c1', toolName: 'look', input: {} };
const result: MessagePart = {
  type: 'tool-result',
  toolCallId: 'c1',
  toolName: 'look',
  output: 1,
  isError: false,
};
const file: MessagePart = { type: 'file', url: '/api/files/1', mediaType: 'image/png' };

describe('replaceTextOfParts', () => {
  it('replaces the one text part and keeps the others where they are', () => {
    const parts: MessagePart[] = [{ type: 'reasoning', text: 'hmm' }, { type: 'text', text: 'Helo' }, file];
    expect(replaceTextOfParts(parts, 'Hello')).toEqual([
      { type: 'reasoning', text: 'hmm' },
      { type: 'text', text: 'Hello' },
      file,
    ]);
  });

  it('changes only the text part a fix falls in', () => {
    const parts: MessagePart[] = [
      { type: 'text', text: 'Let me lok.' },
      call,
      result,
      { type: 'text', text: 'Found it.' },
    ];
    expect(replaceTextOfParts(parts, 'Let me look.Found it.')).toEqual([
      { type: 'text', text: 'Let me look.' },
      call,
      result,
      { type: 'text', text: 'Found it.' },
    ]);
    expect(replaceTextOfParts(parts, 'Let me lok.Found it!')[3]).toEqual({ type: 'text', text: 'Found it!' });
  });

  it('drops text parts an edit empties, and gives a message without text a text part', () => {
    const parts: MessagePart[] = [{ type: 'text', text: 'One.' }, call, { type: 'text', text: 'Two.' }];
    expect(replaceTextOfParts(parts, 'Both!')).toEqual([{ type: 'text', text: 'Both!' }, call]);
    expect(replaceTextOfParts([call, result], 'Said.')).toEqual([
      call,
      result,
      { type: 'text', text: 'Said.' },
    ]);
  });

  it('always has exactly the new text, and never splits a character in two', () => {
    const parts: MessagePart[] = [{ type: 'text', text: 'a' }, call, { type: 'text', text: '😀b' }];
    for (const text of ['a😃b', '😀', 'x', 'a😀bc', 'ab', '']) {
      const edited = replaceTextOfParts(parts, text);
      expect(textOfParts(edited)).toBe(text);
      for (const part of edited) {
        if (part.type === 'text') expect(part.text.isWellFormed()).toBe(true);
      }
    }
  });
});
