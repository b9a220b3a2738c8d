import { describe, expect, it } from 'vitest';
import { replyParts } from './reply-parts.js';

describe('reply parts', () => {
  it('grows the last text or reasoning part, and starts a new one after a tool result', () => {
    const parts = replyParts([]);
    parts.reasoning('Let me ');
    parts.reasoning('think.');
    parts.text('Hel');
    parts.text('lo');
    parts.add({ type: 'tool-call', toolCallId: 'c1', toolName: 'clock', input: {} });
    expect(parts.openCalls().map((c) => c.toolCallId)).toEqual(['c1']);
    parts.add({ type: 'tool-result', toolCallId: 'c1', toolName: 'clock', output: '12:00', isError: false });
    expect(parts.openCalls()).toEqual([]);
    parts.text(' It is noon.');
    expect(parts.list()).toEqual([
      { type: 'reasoning', text: 'Let me think.' },
      { type: 'text', text: 'Hello' },
      { type: 'tool-call', toolCallId: 'c1', toolName: 'clock', input: {} },
      { type: 'tool-result', toolCallId: 'c1', toolName: 'clock', output: '12:00', isError: false },
      { type: 'text', text: ' It is noon.' },
    ]);
    expect(parts.content()).toBe('Hello It is noon.');
  });

  it('counts changes, and an empty delta is none', () => {
    const parts = replyParts([]);
    const before = parts.version();
    parts.text('');
    expect(parts.version()).toBe(before);
    parts.text('x');
    expect(parts.version()).toBe(before + 1);
  });

  it('gives what was written since a mark, a grown part cut to its new words (a continued reply)', () => {
    const parts = replyParts([{ type: 'text', text: 'Once upon' }]);
    expect(parts.content()).toBe('Once upon');
    const mark = parts.mark();
    parts.text(' a time');
    parts.add({ type: 'tool-call', toolCallId: 'c1', toolName: 'clock', input: {} });
    expect(parts.since(mark)).toEqual([
      { type: 'text', text: ' a time' },
      { type: 'tool-call', toolCallId: 'c1', toolName: 'clock', input: {} },
    ]);
    expect(parts.list()[0]).toEqual({ type: 'text', text: 'Once upon a time' });
  });
});
