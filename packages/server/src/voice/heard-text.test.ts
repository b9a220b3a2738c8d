import { describe, expect, it } from 'vitest';
import { heardText } from './heard-text.js';

const text = 'Hello there. How are you today?';
const segments = [
  { startChar: 0, endChar: 13, startMs: 0, endMs: 1_000 },
  { startChar: 13, endChar: 31, startMs: 1_000, endMs: 3_000 },
];

describe('heardText', () => {
  it('keeps whole sentences played and the played share of the next, back to a whole word', () => {
    expect(heardText(text, segments, 0)).toBe('');
    expect(heardText(text, segments, 1_000)).toBe('Hello there.');
    // 1,500 ms is a quarter into "How are you today?" (18 chars): 4 chars → "How " → "How".
    expect(heardText(text, segments, 1_500)).toBe('Hello there. How');
    expect(heardText(text, segments, 2_000)).toBe('Hello there. How are');
    expect(heardText(text, segments, 5_000)).toBe(text);
  });

  it('never cuts inside a word', () => {
    expect(heardText(text, segments, 300)).toBe('');
    expect(heardText(text, segments, 500)).toBe('Hello');
  });
});
