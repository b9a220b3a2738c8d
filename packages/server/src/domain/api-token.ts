export const TOKEN_SCOPES = ['read', 'write', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/**
 * A personal API token for the SDK and CLI (the `api_tokens` row satisfies this structurally).
 * Only the SHA-256 of the secret is kept; `prefix` tells tokens apart in lists.
 */
export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  tokenHash: string;
  prefix: string;
  scopes: TokenScope[];
  /** Null: never expires. */
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
}

/** A token to store: the database fills in the id, the last use and the creation time. */
export type NewApiToken = Pick<ApiToken, 'userId' | 'name' | 'tokenHash' | 'prefix' | 'scopes'> &
  Partial<Omit<ApiToken, 'userId' | 'name' | 'tokenHash' | 'prefix' | 'scopes'>>;
