/**
 * A browser session (the `sessions` row satisfies this structurally). Only the SHA-256 of its
 * token is kept, never the token itself.
 */
export interface Session {
  id: string;
  userId: string;
  tokenHash: string;
  userAgent: string | null;
  ip: string | null;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

/** A session to store: who, which token, until when; the database fills in the rest. */
export type NewSession = Pick<Session, 'userId' | 'tokenHash' | 'expiresAt'> &
  Partial<Omit<Session, 'userId' | 'tokenHash' | 'expiresAt'>>;
