import { AppError } from '../errors.js';
import type { LoginThrottle } from './login-throttle.js';

/** Errors that mean "wrong credentials": they count towards the lock-out. */
const CREDENTIAL_FAILURES = new Set(['invalid_credentials', 'wrong_password']);
/** Errors that mean "a reset link that does not work": guessing links counts like guessing passwords. */
const RESET_FAILURES = new Set([
  'reset_token_invalid',
  'reset_token_expired',
  'reset_token_used',
  'reset_token_superseded',
]);

/**
 * Wraps sign-in, sign-up and reset-link redemption in their throttles: failed sign-ins count per
 * (account, IP), per IP and per account across IPs (a success clears that pair); every sign-up
 * attempt counts per IP; a reset link that fails counts per IP, and one that works lifts the
 * account-wide sign-in lock.
 * @example await guard.login(request.ip, email, () => auth.login(email, password, client));
 */
export function createLoginGuard(throttles: {
  login: LoginThrottle;
  signup: LoginThrottle;
  reset: LoginThrottle;
}) {
  return {
    async login<T>(ip: string, email: string, attempt: () => Promise<T>): Promise<T> {
      await throttles.login.check(ip, email);
      try {
        const result = await attempt();
        await throttles.login.recordSuccess(ip, email);
        return result;
      } catch (err) {
        if (err instanceof AppError && CREDENTIAL_FAILURES.has(err.code))
          await throttles.login.recordFailure(ip, email);
        throw err;
      }
    },

    async signup<T>(ip: string, attempt: () => Promise<T>): Promise<T> {
      await throttles.signup.check(ip);
      await throttles.signup.recordFailure(ip);
      return attempt();
    },

    /** Looking a link up counts like using it, so the check cannot be used to guess links faster. */
    async checkReset<T>(ip: string, attempt: () => Promise<T>): Promise<T> {
      await throttles.reset.check(ip);
      try {
        return await attempt();
      } catch (err) {
        if (err instanceof AppError && RESET_FAILURES.has(err.code)) await throttles.reset.recordFailure(ip);
        throw err;
      }
    },

    async redeemReset<T extends { user: { email: string } }>(
      ip: string,
      attempt: () => Promise<T>,
    ): Promise<T> {
      await throttles.reset.check(ip);
      try {
        const result = await attempt();
        await throttles.login.clearAccount(result.user.email);
        return result;
      } catch (err) {
        if (err instanceof AppError && RESET_FAILURES.has(err.code)) await throttles.reset.recordFailure(ip);
        throw err;
      }
    },
  };
}

export type LoginGuard = ReturnType<typeof createLoginGuard>;
