import { isDatabaseUnavailable } from '../../db/database-errors.js';
import type { CodedError } from '../../domain/error-codes.js';
import { AppError } from '../../errors.js';
import { ProviderError } from '../../providers/types.js';

/** What a client is told when the database went away while a reply was being written. */
export const DATABASE_UNAVAILABLE: CodedError = {
  code: 'database_unavailable',
  message:
    'The database became unavailable while this reply was being written. It stopped here; the text is kept as far as it could be saved.',
};

/** Migration 0007_reply_error_words writes these same words into rows older versions stored. */
const INTERNAL: CodedError = { code: 'internal_error', message: 'The reply failed on our side' };

/**
 * The `{code, message}` a client may see for an error thrown while a reply was written: our own
 * errors keep their code and message; a lost database becomes `database_unavailable`; anything
 * else (a driver error whose message holds SQL and its parameters, a stack, a library's text) is
 * `internal_error` with our own words. The caller logs the original.
 */
export function replyFailure(err: unknown): CodedError {
  if (err instanceof AppError || err instanceof ProviderError)
    return { code: err.code, message: err.message };
  if (isDatabaseUnavailable(err)) return DATABASE_UNAVAILABLE;
  return INTERNAL;
}

/** What a follower is told when the database could not say for a long while how a reply goes on. */
export const FOLLOW_UNAVAILABLE: CodedError = {
  code: 'database_unavailable',
  message: 'The database is unavailable, so this reply cannot be followed now. Resume it later.',
};
