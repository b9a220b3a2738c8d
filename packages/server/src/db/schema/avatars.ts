import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import {
  AVATAR_VISIBILITIES,
  type AvatarMemoryPolicy,
  type AvatarStyle,
  type AvatarVoice,
} from '../../domain/avatar.js';
import { createdAt, id, updatedAt } from './columns.js';
import { users } from './users.js';

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

export type { AvatarMemoryPolicy, AvatarStyle, AvatarVoice };

/** An AI personality. Card fields Lumina does not use are kept in `cardExtras` for lossless export. */
export const avatars = pgTable(
  'avatars',
  {
    id: id(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    nickname: text('nickname'),
    description: text('description').notNull().default(''),
    persona: text('persona').notNull().default(''),
    traits: text('traits').array().notNull().default(sql`'{}'::text[]`),
    style: jsonb('style').$type<AvatarStyle>().notNull(),
    backstory: text('backstory').notNull().default(''),
    scenario: text('scenario').notNull().default(''),
    greeting: text('greeting').notNull().default(''),
    alternateGreetings: text('alternate_greetings').array().notNull().default(sql`'{}'::text[]`),
    exampleDialogue: text('example_dialogue').notNull().default(''),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    voice: jsonb('voice').$type<AvatarVoice>().notNull(),
    defaultModel: text('default_model'),
    fallbackModels: text('fallback_models').array().notNull().default(sql`'{}'::text[]`),
    memory: jsonb('memory').$type<AvatarMemoryPolicy>().notNull(),
    /** Sampling settings and a preset (domain/generation-settings.ts `AvatarGeneration`). */
    generation: jsonb('generation').$type<Record<string, unknown>>().notNull().default({}),
    visibility: text('visibility', { enum: AVATAR_VISIBILITIES }).notNull().default('private'),
    /** World Info entries (the internal lorebook shape of prompt/lorebook-engine.ts). */
    lorebook: jsonb('lorebook').$type<Record<string, unknown> | null>(),
    /** Everything from an imported card that has no column here, kept verbatim. */
    cardExtras: jsonb('card_extras').$type<Record<string, unknown>>().notNull().default({}),
    /** Where it came from: `template:<id>`, `import:png`, `import:charx`, `manual` … */
    source: text('source').notNull().default('manual'),
    imageId: uuid('image_id').references((): AnyPgColumn => files.id, { onDelete: 'set null' }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('avatars_owner_id_idx').on(t.ownerId),
    index('avatars_visibility_idx').on(t.visibility),
    check('avatars_visibility_check', sql`${t.visibility} in ('private', 'instance')`),
  ],
);

/** Uploaded or generated images (avatar faces …), re-encoded, kept in the database for backups. */
export const files = pgTable(
  'files',
  {
    id: id(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    mimeType: text('mime_type').notNull(),
    bytes: bytea('bytes').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    sha256: text('sha256').notNull(),
    width: integer('width'),
    height: integer('height'),
    /** The original file name (sanitized, at most 255 characters); attachments have one. */
    name: text('name'),
    /** Documents attached to messages: the text the model reads. Null for pictures. */
    extractedText: text('extracted_text'),
    /** Whether `extracted_text` was cut at the per-file limit. */
    textTruncated: boolean('text_truncated').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    index('files_owner_id_idx').on(t.ownerId),
    // The purge of unused attachments lists them by kind and age.
    index('files_kind_created_at_idx').on(t.kind, t.createdAt),
  ],
);

export type AvatarRow = typeof avatars.$inferSelect;
export type NewAvatarRow = typeof avatars.$inferInsert;
export type FileRow = typeof files.$inferSelect;
