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

  it('doubles each further lock-out of a pair, up to an hour', async () => {
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

  it('locks a guesser at one IP out of the account while its owner signs in from another', async () => {
    const { throttle } = setup(3);
    await fail(throttle, 3, '10.0.0.1', 'Alice@Example.com');
    expect(await lockedFor(throttle.check('10.0.0.1', ' alice@example.COM '))).toBe(60);
    // Hammering on keeps it locked and never reaches the owner.
    for (let i = 0; i < 20; i++) await throttle.recordFailure('10.0.0.1', 'alice@example.com');
    expect(await lockedFor(throttle.check('10.0.0.1', 'alice@example.com'))).toBeGreaterThan(0);
    expect(await lockedFor(throttle.check('192.168.1.9', 'alice@example.com'))).toBeUndefined();
  });

  it('locks the account only when failures come from many IPs, and not for an address with a clean record', async () => {
    const { throttle, advance } = setup(3);
    await throttle.recordFailure('10.0.0.1', 'alice@example.com');
    await throttle.recordFailure('10.0.0.2', 'alice@example.com');
    // Two failing IPs (under the limit of 3): nobody is locked.
    expect(await lockedFor(throttle.check('10.0.0.2', 'alice@example.com'))).toBeUndefined();
    await throttle.recordFailure('10.0.0.3', 'alice@example.com');
    // Three distinct IPs: the account is locked for every address that failed recently...
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) {
      expect(await lockedFor(throttle.check(ip, 'alice@example.com'))).toBe(60);
    }
    // ...including one that failed only on another account (a rotating guesser's next address)...
    await throttle.recordFailure('10.0.0.4', 'bob@example.com');
    expect(await lockedFor(throttle.check('10.0.0.4', 'alice@example.com'))).toBe(60);
    // ...but the owner at an address without failures signs in, and bob is not affected.
    expect(await lockedFor(throttle.check('192.168.1.9', 'alice@example.com'))).toBeUndefined();
    expect(await lockedFor(throttle.check('10.0.0.1', 'bob@example.com'))).toBeUndefined();
    // A fresh address gets one try: after its failure it is refused too.
    await throttle.recordFailure('10.0.0.5', 'alice@example.com');
    expect(await lockedFor(throttle.check('10.0.0.5', 'alice@example.com'))).toBe(60);
    // Failures are "recent" for 15 minutes; the lock itself ends after its minute.
    advance(MINUTE);
    expect(await lockedFor(throttle.check('10.0.0.1', 'alice@example.com'))).toBeUndefined();
  });

  it('lifts the account-wide lock when the owner uses a reset link (clearAccount)', async () => {
    const { throttle } = setup(3);
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3'])
      await throttle.recordFailure(ip, 'alice@example.com');
    expect(await lockedFor(throttle.check('10.0.0.1', 'alice@example.com'))).toBe(60);
    await throttle.clearAccount('ALICE@example.com');
    expect(await lockedFor(throttle.check('10.0.0.1', 'alice@example.com'))).toBeUndefined();
  });

  it('locks the IP for every account when one address sprays many (the IP limit)', async () => {
    let time = 1_700_000_000_000;
    const now = () => time;
    const throttle = createLoginThrottle({
      store: createMemoryCounterStore({ now }),
      limitPerMinute: 3,
      ipLimitPerMinute: 6,
      now,
    });
    for (const name of ['a', 'b', 'c', 'd', 'e'])
      await throttle.recordFailure('10.0.0.1', `${name}@example.com`);
    expect(await lockedFor(throttle.check('10.0.0.1', 'zed@example.com'))).toBeUndefined();
    await throttle.recordFailure('10.0.0.1', 'f@example.com');
    expect(await lockedFor(throttle.check('10.0.0.1', 'zed@example.com'))).toBe(60);
    expect(await lockedFor(throttle.check('10.0.0.1'))).toBe(60);
    expect(await lockedFor(throttle.check('10.0.0.2', 'zed@example.com'))).toBeUndefined();
    time += MINUTE;
    expect(await lockedFor(throttle.check('10.0.0.1', 'zed@example.com'))).toBeUndefined();
  });

  it('groups IPv6 addresses by /64, so rotating inside one network does not help', async () => {
    const { throttle } = setup(3);
    for (const suffix of ['1', '2', '3']) await throttle.recordFailure(`2001:db8:1:2::${suffix}`);
    expect(await lockedFor(throttle.check('2001:db8:1:2::ffff'))).toBe(60);
    expect(await lockedFor(throttle.check('2001:db8:1:3::1'))).toBeUndefined();
  });

  it('on success clears that (account, IP) pair and its back-off, but not the IP counter', async () => {
    let time = 1_700_000_000_000;
    const now = () => time;
    const advance = (ms: number) => {
      time += ms;
    };
    const store = createMemoryCounterStore({ now });
    const throttle = createLoginThrottle({ store, limitPerMinute: 3, ipLimitPerMinute: 6, now });
    await fail(throttle, 3, '10.0.0.1', 'alice@example.com'); // first strike for the pair
    advance(MINUTE);
    await fail(throttle, 2, '10.0.0.1', 'alice@example.com');
    await throttle.recordSuccess('10.0.0.1', 'Alice@example.com');

    // The pair starts from zero: two more failures do not lock it...
    advance(MINUTE);
    await fail(throttle, 2, '10.0.0.1', 'alice@example.com');
    expect(await lockedFor(throttle.check('10.0.0.1', 'alice@example.com'))).toBeUndefined();
    // ...and its next lock-out is the first one again, not the second.
    await throttle.recordFailure('10.0.0.1', 'alice@example.com');
    expect(await lockedFor(throttle.check('10.0.0.1', 'alice@example.com'))).toBe(60);

    // 10.0.0.2 keeps its IP count through a success: one more failure and the IP is locked.
    advance(MINUTE);
    await fail(throttle, 5, '10.0.0.2', 'bob@example.com');
    await throttle.recordSuccess('10.0.0.2', 'carol@example.com');
    expect(await lockedFor(throttle.check('10.0.0.2', 'erin@example.com'))).toBeUndefined();
    await throttle.recordFailure('10.0.0.2', 'dave@example.com');
    expect(await lockedFor(throttle.check('10.0.0.2', 'erin@example.com'))).toBe(60);
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
    // One IP through both instances: the pair lock is shared...
    await a.recordFailure('10.0.0.1', 'alice@example.com');
    await b.recordFailure('10.0.0.1', 'alice@example.com');
    expect(await lockedFor(b.check('10.0.0.1', 'alice@example.com'))).toBe(60);
    expect(await lockedFor(a.check('10.0.0.1', 'alice@example.com'))).toBe(60);
    // ...and the owner elsewhere is let in by either.
    expect(await lockedFor(a.check('10.0.0.3', 'alice@example.com'))).toBeUndefined();
    // Two distinct IPs (the account limit) through different instances lock the account.
    await b.recordFailure('10.0.0.2', 'alice@example.com');
    expect(await lockedFor(a.check('10.0.0.2', 'alice@example.com'))).toBe(60);
    expect(await lockedFor(a.check('10.0.0.3', 'alice@example.com'))).toBeUndefined();
    const keys = await one.keys(`${prefix}*`);
    await one.del(...keys);
    one.disconnect();
    two.disconnect();
  });
});
