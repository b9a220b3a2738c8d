import { AppError } from '../errors.js';
import type { LoginThrottle } from './login-throttle.js';

/** Errors that mean "wrong credentials": they count towards the lock-out. */
const CREDENTIAL_FAILURES = new Set(['invalid_credentials', 'wrong_password']);

/**
 * Wraps sign-in and sign-up in their throttles: failed sign-ins count per IP and per account
 * (a success clears the account's count); every sign-up attempt counts per IP.
 * @example await guard.login(request.ip, email, () => auth.login(email, password, client));
 */
export function createLoginGuard(throttles: { login: LoginThrottle; signup: LoginThrottle }) {
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
  };
}

export type LoginGuard = ReturnType<typeof createLoginGuard>;
