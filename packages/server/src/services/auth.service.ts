import type { Session } from '../domain/session.js';
import type { User } from '../domain/user.js';
import { AppError, forbidden, notFound, unauthorized } from '../errors.js';
import type { PasswordReset, PasswordResetRepository } from '../repositories/password-reset.repository.js';
import type { SessionRepository } from '../repositories/session.repository.js';
import type { SettingsRepository } from '../repositories/settings.repository.js';
import type { UserRepository } from '../repositories/user.repository.js';
import { assertAcceptablePassword, assertPasswordSize, type PasswordHasher } from '../security/password.js';
import { generateResetToken, generateSessionToken, hashToken } from '../security/tokens.js';
import type { IdentityService } from './identity.service.js';

export interface SignupInput {
  email: string;
  password: string;
  name: string;
  preferredName?: string | null | undefined;
}

export interface ClientInfo {
  ip: string;
  userAgent: string | undefined;
}

export interface NewSession {
  user: User;
  token: string;
  session: Session;
}

export interface AuthServiceDeps {
  repositories: {
    users: UserRepository;
    sessions: SessionRepository;
    settings: SettingsRepository;
    passwordResets: PasswordResetRepository;
  };
  hasher: PasswordHasher;
  identities: IdentityService;
  sessionTtlMs: number;
  /** How long an admin-issued reset link works (config `passwordResetTtlHours`). */
  resetTtlMs: number;
  now?: () => Date;
  /** Runs once a new account exists (every new user gets the Lumina assistant avatar). */
  onUserCreated?: (userId: string) => Promise<void>;
  /** The user signed out: their session ended, and their incognito conversations with it. */
  onSignOut?: (userId: string) => Promise<unknown>;
}

/** The instance setting that decides whether anyone may sign up (else an admin creates accounts). */
export const SIGNUP_SETTING = 'signup';

export const invalidCredentials = () =>
  unauthorized('invalid_credentials', 'The email or password is incorrect.');

/** Why a reset link does not work, in words for the person holding it. */
function resetLinkRefusal(reset: PasswordReset | undefined, at: Date): AppError {
  if (!reset)
    return new AppError(
      400,
      'reset_token_invalid',
      'This reset link is not valid. Check that you copied all of it.',
    );
  if (reset.usedAt)
    return new AppError(
      400,
      'reset_token_used',
      'This reset link has already been used. Ask an administrator for a new one.',
    );
  if (reset.revokedAt)
    return new AppError(
      400,
      'reset_token_superseded',
      'A newer reset link was made for this account. Use the latest link, or ask an administrator for a new one.',
    );
  if (reset.expiresAt <= at)
    return new AppError(
      400,
      'reset_token_expired',
      'This reset link has expired. Ask an administrator for a new one.',
    );
  return new AppError(400, 'reset_token_invalid', 'This reset link is not valid.');
}

/**
 * Sign-up, login, logout, sessions, profile and password. The first account becomes admin;
 * later ones are users. Unknown emails and wrong passwords fail identically and take the
 * same time (a dummy argon2 verification).
 */
