import { index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import type { GenerationSettings } from '../../domain/generation-settings.js';
import { createdAt, id, updatedAt } from './columns.js';
import { users } from './users.js';

/** A user's named generation settings (domain/generation-settings.ts); avatars refer to them. */
export const generationPresets = pgTable(
  'generation_presets',
  {
    id: id(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    settings: jsonb('settings').$type<GenerationSettings>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('generation_presets_owner_id_idx').on(t.ownerId)],
);

export type GenerationPresetRow = typeof generationPresets.$inferSelect;
