import { normalizeIP } from '@fastify/rate-limit';
import { AppError } from '../errors.js';
import type { CounterStore } from './counter-store.js';

const WINDOW_MS = 60_000;
const FIRST_LOCK_MS = 60_000;
const MAX_LOCK_MS = 60 * 60_000;
// How long earlier lock-outs make the next one longer; a day keeps a slow, patient guesser at
// the cap without punishing someone who mistyped a password last week.
const STRIKE_MEMORY_MS = 24 * 60 * 60_000;
/**
 * How long a failure is remembered for the account-wide lock: the IPs that failed on an account
 * within this time are counted, and an IP that failed (on any account) within it is "recent".
 */
export const RECENT_FAILURE_MS = 15 * 60_000;

export interface LoginThrottleOptions {
  store: CounterStore;
  /** Failures of one account from one IP inside a minute that lock that pair (config `loginLimitPerMinute`). */
  limitPerMinute: number;
  /** Failures from one IP inside a minute, whatever the accounts, that lock the IP (default: `limitPerMinute`). */
  ipLimitPerMinute?: number;
  /** Distinct failing IPs on one account within 15 minutes that lock the account (default: `limitPerMinute`). */
  accountIpLimit?: number;
  now?: () => number;
  /** Keeps separate counters per form: `login` (default), `signup`, `reset`. */
  scope?: string;
}

export interface LoginThrottle {
  /**
   * Throws 429 `too_many_attempts` while the IP, or this account from this IP, is locked out;
   * or while the account is locked and this IP failed (on any account) in the last 15 minutes.
   */
  check(ip: string, email?: string): Promise<void>;
  /** Counts a failed attempt against the IP, the (account, IP) pair and the account's failing IPs. */
  recordFailure(ip: string, email?: string): Promise<void>;
  /** Clears this (account, IP) pair; the IP's count stays, so one good password cannot launder a spray. */
  recordSuccess(ip: string, email?: string): Promise<void>;
  /** Lifts the account-wide lock and its back-off (the owner proved themselves with a reset link). */
  clearAccount(email: string): Promise<void>;
}

/** The lock-out length after the `strike`-th lock-out in a day: 1 min, 2, 4, … capped at 1 hour. */
export const lockDurationMs = (strike: number) => Math.min(FIRST_LOCK_MS * 2 ** (strike - 1), MAX_LOCK_MS);

/**
 * Slows password guessing without letting a guesser lock the owner out (docs/rate-limits.md):
 * - per (account, IP): a guesser at one address is stopped on that account, and only there;
 * - per IP: an address that sprays many accounts is stopped on all of them;
 * - per account: only failures from many distinct IPs lock it, and even then only for addresses
 *   that failed recently, so the owner still signs in from an address with a clean record.
 * Sign-up uses the IP only.
 * @example
 * const throttle = createLoginThrottle({ store, limitPerMinute: config.loginLimitPerMinute });
 * await throttle.check(request.ip, body.email);
 * if (!valid) await throttle.recordFailure(request.ip, body.email);
 * else await throttle.recordSuccess(request.ip, body.email);
 */
export function createLoginThrottle(options: LoginThrottleOptions): LoginThrottle {
  const { store, limitPerMinute } = options;
  const ipLimit = options.ipLimitPerMinute ?? limitPerMinute;
  const accountIpLimit = options.accountIpLimit ?? limitPerMinute;
  const now = options.now ?? Date.now;
  const scope = options.scope ?? 'login';

  const account = (email?: string) => email?.trim().toLowerCase() || undefined;
  const ipKey = (ip: string) => `${scope}:ip:${normalizeIP(ip)}`;
  const recentKey = (ip: string) => `${scope}:recent:${normalizeIP(ip)}`;
  const pairKey = (name: string, ip: string) => `${scope}:pair:${name}|${normalizeIP(ip)}`;
  const seenKey = (name: string, ip: string) => `${scope}:seen:${name}|${normalizeIP(ip)}`;
  const accountKey = (name: string) => `${scope}:account:${name}`;

  async function fail(key: string, limit: number, windowMs: number) {
    const { count } = await store.increment(key, windowMs);
    // Exactly the limit-th failure locks: INCR hands each number to one caller, so concurrent
    // failures cannot add two strikes. No reset is needed: every lock outlasts the window.
    if (count !== limit) return;
    const { count: strike } = await store.increment(`${key}:strikes`, STRIKE_MEMORY_MS);
    await store.setLock(key, now() + lockDurationMs(strike));
  }

  async function accountLockApplies(name: string, ip: string): Promise<number | undefined> {
    const until = await store.getLock(accountKey(name));
    if (until === undefined) return undefined;
    // An address without a recent failure is most likely the owner: let them try.
    return (await store.get(recentKey(ip))) ? until : undefined;
  }

  return {
    async check(ip, email) {
      const name = account(email);
      const locks = await Promise.all([
        store.getLock(ipKey(ip)),
        name ? store.getLock(pairKey(name, ip)) : undefined,
        name ? accountLockApplies(name, ip) : undefined,
      ]);
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
      const name = account(email);
      await Promise.all([
        fail(ipKey(ip), ipLimit, WINDOW_MS),
        store.increment(recentKey(ip), RECENT_FAILURE_MS),
        name ? fail(pairKey(name, ip), limitPerMinute, WINDOW_MS) : undefined,
      ]);
      if (!name) return;
      // Count each failing IP once per account: many failures from one address never lock the account.
      const { count } = await store.increment(seenKey(name, ip), RECENT_FAILURE_MS);
      if (count === 1) await fail(accountKey(name), accountIpLimit, RECENT_FAILURE_MS);
    },
    async recordSuccess(ip, email) {
      const name = account(email);
      if (!name) return;
      const key = pairKey(name, ip);
      await Promise.all([store.reset(key), store.reset(`${key}:strikes`)]);
    },
    async clearAccount(email) {
      const name = account(email);
      if (!name) return;
      await Promise.all([store.reset(accountKey(name)), store.reset(`${accountKey(name)}:strikes`)]);
    },
  };
}
