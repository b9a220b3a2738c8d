import { describe, expect, it } from 'vitest';
import { runProcessor } from './processor.js';
import { TurnAggregator } from './turn-aggregator.js';

describe('TurnAggregator', () => {
  it('makes a user turn of a final transcript with words, none of an empty one', async () => {
    const out = await runProcessor(new TurnAggregator(), [
      { kind: 'final-transcript', at: 5, text: '', speechEndAt: 1 },
      { kind: 'final-transcript', at: 9, text: 'hello there', speechEndAt: 7 },
    ]);
    expect(out.filter((f) => f.kind === 'user-turn')).toEqual([
      { kind: 'user-turn', at: 9, text: 'hello there', speechEndAt: 7 },
    ]);
  });
});
