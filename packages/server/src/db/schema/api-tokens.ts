import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { TOKEN_SCOPES, type TokenScope } from '../../domain/api-token.js';
import { createdAt, id } from './columns.js';
import { users } from './users.js';

// The scopes are the domain's (domain/api-token.ts); re-exported for the schema's readers.
export { TOKEN_SCOPES, type TokenScope };

/** Personal API tokens for the SDK and CLI. Only the SHA-256 of the secret is stored. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    /** The first characters of the token, shown in lists so people can tell tokens apart. */
    prefix: text('prefix').notNull(),
    scopes: text('scopes').array().$type<TokenScope[]>().notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (t) => [index('api_tokens_user_id_idx').on(t.userId)],
);

export type ApiTokenRow = typeof apiTokens.$inferSelect;
export type NewApiTokenRow = typeof apiTokens.$inferInsert;
