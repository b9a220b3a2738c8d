import { createHash, randomBytes } from 'node:crypto';

/** Prefix of personal API tokens, so secret scanners and people recognise them. */
export const API_TOKEN_PREFIX = 'lum_';

/** 32 random bytes, base64url: the session cookie value. */
export function generateSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** 32 random bytes (256 bits), base64url: a one-time password-reset link's secret. */
export function generateResetToken(): string {
  return randomBytes(32).toString('base64url');
}

/** `lum_` + 32 random bytes, base64url: a personal API token. */
export function generateApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * What is stored instead of a token. The tokens carry 256 bits of entropy, so a fast hash is
 * enough (no salt or slow KDF needed, unlike passwords).
 * @example hashToken('lum_abc') // 'a1b2…' (64 hex characters)
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
