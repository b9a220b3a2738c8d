import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { TITLE_SOURCES } from '../../domain/conversation.js';
import type { MessageError } from '../../domain/message.js';
import {
  MESSAGE_ROLES,
  MESSAGE_STATUSES,
  type MessagePart,
  type MessageRole,
  type MessageStatus,
} from '../../domain/message-parts.js';
import { PARTICIPANT_ROLES } from '../../domain/participant.js';
import { avatars } from './avatars.js';
import { createdAt, id, updatedAt } from './columns.js';
import { users } from './users.js';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

export { MESSAGE_ROLES, MESSAGE_STATUSES, type MessageRole, type MessageStatus };

/** A chat between one user and one avatar: a tree of messages whose active leaf is the visible branch. */
export const conversations = pgTable(
  'conversations',
  {
    id: id(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    avatarId: uuid('avatar_id')
      .notNull()
      .references(() => avatars.id, { onDelete: 'cascade' }),
    title: text('title').notNull().default(''),
    /** `auto` titles may be replaced by the automatic titler; `user` titles never are. */
    titleSource: text('title_source', { enum: TITLE_SOURCES }).notNull().default('auto'),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    pinned: boolean('pinned').notNull().default(false),
    archived: boolean('archived').notNull().default(false),
    /**
     * Incognito: nothing is extracted or recalled from it, it is in no list, search or export, and
     * it is deleted when its session ends (docs/memory.md, "Incognito"). Set at creation only.
     */
    incognito: boolean('incognito').notNull().default(false),
    /** The last message of the visible branch; null for an empty conversation. */
    activeLeafId: uuid('active_leaf_id').references((): AnyPgColumn => messages.id, {
      onDelete: 'set null',
    }),
    /** Model for this conversation (`provider/model`); null = the avatar's, then the user's default. */
    model: text('model'),
    /** The conversation's own system prompt and author's note (domain/conversation-prompt.ts). */
    prompt: jsonb('prompt').$type<Record<string, unknown>>().notNull().default({}),
    /** Sampling settings that override the avatar's here (domain/generation-settings.ts). */
    generation: jsonb('generation').$type<Record<string, unknown>>().notNull().default({}),
    messageCount: integer('message_count').notNull().default(0),
    lastMessageAt: timestamp('last_message_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('conversations_owner_recent_idx').on(t.ownerId, t.pinned, t.lastMessageAt),
    index('conversations_avatar_id_idx').on(t.avatarId),
    index('conversations_active_leaf_id_idx').on(t.activeLeafId),
    // Few rows: the purge job, and the filters that leave incognito conversations out, read it.
    index('conversations_incognito_idx').on(t.ownerId).where(sql`${t.incognito}`),
    check('conversations_title_source_check', sql`${t.titleSource} in ('auto', 'user')`),
  ],
);

export type { MessageError };

/**
 * One message of a conversation tree. Siblings share a parent and sort by id (UUIDv7).
 * `summary` is a running summary of the branch from the root through this message (written by
 * the background summarizer), so any branch below it can reuse it.
 */
export const messages = pgTable(
  'messages',
  {
    id: id(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    parentId: uuid('parent_id').references((): AnyPgColumn => messages.id, { onDelete: 'cascade' }),
    role: text('role', { enum: MESSAGE_ROLES }).notNull(),
    /** The text parts joined: what search (`tsv`), previews and plain-text readers use. */
    content: text('content').notNull().default(''),
    /** The message, in order: text, reasoning, tool calls and results, files (domain/message-parts.ts). */
    parts: jsonb('parts').$type<MessagePart[]>().notNull().default([]),
    /**
     * The turn: everything one user message started (its replies from one or several avatars or
     * models, their tool messages) shares the id of that user message; a greeting is its own turn.
     */
    turnId: uuid('turn_id'),
    /** Who speaks it: an avatar (replies) or a person (user messages); both null for system text. */
    speakerAvatarId: uuid('speaker_avatar_id').references(() => avatars.id, { onDelete: 'set null' }),
    speakerUserId: uuid('speaker_user_id').references(() => users.id, { onDelete: 'set null' }),
    /** Prompt tokens of this message as `tokenCounter` counts them, so history is not counted again each turn. */
    tokenCount: integer('token_count'),
    tokenCounter: text('token_counter'),
    status: text('status', { enum: MESSAGE_STATUSES }).notNull().default('complete'),
    error: jsonb('error').$type<MessageError | null>(),
    model: text('model'),
    finishReason: text('finish_reason'),
    inputTokens: integer('input_tokens'),
    outputTokens: integer('output_tokens'),
    costUsd: numeric('cost_usd', { precision: 14, scale: 8, mode: 'number' }),
    timeToFirstTokenMs: integer('time_to_first_token_ms'),
    durationMs: integer('duration_ms'),
    /** The server instance writing a `streaming` reply (crash recovery checks whether it is alive). */
    writerId: text('writer_id'),
    summary: text('summary'),
    /** Anything an import brought that has no column (SillyTavern swipes, ChatGPT metadata …). */
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    /**
     * The search vector of a settled message; null while a reply streams, so a flush (the whole
     * text so far, every tick) does not tokenize it again and rewrite its GIN entries: the finish
     * write computes it once (migration 0009, docs/conversations.md).
     */
    tsv: tsvector('tsv').generatedAlwaysAs(
      sql`case when status = 'streaming' then null else to_tsvector('simple', content) end`,
    ),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('messages_conversation_parent_idx').on(t.conversationId, t.parentId),
    index('messages_parent_id_idx').on(t.parentId),
    index('messages_owner_created_idx').on(t.ownerId, t.createdAt),
    index('messages_tsv_idx').using('gin', t.tsv),
    /** Search by model: ANDed with the text index, or read newest first (bench/search.mjs). */
    index('messages_owner_model_idx').on(t.ownerId, t.model, t.createdAt).where(sql`${t.model} is not null`),
    index('messages_streaming_idx').on(t.writerId).where(sql`${t.status} = 'streaming'`),
    index('messages_conversation_turn_idx').on(t.conversationId, t.turnId),
    index('messages_speaker_avatar_id_idx').on(t.speakerAvatarId),
    index('messages_speaker_user_id_idx').on(t.speakerUserId),
    check('messages_role_check', sql`${t.role} in ('user', 'assistant', 'system', 'tool')`),
    check('messages_one_speaker_check', sql`${t.speakerAvatarId} is null or ${t.speakerUserId} is null`),
    check(
      'messages_status_check',
      sql`${t.status} in ('complete', 'streaming', 'cancelled', 'error', 'interrupted')`,
    ),
  ],
);

/**
 * The avatars and people of a conversation, with their role (domain/participant.ts). Exactly one
 * of `avatarId` and `userId` is set. `conversations.avatar_id` stays the avatar that answers by
 * default; the owner is also `conversations.owner_id`.
 */
export const conversationParticipants = pgTable(
  'conversation_participants',
  {
    id: id(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    avatarId: uuid('avatar_id').references(() => avatars.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: PARTICIPANT_ROLES }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('conversation_participants_avatar_idx')
      .on(t.conversationId, t.avatarId)
      .where(sql`${t.avatarId} is not null`),
    uniqueIndex('conversation_participants_user_idx')
      .on(t.conversationId, t.userId)
      .where(sql`${t.userId} is not null`),
    index('conversation_participants_avatar_id_idx').on(t.avatarId),
    index('conversation_participants_user_id_idx').on(t.userId),
    check('conversation_participants_role_check', sql`${t.role} in ('owner', 'participant', 'viewer')`),
    check('conversation_participants_one_kind_check', sql`(${t.avatarId} is null) <> (${t.userId} is null)`),
    check(
      'conversation_participants_avatar_role_check',
      sql`${t.avatarId} is null or ${t.role} = 'participant'`,
    ),
  ],
);

export type ConversationParticipantRow = typeof conversationParticipants.$inferSelect;
export type ConversationRow = typeof conversations.$inferSelect;
export type NewConversationRow = typeof conversations.$inferInsert;
export type MessageRow = typeof messages.$inferSelect;
export type NewMessageRow = typeof messages.$inferInsert;
