import { describe, expect, it } from 'vitest';
import { createAsyncLock } from './async-lock.js';

describe('createAsyncLock', () => {
  it('hands the lock over in arrival order', async () => {
    const lock = createAsyncLock();
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3].map(async (n) => {
        const release = await lock.acquire();
        order.push(n);
        await new Promise((resolve) => setTimeout(resolve, 5));
        release();
      }),
    );
    expect(order).toEqual([1, 2, 3]);
  });

  it('lets a waiter give up without blocking the ones behind it', async () => {
    const lock = createAsyncLock();
    const first = await lock.acquire();
    const controller = new AbortController();
    const abandoned = lock.acquire(controller.signal);
    const third = lock.acquire();
    controller.abort(new Error('gave up'));
    await expect(abandoned).rejects.toThrow('gave up');
    first();
    const release = await third;
    release();
  });

  it('rejects at once when the signal is already aborted', async () => {
    const lock = createAsyncLock();
    await expect(lock.acquire(AbortSignal.abort(new Error('too late')))).rejects.toThrow('too late');
    (await lock.acquire())();
  });
});
