import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { connectRedis } from '../realtime/redis.js';
import { createMemoryCounterStore, createRedisCounterStore } from './counter-store.js';
import { createLoginThrottle, type LoginThrottle, lockDurationMs } from './login-throttle.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

function setup(limitPerMinute = 3, scope?: string) {
  let time = 1_700_000_000_000;
  const now = () => time;
  const store = createMemoryCounterStore({ now });
  const throttle = createLoginThrottle({ store, limitPerMinute, now, ...(scope ? { scope } : {}) });
  return {
    store,
    now,
    throttle,
    advance: (ms: number) => {
      time += ms;
    },
  };
}

async function lockedFor(check: Promise<void>): Promise<number | undefined> {
  const error = await check.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error === undefined) return undefined;
  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ status: 429, code: 'too_many_attempts' });
  return (error as AppError).details!.retryAfterSeconds as number;
}

async function fail(throttle: LoginThrottle, times: number, ip: string, email?: string) {
  for (let i = 0; i < times; i++) await throttle.recordFailure(ip, email);
}

describe('login throttle', () => {
  it('locks an account out for a minute after the limit of failures', async () => {
    const { throttle } = setup(3);
    await fail(throttle, 2, '10.0.0.1', 'alice@example.com');
    await expect(throttle.check('10.0.0.1', 'alice@example.com')).resolves.toBeUndefined();
    await throttle.recordFailure('10.0.0.1', 'alice@example.com');
    const error = await throttle.check('10.0.0.1', 'alice@example.com').catch((e: AppError) => e);
    expect(error).toMatchObject({
      status: 429,
      code: 'too_many_attempts',
      message: 'Too many attempts. Try again in 60 seconds.',
      details: { retryAfterSeconds: 60 },
    });
  });

  it('lets the key in again when the lock-out ends, with the seconds counting down meanwhile', async () => {
    const { throttle, advance } = setup(3);
    await fail(throttle, 3, '10.0.0.1', 'alice@example.com');
    advance(45 * SECOND);
    expect(await lockedFor(throttle.check('10.0.0.1', 'alice@example.com'))).toBe(15);
    advance(15 * SECOND);
    expect(await lockedFor(throttle.check('10.0.0.1', 'alice@example.com'))).toBeUndefined();
  });

  it('doubles each further lock-out, up to an hour', async () => {
    const { throttle, advance } = setup(3);
    const seen: number[] = [];
    for (let strike = 1; strike <= 8; strike++) {
      await fail(throttle, 3, '10.0.0.1', 'alice@example.com');
      const seconds = (await lockedFor(throttle.check('10.0.0.1', 'alice@example.com')))!;
      seen.push(seconds / 60);
      advance(seconds * SECOND);
    }
    expect(seen).toEqual([1, 2, 4, 8, 16, 32, 60, 60]);
    expect(lockDurationMs(20)).toBe(60 * MINUTE);
  });

  it('only counts failures inside one minute', async () => {
    const { throttle, advance } = setup(3);
    await fail(throttle, 2, '10.0.0.1', 'alice@example.com');
    advance(MINUTE);
    await fail(throttle, 2, '10.0.0.1', 'alice@example.com');
    expect(await lockedFor(throttle.check('10.0.0.1', 'alice@example.com'))).toBeUndefined();
  });

  it('locks the account from every IP when a guesser rotates addresses', async () => {
    const { throttle } = setup(3);
    await throttle.recordFailure('10.0.0.1', 'Alice@Example.com');
    await throttle.recordFailure('10.0.0.2', ' alice@example.COM ');
    await throttle.recordFailure('10.0.0.3', 'alice@example.com');
    expect(await lockedFor(throttle.check('192.168.1.9', 'ALICE@example.com'))).toBe(60);
    expect(await lockedFor(throttle.check('192.168.1.9', 'bob@example.com'))).toBeUndefined();
  });

  it('locks the IP for every account when one address sprays many', async () => {
    const { throttle } = setup(3);
    for (const name of ['a', 'b', 'c']) await throttle.recordFailure('10.0.0.1', `${name}@example.com`);
    expect(await lockedFor(throttle.check('10.0.0.1', 'zed@example.com'))).toBe(60);
    expect(await lockedFor(throttle.check('10.0.0.1'))).toBe(60);
    expect(await lockedFor(throttle.check('10.0.0.2', 'zed@example.com'))).toBeUndefined();
  });

  it('groups IPv6 addresses by /64, so rotating inside one network does not help', async () => {
    const { throttle } = setup(3);
    for (const suffix of ['1', '2', '3']) await throttle.recordFailure(`2001:db8:1:2::${suffix}`);
    expect(await lockedFor(throttle.check('2001:db8:1:2::ffff'))).toBe(60);
    expect(await lockedFor(throttle.check('2001:db8:1:3::1'))).toBeUndefined();
  });

  it('on success clears the account counter and back-off, but not the IP counter', async () => {
    const { throttle, advance } = setup(3);
    await fail(throttle, 3, '10.0.0.9', 'alice@example.com'); // first strike for alice
    advance(MINUTE);
    await fail(throttle, 2, '10.0.0.1', 'alice@example.com');
    await throttle.recordSuccess('10.0.0.1', 'Alice@example.com');

    // alice starts from zero: two more failures do not lock her...
    await fail(throttle, 2, '10.0.0.2', 'alice@example.com');
    expect(await lockedFor(throttle.check('10.0.0.2', 'alice@example.com'))).toBeUndefined();
    // ...and her next lock-out is the first one again, not the second.
    await throttle.recordFailure('10.0.0.2', 'alice@example.com');
    expect(await lockedFor(throttle.check('10.0.0.3', 'alice@example.com'))).toBe(60);

    // 10.0.0.1 still has its two failures: one more and the IP is locked.
    await throttle.recordFailure('10.0.0.1', 'bob@example.com');
    expect(await lockedFor(throttle.check('10.0.0.1', 'carol@example.com'))).toBe(60);
  });

  it('keeps sign-up counters (IP only) apart from login counters', async () => {
    const { store, now, advance, throttle: login } = setup(3);
    const signup = createLoginThrottle({ store, limitPerMinute: 3, scope: 'signup', now });
    await fail(signup, 3, '10.0.0.1');
    expect(await lockedFor(signup.check('10.0.0.1'))).toBe(60);
    expect(await lockedFor(login.check('10.0.0.1', 'alice@example.com'))).toBeUndefined();
    advance(MINUTE);
    expect(await lockedFor(signup.check('10.0.0.1'))).toBeUndefined();
  });
});

const redisUrl = process.env.TEST_REDIS_URL;

describe.runIf(redisUrl)('login throttle on Redis', () => {
  it('a lock-out set through one instance holds on another', async () => {
    const [one, two] = await Promise.all([connectRedis(redisUrl!), connectRedis(redisUrl!)]);
    const prefix = `lumina-test:${randomUUID()}:`;
    const a = createLoginThrottle({ store: createRedisCounterStore(one, { prefix }), limitPerMinute: 2 });
    const b = createLoginThrottle({ store: createRedisCounterStore(two, { prefix }), limitPerMinute: 2 });
    await a.recordFailure('10.0.0.1', 'alice@example.com');
    await b.recordFailure('10.0.0.2', 'alice@example.com');
    expect(await lockedFor(b.check('10.0.0.3', 'alice@example.com'))).toBe(60);
    expect(await lockedFor(a.check('10.0.0.3', 'alice@example.com'))).toBe(60);
    const keys = await one.keys(`${prefix}*`);
    await one.del(...keys);
    one.disconnect();
    two.disconnect();
  });
});
