import type { Database } from '../db/database.js';
import type { User, UserRole } from '../domain/user.js';
import { AppError, notFound } from '../errors.js';
import { createSessionRepository } from '../repositories/session.repository.js';
import { createSettingsRepository } from '../repositories/settings.repository.js';
import { createUserRepository } from '../repositories/user.repository.js';
import { type AuthService, type ClientInfo, SIGNUP_SETTING, type SignupInput } from './auth.service.js';
import type { Identity } from './identity.service.js';
import type { SettingsService } from './settings.service.js';

/** What an admin sets for the whole instance. */
export interface InstanceSettings {
  signupOpen: boolean;
  /** The model members' conversations use when they chose none (`<provider>/<model>`). */
  defaultModel: string | null;
}

/**
 * What administrators do: list and change users, create accounts, open or close sign-up, set the
 * instance's default model.
 */
export function createUserAdminService(deps: {
  db: Database;
  auth: AuthService;
  instance: Pick<SettingsService, 'instanceDefaultModel' | 'setInstanceDefaultModel'>;
  invalidateUser: (userId: string) => Promise<void>;
}) {
  const users = createUserRepository(deps.db);
  const sessions = createSessionRepository(deps.db);
  const settings = createSettingsRepository(deps.db);

  async function getInstanceSettings(): Promise<InstanceSettings> {
    return {
      signupOpen: await deps.auth.isSignupOpen(),
      defaultModel: await deps.instance.instanceDefaultModel(),
    };
  }

  async function get(id: string): Promise<User> {
    const user = await users.findById(id);
    if (!user) throw notFound('user');
    return user;
  }

  return {
    list: () => users.list(),
    get,

    /** A new account; with `temporaryPassword`, its owner must choose their own at first sign-in. */
    async create(
      input: SignupInput & { temporaryPassword?: boolean | undefined },
      client: ClientInfo,
    ): Promise<User> {
      const { temporaryPassword, ...account } = input;
      const { user, session } = await deps.auth.signup(account, client, {
        byAdmin: true,
        temporaryPassword: temporaryPassword ?? false,
      });
      // The account is for someone else: do not leave the admin holding a session for it.
      await sessions.revoke(user.id, session.id);
      return user;
    },

    async update(
      actor: Identity,
      id: string,
      changes: { role?: UserRole | undefined; disabled?: boolean | undefined },
    ) {
      const target = await get(id);
      if (target.id === actor.user.id) {
        // Admins cannot lock themselves out or demote the last admin by accident.
        if (changes.disabled)
          throw new AppError(400, 'cannot_disable_self', 'You cannot disable your own account.');
        if (changes.role === 'user')
          throw new AppError(400, 'cannot_demote_self', 'Another admin must change your role.');
      }
      const updated = await users.update(id, {
        ...(changes.role ? { role: changes.role } : {}),
        ...(changes.disabled !== undefined
          ? { disabledAt: changes.disabled ? (target.disabledAt ?? new Date()) : null }
          : {}),
      });
      if (changes.disabled) await sessions.revokeAllForUser(id);
      await deps.invalidateUser(id);
      return updated!;
    },

    /** A one-time link that lets the user set a new password (the token is shown once). */
    async issuePasswordReset(actor: Identity, id: string) {
      const { token, expiresAt } = await deps.auth.issuePasswordReset(id, actor.user.id);
      return { token, expiresAt, path: `/reset-password#token=${token}` };
    },

    getInstanceSettings,

    async updateInstanceSettings(changes: {
      signupOpen?: boolean | undefined;
      defaultModel?: string | null | undefined;
    }): Promise<InstanceSettings> {
      if (changes.signupOpen !== undefined)
        await settings.putSystem(SIGNUP_SETTING, { open: changes.signupOpen });
      if (changes.defaultModel !== undefined)
        await deps.instance.setInstanceDefaultModel(changes.defaultModel);
      return getInstanceSettings();
    },
  };
}

export type UserAdminService = ReturnType<typeof createUserAdminService>;
