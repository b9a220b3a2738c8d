import { type Algorithm, hash, verify } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import { AppError, invalidRequest } from '../errors.js';

export interface Argon2Params {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export const MIN_PASSWORD_LENGTH = 8;
/** Longer inputs are refused before hashing, so a huge password cannot burn CPU. */
export const MAX_PASSWORD_BYTES = 1024;

/** The 1,000 most common leaked passwords (zxcvbn-ts's frequency-ranked list). */
const COMMON_PASSWORDS = new Set((dictionary['passwords-common'] as string[]).slice(0, 1000));

/**
 * Checks a new password against the policy; throws 400 `weak_password` or `invalid_request`.
 * @example assertAcceptablePassword('correct horse battery', 'ada@example.org');
 */
export function assertAcceptablePassword(password: string, email?: string): void {
  assertPasswordSize(password);
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw weak(`Use at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
  if (COMMON_PASSWORDS.has(password.toLowerCase())) {
    throw weak('This password is one of the most common ones and is guessed first. Choose another.');
  }
  if (email && password.toLowerCase() === email.toLowerCase()) {
    throw weak('Your password must not be your email address.');
  }
}

/** Refuses oversized input before any hashing (also for login attempts). */
export function assertPasswordSize(password: string): void {
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    throw invalidRequest(`A password may be at most ${MAX_PASSWORD_BYTES} bytes long.`);
  }
}

const weak = (message: string) => new AppError(400, 'weak_password', message);

/** `Algorithm.Argon2id`; the package exports a const enum, which isolated modules cannot read. */
const ARGON2ID = 2 as Algorithm;

/** argon2id with the configured cost; the parameters travel inside the PHC string. */
export function createPasswordHasher(params: Argon2Params) {
  const options = { algorithm: ARGON2ID, ...params };
  // A hash of a random password, verified when an email is unknown so that a login for a
  // missing account costs the same time as one with a wrong password.
  const dummy = hash(crypto.randomUUID(), options);
  return {
    hash: (password: string) => hash(password, options),
    verify: async (phc: string, password: string) => {
      try {
        return await verify(phc, password);
      } catch {
        return false;
      }
    },
    /** Spends the same work as a real verification, for unknown accounts. */
    verifyDummy: async (password: string) => {
      await verify(await dummy, password).catch(() => false);
      return false as const;
    },
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
