import { normalizeIP } from '@fastify/rate-limit';
import { AppError } from '../errors.js';
import type { CounterStore } from './counter-store.js';

const WINDOW_MS = 60_000;
const FIRST_LOCK_MS = 60_000;
const MAX_LOCK_MS = 60 * 60_000;
// How long earlier lock-outs make the next one longer; a day keeps a slow, patient guesser at
// the cap without punishing someone who mistyped a password last week.
const STRIKE_MEMORY_MS = 24 * 60 * 60_000;

export interface LoginThrottleOptions {
  store: CounterStore;
  /** Failures inside one minute that trigger a lock-out (config `loginLimitPerMinute`). */
  limitPerMinute: number;
  now?: () => number;
  /** Keeps separate counters per form: `login` (default), `signup`. */
  scope?: string;
}

export interface LoginThrottle {
  /** Throws 429 `too_many_attempts` while the IP or the account is locked out. */
  check(ip: string, email?: string): Promise<void>;
  /** Counts a failed attempt against the IP and the account; locks either out at the limit. */
  recordFailure(ip: string, email?: string): Promise<void>;
  /** Clears the account's failures and back-off; the IP's stay, so one good password cannot launder a spray. */
  recordSuccess(ip: string, email?: string): Promise<void>;
}

/** The lock-out length after the `strike`-th lock-out in a day: 1 min, 2, 4, … capped at 1 hour. */
export const lockDurationMs = (strike: number) => Math.min(FIRST_LOCK_MS * 2 ** (strike - 1), MAX_LOCK_MS);

/**
 * Slows password guessing per IP and per account. Counting per account stops a guesser who
 * rotates IPs; counting per IP stops one who sprays many accounts. Sign-up uses the IP only.
 * @example
 * const throttle = createLoginThrottle({ store, limitPerMinute: config.loginLimitPerMinute });
 * await throttle.check(request.ip, body.email);
 * if (!valid) await throttle.recordFailure(request.ip, body.email);
 * else await throttle.recordSuccess(request.ip, body.email);
 */
export function createLoginThrottle(options: LoginThrottleOptions): LoginThrottle {
  const { store, limitPerMinute } = options;
  const now = options.now ?? Date.now;
  const scope = options.scope ?? 'login';

  const ipKey = (ip: string) => `${scope}:ip:${normalizeIP(ip)}`;
  const accountKey = (email: string) => `${scope}:account:${email.trim().toLowerCase()}`;
  const keysFor = (ip: string, email?: string) =>
    email?.trim() ? [ipKey(ip), accountKey(email)] : [ipKey(ip)];

  async function fail(key: string) {
    const { count } = await store.increment(key, WINDOW_MS);
    // Exactly the limit-th failure locks: INCR hands each number to one caller, so concurrent
    // failures cannot add two strikes. No reset is needed: every lock outlasts the window.
    if (count !== limitPerMinute) return;
    const { count: strike } = await store.increment(`${key}:strikes`, STRIKE_MEMORY_MS);
    await store.setLock(key, now() + lockDurationMs(strike));
  }

  return {
    async check(ip, email) {
      const locks = await Promise.all(keysFor(ip, email).map((key) => store.getLock(key)));
      const until = Math.max(0, ...locks.map((lock) => lock ?? 0));
      const retryAfterSeconds = Math.ceil((until - now()) / 1000);
      if (retryAfterSeconds <= 0) return;
      const unit = retryAfterSeconds === 1 ? 'second' : 'seconds';
      throw new AppError(
        429,
        'too_many_attempts',
        `Too many attempts. Try again in ${retryAfterSeconds} ${unit}.`,
        { retryAfterSeconds },
      );
    },
    async recordFailure(ip, email) {
      await Promise.all(keysFor(ip, email).map(fail));
    },
    async recordSuccess(_ip, email) {
      if (!email?.trim()) return;
      const key = accountKey(email);
      await Promise.all([store.reset(key), store.reset(`${key}:strikes`)]);
    },
  };
}
