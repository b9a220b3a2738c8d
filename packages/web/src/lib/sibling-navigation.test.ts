import { describe, expect, it } from 'vitest';
import { siblingLabel, siblingPosition } from './sibling-navigation';

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
