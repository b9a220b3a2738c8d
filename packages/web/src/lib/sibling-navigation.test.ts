import { describe, expect, it } from 'vitest';
import { siblingLabel, siblingPosition, swipeStep } from './sibling-navigation';

describe('siblingPosition', () => {
  it('says where a message stands among its alternatives', () => {
    expect(siblingPosition({ id: 'b', siblingIds: ['a', 'b', 'c'] })).toEqual({
      index: 2,
      total: 3,
      previousId: 'a',
      nextId: 'c',
    });
  });

  it('has no previous at the first and no next at the last', () => {
    expect(siblingPosition({ id: 'a', siblingIds: ['a', 'b'] })).toMatchObject({
      index: 1,
      previousId: null,
      nextId: 'b',
    });
    expect(siblingPosition({ id: 'b', siblingIds: ['a', 'b'] })).toMatchObject({
      index: 2,
      previousId: 'a',
      nextId: null,
    });
  });

  it('is null without alternatives (no navigator shown)', () => {
    expect(siblingPosition({ id: 'a', siblingIds: ['a'] })).toBeNull();
    expect(siblingPosition({ id: 'a' })).toBeNull();
    expect(siblingPosition({ id: 'x', siblingIds: ['a', 'b'] })).toBeNull();
  });

  it('reads as “Alternative 2 of 3”', () => {
    expect(siblingLabel({ index: 2, total: 3, previousId: 'a', nextId: 'c' })).toBe('Alternative 2 of 3');
  });
});

describe('swipeStep (← / → on the last reply)', () => {
  type Step = Parameters<typeof swipeStep>[0][number];
  const reply: Step = {
    id: 'b',
    siblingIds: ['a', 'b'],
    role: 'assistant',
    status: 'complete',
    parentId: 'q',
  };
  const question: Step = { id: 'q', siblingIds: ['q'], role: 'user', status: 'complete', parentId: 'g' };

  it('flips to the previous and next alternative', () => {
    expect(swipeStep([question, reply], -1)).toEqual({ kind: 'switch', id: 'a' });
    expect(swipeStep([question, { ...reply, id: 'a' }], 1)).toEqual({ kind: 'switch', id: 'b' });
  });

  it('writes a new reply past the last one, and stops at the first', () => {
    expect(swipeStep([question, reply], 1)).toEqual({ kind: 'regenerate', id: 'b' });
    expect(swipeStep([question, { ...reply, id: 'a' }], -1)).toBeNull();
  });

  it('does nothing on a reply being written, after a message of the person, or on a greeting’s last', () => {
    expect(swipeStep([question, { ...reply, status: 'streaming' }], -1)).toBeNull();
    expect(swipeStep([question], 1)).toBeNull();
    expect(swipeStep([{ ...reply, parentId: null }], 1)).toBeNull();
    expect(swipeStep([{ ...reply, parentId: null }], -1)).toEqual({ kind: 'switch', id: 'a' });
  });
});
