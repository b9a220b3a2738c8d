import type { Database } from '../db/database.js';
import type { ApiToken, TokenScope } from '../domain/api-token.js';
import { forbidden, notFound } from '../errors.js';
import { createApiTokenRepository } from '../repositories/api-token.repository.js';
import { generateApiToken, hashToken } from '../security/tokens.js';
import { type Identity, scopesForRole } from './identity.service.js';

export interface CreateTokenInput {
  name: string;
  scopes: TokenScope[];
  expiresAt?: Date | null | undefined;
}

/** Personal API tokens: the secret is returned once at creation and only its hash is kept. */
export function createApiTokenService(deps: {
  db: Database;
  invalidateUser: (userId: string) => Promise<void>;
}) {
  const tokens = createApiTokenRepository(deps.db);
  return {
    async create(identity: Identity, input: CreateTokenInput): Promise<{ token: ApiToken; secret: string }> {
      const allowed = scopesForRole(identity.user.role);
      const extra = input.scopes.find((s) => !allowed.includes(s));
      if (extra) throw forbidden('scope_not_allowed', `Your account cannot grant the "${extra}" scope.`);
      // A token cannot mint a token with more rights than it has itself.
      if (identity.via === 'token' && input.scopes.some((s) => !identity.scopes.includes(s))) {
        throw forbidden('scope_not_allowed', 'A token cannot create a token with more scopes than its own.');
      }
      const secret = generateApiToken();
      const token = await tokens.create({
        userId: identity.user.id,
        name: input.name.trim(),
        tokenHash: hashToken(secret),
        prefix: secret.slice(0, 12),
        scopes: [...new Set(input.scopes)],
        expiresAt: input.expiresAt ?? null,
      });
      return { token, secret };
    },

    list: (userId: string) => tokens.listForUser(userId),

    async delete(userId: string, id: string): Promise<void> {
      if (!(await tokens.delete(userId, id))) throw notFound('token');
      await deps.invalidateUser(userId);
    },
  };
}

export type ApiTokenService = ReturnType<typeof createApiTokenService>;
