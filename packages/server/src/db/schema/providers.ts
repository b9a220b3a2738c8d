import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, numeric, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './columns.js';
import { secrets } from './secrets.js';
import { users } from './users.js';

/** A model provider a user added in settings (system providers come from the environment). */
export const providerConfigs = pgTable(
  'provider_configs',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    baseUrl: text('base_url'),
    /** The API key, encrypted in `secrets`; null for keyless providers (local servers). */
    secretId: uuid('secret_id').references(() => secrets.id, { onDelete: 'set null' }),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('provider_configs_user_id_idx').on(t.userId)],
);

/** USD per million tokens for a model id (`provider/model`, or a `*` pattern); admins edit it. */
export const modelPrices = pgTable('model_prices', {
  pattern: text('pattern').primaryKey(),
  inputUsdPerMillion: numeric('input_usd_per_million', { precision: 12, scale: 6, mode: 'number' }).notNull(),
  outputUsdPerMillion: numeric('output_usd_per_million', {
    precision: 12,
    scale: 6,
    mode: 'number',
  }).notNull(),
  updatedAt: updatedAt(),
});

/** One row per model call: who, which model, tokens, cost and timings. */
export const usageEvents = pgTable(
  'usage_events',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    /** What the call was for (chat, suggestion, summary, embedding, test …). */
    purpose: text('purpose').notNull(),
    /** The avatar the call spoke for, when there was one (chat, summaries, suggestions). */
    avatarId: uuid('avatar_id'),
    inputTokens: integer('input_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
    /** False when the provider did not report usage and we counted with a tokenizer. */
    tokensReported: boolean('tokens_reported').notNull(),
    costUsd: numeric('cost_usd', { precision: 14, scale: 8, mode: 'number' }),
    timeToFirstTokenMs: integer('time_to_first_token_ms'),
    durationMs: integer('duration_ms').notNull(),
    status: text('status').notNull(),
    errorCode: text('error_code'),
    createdAt: createdAt(),
  },
  (t) => [
    index('usage_events_user_created_idx').on(t.userId, t.createdAt),
    check('usage_events_status_check', sql`${t.status} in ('complete', 'cancelled', 'error')`),
  ],
);

export type ProviderConfigRow = typeof providerConfigs.$inferSelect;
export type ModelPriceRow = typeof modelPrices.$inferSelect;
export type UsageEventRow = typeof usageEvents.$inferSelect;
export type NewUsageEventRow = typeof usageEvents.$inferInsert;
