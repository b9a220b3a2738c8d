export const USER_ROLES = ['admin', 'user'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/**
 * A person with an account, as the product sees it (the `users` row satisfies this
 * structurally; repositories hand rows out as it). Email is unique regardless of case.
 */
export interface User {
  id: string;
  email: string;
  /** argon2id (security/password.ts); never leaves the server (presenters/user.presenter.ts). */
  passwordHash: string;
  name: string;
  preferredName: string | null;
  role: UserRole;
  /** Set when an admin disables the account: no login, no session, no token works. */
  disabledAt: Date | null;
  /** Bumped whenever the user's access changes (security/auth-epoch.ts). */
  authEpoch: number;
  /**
   * The password was set by an administrator (a temporary one): until the person chooses their
   * own, the API answers 403 `password_change_required` to everything but sign-out, `me` and the
   * password change (security/authenticate.ts).
   */
  passwordChangeRequired: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** A user to store: what sign-up decides; the database fills in the rest. */
export type NewUser = Pick<User, 'email' | 'passwordHash' | 'name'> &
  Partial<Omit<User, 'email' | 'passwordHash' | 'name'>>;

/** The fields an account change may set. */
export type UserChanges = Partial<
  Pick<User, 'name' | 'preferredName' | 'role' | 'disabledAt' | 'passwordHash' | 'passwordChangeRequired'>
>;
