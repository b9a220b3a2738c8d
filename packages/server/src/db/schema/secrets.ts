import { index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './columns.js';
import { users } from './users.js';

/**
 * Every secret Lumina keeps (provider API keys …), encrypted with AES-256-GCM under the master
 * key. One table, so key rotation re-encrypts one place. `ownerId` is null for system secrets.
 */
export const secrets = pgTable(
  'secrets',
  {
    id: id(),
    ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'cascade' }),
    /** What the secret is for, e.g. "provider:openai"; shown in audits, never the value. */
    purpose: text('purpose').notNull(),
    /** `v1.<keyId>.<iv>.<ciphertext+tag>` in base64url, see security/secret-box.ts. */
    ciphertext: text('ciphertext').notNull(),
    keyId: text('key_id').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('secrets_owner_id_idx').on(t.ownerId)],
);

export type SecretRow = typeof secrets.$inferSelect;
export type NewSecretRow = typeof secrets.$inferInsert;
