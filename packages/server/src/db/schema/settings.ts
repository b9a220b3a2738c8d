import { jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { updatedAt } from './columns.js';
import { users } from './users.js';

/** Per-user preferences (default model, privacy mode, retention …) as one validated JSON document. */
export const userSettings = pgTable('user_settings', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  value: jsonb('value').$type<Record<string, unknown>>().notNull().default({}),
  updatedAt: updatedAt(),
});

/** Instance-wide settings an admin changes at run time (open sign-up, local-only switch …). */
export const systemSettings = pgTable('system_settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').$type<unknown>().notNull(),
  updatedAt: updatedAt(),
});

export type UserSettingsRow = typeof userSettings.$inferSelect;
export type SystemSettingRow = typeof systemSettings.$inferSelect;
