import { sql } from 'drizzle-orm';
import { boolean, check, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { USER_ROLES } from '../../domain/user.js';
import { createdAt, id, updatedAt } from './columns.js';

export const users = pgTable(
  'users',
  {
    id: id(),
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    name: text('name').notNull(),
    preferredName: text('preferred_name'),
    role: text('role', { enum: USER_ROLES }).notNull().default('user'),
    disabledAt: timestamp('disabled_at', { withTimezone: true, mode: 'date' }),
    /**
     * Bumped whenever the user's access changes (security/auth-epoch.ts). Redis mirrors it for
     * speed; this column is the truth every instance falls back to when Redis is down.
     */
    authEpoch: integer('auth_epoch').notNull().default(0),
    /** A temporary password set by an admin: the person must choose their own before anything else. */
    passwordChangeRequired: boolean('password_change_required').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // Email is unique regardless of case: Ada@x.org and ada@x.org are one account.
    uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`),
    check('users_role_check', sql`${t.role} in ('admin', 'user')`),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type NewUserRow = typeof users.$inferInsert;
