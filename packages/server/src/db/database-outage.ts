import { AppError } from '../errors.js';
import { isDatabaseUnavailable } from './database-errors.js';

/** What pg-pool rejects with when no connection frees up within `connectionTimeoutMillis`. */
const POOL_WAIT_TIMEOUT = 'timeout exceeded when trying to connect';

/**
 * The pool had no free connection in time: every connection is busy with other requests.
 * Matched on pg-pool's own message (it sets no code), anywhere in the cause chain, because
 * Drizzle wraps driver errors in a DrizzleQueryError.
 */
export function isPoolWaitTimeout(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e.message === POOL_WAIT_TIMEOUT && !('code' in e)) return true;
  }
  return false;
}

/**
 * The answer for a request that failed because the database is overloaded or unreachable
 * rather than because of the request: 503 with `retryAfterSeconds` (the error handler turns it
 * into a Retry-After header), so a client waits and sends the same thing again. Nothing was
 * stored: a pool wait fails before the first statement, and a lost connection rolls back.
 * @example const mapped = databaseOutageError(err); if (mapped) return reply.status(503).send(…)
 */
export function databaseOutageError(err: unknown): AppError | undefined {
  if (isPoolWaitTimeout(err)) {
    return new AppError(503, 'service_busy', 'The server is busy right now. Try again in a moment.', {
      retryAfterSeconds: 2,
    });
  }
  if (isDatabaseUnavailable(err)) {
    return new AppError(
      503,
      'database_unavailable',
      'The database cannot be reached right now. Try again shortly.',
      {
        retryAfterSeconds: 5,
      },
    );
  }
  return undefined;
}