export function createAuthService(deps: AuthServiceDeps) {
  const { hasher, identities } = deps;
  const { users, sessions, settings, passwordResets } = deps.repositories;
  const now = deps.now ?? (() => new Date());

  async function startSession(user: User, client: ClientInfo): Promise<NewSession> {
    const token = generateSessionToken();
    const session = await sessions.create({
      userId: user.id,
      tokenHash: hashToken(token),
      ip: client.ip,
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      expiresAt: new Date(now().getTime() + deps.sessionTtlMs),
    });
    return { user, token, session };
  }

  async function isSignupOpen(): Promise<boolean> {
    return (await settings.getSystem<{ open: boolean }>(SIGNUP_SETTING))?.open ?? true;
  }

  return {
    isSignupOpen,

    /** What the sign-in page needs to know before anyone is signed in. */
    async publicConfig() {
      return { signupOpen: await isSignupOpen(), needsFirstAdmin: (await users.count()) === 0 };
    },

    async signup(
      input: SignupInput,
      client: ClientInfo,
      options: { byAdmin?: boolean; temporaryPassword?: boolean } = {},
    ): Promise<NewSession> {
      assertAcceptablePassword(input.password, input.email);
      const passwordHash = await hasher.hash(input.password);
      // Serialise sign-ups so two simultaneous first sign-ups cannot both become admin.
      const user = await users.serialisedSignup(async (tx) => {
        const first = (await tx.users.count()) === 0;
        if (!first && !options.byAdmin) {
          const signup = await tx.settings.getSystem<{ open: boolean }>(SIGNUP_SETTING);
          if (signup?.open === false) {
            throw forbidden(
              'signup_closed',
              'Sign-up is by invitation on this server. Ask an administrator for an account.',
            );
          }
        }
        return tx.users.create({
          email: input.email.trim(),
          passwordHash,
          name: input.name.trim(),
          preferredName: input.preferredName?.trim() || null,
          role: first ? 'admin' : 'user',
          // An administrator chose this password: the person picks their own at first sign-in.
          passwordChangeRequired: Boolean(options.byAdmin && options.temporaryPassword) && !first,
        });
      });
      await deps.onUserCreated?.(user.id);
      return startSession(user, client);
    },

    async login(email: string, password: string, client: ClientInfo): Promise<NewSession> {
      assertPasswordSize(password);
      const user = await users.findByEmail(email.trim());
      if (!user) {
        await hasher.verifyDummy(password);
        throw invalidCredentials();
      }
      if (!(await hasher.verify(user.passwordHash, password))) throw invalidCredentials();
      if (user.disabledAt) throw new AppError(401, 'account_disabled', 'This account has been disabled.');
      return startSession(user, client);
    },

    async logout(userId: string, sessionId: string): Promise<void> {
      await sessions.revoke(userId, sessionId, now());
      await identities.invalidateUser(userId);
      await deps.onSignOut?.(userId);
    },

    listSessions: (userId: string) => sessions.listActiveForUser(userId, now()),

    async revokeSession(userId: string, sessionId: string): Promise<void> {
      if (!(await sessions.revoke(userId, sessionId, now()))) throw notFound('session');
      await identities.invalidateUser(userId);
    },

    async updateProfile(
      userId: string,
      changes: { name?: string | undefined; preferredName?: string | null | undefined },
    ) {
      const user = await users.update(userId, {
        ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
        ...(changes.preferredName !== undefined
          ? { preferredName: changes.preferredName?.trim() || null }
          : {}),
      });
      if (!user) throw notFound('user');
      await identities.invalidateUser(userId);
      return user;
    },

    /** Changes the password and signs out every other session of the user. */
    async changePassword(
      userId: string,
      currentSessionId: string | undefined,
      current: string,
      next: string,
    ) {
      assertPasswordSize(current);
      const user = await users.findById(userId);
      if (!user) throw notFound('user');
      if (!(await hasher.verify(user.passwordHash, current))) {
        throw new AppError(400, 'wrong_password', 'Your current password is not correct.');
      }
      if (next === current)
        throw new AppError(400, 'same_password', 'Choose a password different from your current one.');
      assertAcceptablePassword(next, user.email);
      await users.update(userId, { passwordHash: await hasher.hash(next), passwordChangeRequired: false });
      const revoked = await sessions.revokeAllForUser(userId, currentSessionId, now());
      await identities.invalidateUser(userId);
      return { revokedSessions: revoked };
    },

    /**
     * A one-time link for an administrator to hand over: 256 random bits, only their SHA-256
     * stored, valid for `resetTtlMs`; any earlier unused link of the user stops working.
     */
    async issuePasswordReset(userId: string, adminId: string) {
      const user = await users.findById(userId);
      if (!user) throw notFound('user');
      const token = generateResetToken();
      const at = now();
      const reset = await passwordResets.issue(
        {
          userId,
          tokenHash: hashToken(token),
          createdBy: adminId,
          expiresAt: new Date(at.getTime() + deps.resetTtlMs),
        },
        at,
      );
      return { token, expiresAt: reset.expiresAt };
    },

    /** What a reset link's page shows before the password is typed: whose account, or why not. */
    async inspectPasswordReset(token: string) {
      const reset = await passwordResets.findByTokenHash(hashToken(token));
      const at = now();
      if (!reset || reset.usedAt || reset.revokedAt || reset.expiresAt <= at)
        throw resetLinkRefusal(reset, at);
      const user = await users.findById(reset.userId);
      if (!user) throw resetLinkRefusal(undefined, at);
      return { email: user.email, expiresAt: reset.expiresAt };
    },

    /**
     * Sets a new password with a reset link, once: the link is spent, every session of the user
     * is signed out, and a new one starts for the person who used it.
     */
    async redeemPasswordReset(token: string, next: string, client: ClientInfo): Promise<NewSession> {
      assertPasswordSize(next);
      const reset = await passwordResets.findByTokenHash(hashToken(token));
      const at = now();
      if (!reset || reset.usedAt || reset.revokedAt || reset.expiresAt <= at)
        throw resetLinkRefusal(reset, at);
      const user = await users.findById(reset.userId);
      if (!user) throw resetLinkRefusal(undefined, at);
      if (user.disabledAt) throw new AppError(401, 'account_disabled', 'This account has been disabled.');
      assertAcceptablePassword(next, user.email);
      const passwordHash = await hasher.hash(next);
      if (!(await passwordResets.redeem(reset.id, user.id, passwordHash, now())))
        throw resetLinkRefusal(await passwordResets.findByTokenHash(reset.tokenHash), now());
      await sessions.revokeAllForUser(user.id, undefined, now());
      await identities.invalidateUser(user.id);
      return startSession({ ...user, passwordHash, passwordChangeRequired: false }, client);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
