import { describe, expect, it } from 'vitest';
import { createQuietGate } from './quiet-gate.js';

describe('quiet gate', () => {
  it('waits until nothing has been busy for quietMs', async () => {
    let busy = 1;
    const gate = createQuietGate({ busy: () => busy, quietMs: 60, maxWaitMs: 2_000, pollMs: 10 });
    setTimeout(() => {
      busy = 0;
    }, 100);
    const waited = await gate.waitForQuiet();
    expect(waited).toBeGreaterThanOrEqual(150);
    expect(waited).toBeLessThan(1_000);
  });

  it('starts again when work comes back before the quiet time is over', async () => {
    let busy = 0;
    const gate = createQuietGate({ busy: () => busy, quietMs: 120, maxWaitMs: 2_000, pollMs: 10 });
    setTimeout(() => {
      busy = 1;
    }, 40);
    setTimeout(() => {
      busy = 0;
    }, 100);
    // Quiet from 0, busy at 40–100, quiet again from ~100: done at ~220, not at 120.
    expect(await gate.waitForQuiet()).toBeGreaterThanOrEqual(200);
  });

  it('never waits longer than maxWaitMs, and not at all once aborted', async () => {
    const gate = createQuietGate({ busy: () => 1, quietMs: 50, maxWaitMs: 150, pollMs: 10 });
    const waited = await gate.waitForQuiet();
    expect(waited).toBeGreaterThanOrEqual(150);
    expect(waited).toBeLessThan(1_000);

    const controller = new AbortController();
    const waiting = gate.waitForQuiet(controller.signal);
    controller.abort();
    expect(await waiting).toBeLessThan(100);
    const aborted = new AbortController();
    aborted.abort();
    expect(await gate.waitForQuiet(aborted.signal)).toBe(0);
  });
});
