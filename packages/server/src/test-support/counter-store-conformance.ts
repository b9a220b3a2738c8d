import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CounterStore } from '../security/counter-store.js';

export interface CounterStoreHarness {
  store: CounterStore;
  /** The clock the store reads. */
  now(): number;
  /** Lets `ms` pass: moves a fake clock, or waits when the store keeps real time (Redis). */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

const MINUTE = 60_000;
// Short enough to wait for against Redis, long enough that one round trip never outlives it.
const SHORT_WINDOW = 150;

/**
 * The one behaviour every CounterStore implementation must have.
 * @example describeCounterStore('memory', async () => memoryHarness());
 */
export function describeCounterStore(
  name: string,
  factory: () => Promise<CounterStoreHarness>,
  { enabled = true }: { enabled?: boolean } = {},
) {
  describe.runIf(enabled)(`CounterStore conformance: ${name}`, () => {
    let h: CounterStoreHarness;
    beforeEach(async () => {
      h = await factory();
    });
    afterEach(() => h.close());

    it('counts hits inside one window, which later hits do not extend', async () => {
      const start = h.now();
      const first = await h.store.increment('a', MINUTE);
      expect(first.count).toBe(1);
      expect(first.resetAt).toBeGreaterThanOrEqual(start + MINUTE - 50);
      expect(first.resetAt).toBeLessThanOrEqual(h.now() + MINUTE + 50);
      const second = await h.store.increment('a', MINUTE);
      expect(second.count).toBe(2);
      expect(Math.abs(second.resetAt - first.resetAt)).toBeLessThanOrEqual(50);
    });

    it('reads a counter without changing it, and nothing for an unknown key', async () => {
      expect(await h.store.get('a')).toBeUndefined();
      await h.store.increment('a', MINUTE);
      await h.store.increment('a', MINUTE);
      expect(await h.store.get('a')).toMatchObject({ count: 2 });
      expect(await h.store.get('a')).toMatchObject({ count: 2 });
    });

    it('keeps keys apart', async () => {
      await h.store.increment('a', MINUTE);
      await h.store.increment('a', MINUTE);
      expect((await h.store.increment('b', MINUTE)).count).toBe(1);
    });

    it('starts a new window once the old one has passed', async () => {
      await h.store.increment('a', SHORT_WINDOW);
      await h.store.increment('a', SHORT_WINDOW);
      await h.advance(SHORT_WINDOW + 50);
      expect(await h.store.get('a')).toBeUndefined();
      const next = await h.store.increment('a', MINUTE);
      expect(next.count).toBe(1);
      expect(next.resetAt).toBeGreaterThan(h.now() + MINUTE - 100);
    });

    it('counts concurrent hits exactly once each', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => h.store.increment('a', MINUTE)));
      expect(results.map((r) => r.count).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
    });

    it('holds a lock until its end, then forgets it', async () => {
      expect(await h.store.getLock('a')).toBeUndefined();
      const until = h.now() + SHORT_WINDOW;
      await h.store.setLock('a', until);
      expect(await h.store.getLock('a')).toBe(until);
      expect(await h.store.getLock('b')).toBeUndefined();
      await h.advance(SHORT_WINDOW + 50);
      expect(await h.store.getLock('a')).toBeUndefined();
    });

    it('replaces a lock, and clears it when the new end is already past', async () => {
      await h.store.setLock('a', h.now() + MINUTE);
      await h.store.setLock('a', h.now() + 2 * MINUTE);
      expect(await h.store.getLock('a')).toBeGreaterThan(h.now() + MINUTE);
      await h.store.setLock('a', h.now() - 1);
      expect(await h.store.getLock('a')).toBeUndefined();
    });

    it('keeps a counter and a lock on the same key independent', async () => {
      await h.store.increment('a', MINUTE);
      await h.store.setLock('a', h.now() + MINUTE);
      expect(await h.store.get('a')).toMatchObject({ count: 1 });
      expect((await h.store.increment('a', MINUTE)).count).toBe(2);
      expect(await h.store.getLock('a')).toBeDefined();
    });

    it('reset forgets both the counter and the lock', async () => {
      await h.store.increment('a', MINUTE);
      await h.store.setLock('a', h.now() + MINUTE);
      await h.store.increment('b', MINUTE);
      await h.store.reset('a');
      expect(await h.store.get('a')).toBeUndefined();
      expect(await h.store.getLock('a')).toBeUndefined();
      expect(await h.store.get('b')).toMatchObject({ count: 1 });
      await h.store.reset('never-seen');
    });
  });
}
