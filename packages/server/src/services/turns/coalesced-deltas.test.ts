import { describe, expect, it } from 'vitest';
import type { StreamPart } from '../../realtime/stream-parts.js';
import { coalescedDeltas } from './coalesced-deltas.js';

/** Resolves after the macrotask queue has had its turn (the setImmediate that ends a burst). */
const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('coalescedDeltas', () => {
  it('publishes the first delta of a burst at once and the rest of the burst as one delta', async () => {
    const published: StreamPart[] = [];
    const deltas = coalescedDeltas((part) => published.push(part));
    for (const token of ['a', 'b', 'c', 'd']) deltas.add('text-delta', token);
    expect(published).toEqual([{ type: 'text-delta', delta: 'a' }]);
    await nextMacrotask();
    expect(published).toEqual([
      { type: 'text-delta', delta: 'a' },
      { type: 'text-delta', delta: 'bcd' },
    ]);
    // A later burst starts at once again.
    deltas.add('text-delta', 'e');
    expect(published.at(-1)).toEqual({ type: 'text-delta', delta: 'e' });
  });

  it('keeps order across kinds and with parts published in between', async () => {
    const published: StreamPart[] = [];
    const publish = (part: StreamPart) => published.push(part);
    const deltas = coalescedDeltas(publish);
    deltas.add('reasoning-delta', 'Think');
    deltas.add('reasoning-delta', 'ing');
    deltas.add('text-delta', 'An');
    deltas.add('text-delta', 'swer');
    deltas.flush();
    publish({ type: 'error', code: 'provider_timeout', message: 'late' });
    deltas.add('text-delta', '');
    await nextMacrotask();
    expect(published).toEqual([
      { type: 'reasoning-delta', delta: 'Think' },
      { type: 'reasoning-delta', delta: 'ing' },
      { type: 'text-delta', delta: 'Answer' },
      { type: 'error', code: 'provider_timeout', message: 'late' },
    ]);
  });

  it('loses and adds nothing: the published text is the text given', async () => {
    const published: StreamPart[] = [];
    const deltas = coalescedDeltas((part) => published.push(part));
    const tokens = Array.from({ length: 200 }, (_, i) => ` t${i}`);
    for (const [i, token] of tokens.entries()) {
      deltas.add('text-delta', token);
      if (i % 37 === 0) await nextMacrotask();
    }
    deltas.flush();
    const text = published.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
    expect(text).toBe(tokens.join(''));
    expect(published.length).toBeLessThan(20);
  });
});
