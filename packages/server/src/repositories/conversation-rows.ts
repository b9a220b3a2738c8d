import { getTableColumns, sql } from 'drizzle-orm';
import pg from 'pg';
import { type Database, queryRows } from '../db/database.js';
import { preparedRows } from '../db/prepared-statement.js';
import { type AvatarRow, avatars, type ConversationRow, type MessageRow } from '../db/schema/index.js';
import { isUuid } from '../ids.js';

/**
 * Reads every message of a conversation fast, for walking its tree in memory (a recursive CTE
 * pays an index lookup per ancestor: 200+ ms for a 10,000-message branch). Each driver gets the
 * result shape it decodes fastest (10,000 rows, docs/performance.md):
 * - PGlite decodes every result field in JavaScript, slowly: one JSON text of row arrays and one
 *   JSON.parse (~70 ms instead of ~160 ms);
 * - node-postgres decodes plain rows quickly, and building JSON costs PostgreSQL more than
 *   sending rows: array rows, timestamps as epoch milliseconds (~47 ms instead of ~65 ms).
 * Conversation and owner are the same on every row, so they are not repeated.
 */

/** One message as both shapes carry it; timestamps are ISO text (JSON) or epoch ms (rows). */
export type RowValues = [
  id: string,
  parentId: string | null,
  role: MessageRow['role'],
  content: string,
  status: MessageRow['status'],
  error: MessageRow['error'],
  model: string | null,
  finishReason: string | null,
  inputTokens: number | null,
  outputTokens: number | null,
  costUsd: number | null,
  timeToFirstTokenMs: number | null,
  durationMs: number | null,
  writerId: string | null,
  summary: string | null,
  metadata: Record<string, unknown>,
  parts: MessageRow['parts'],
  turnId: string | null,
  speakerAvatarId: string | null,
  speakerUserId: string | null,
  tokenCount: number | null,
  tokenCounter: string | null,
  createdAt: string | number,
  updatedAt: string | number,
];

export interface ConversationRows {
  conversationId: string;
  ownerId: string;
  rows: RowValues[];
}

export const SHARED_COLUMNS = `id, parent_id, role, content, status, error, model, finish_reason, input_tokens,
  output_tokens, cost_usd, time_to_first_token_ms, duration_ms, writer_id, summary, metadata, parts, turn_id,
  speaker_avatar_id, speaker_user_id, token_count, token_counter`;

const ROWS_SQL = `select ${SHARED_COLUMNS.replace('cost_usd', 'cost_usd::float8')},
    date_part('epoch', created_at) * 1000, date_part('epoch', updated_at) * 1000, conversation_id
  from messages
  where conversation_id = (select conversation_id from messages where id = $1 and owner_id = $2)`;

const JSON_ROWS_TEXT = `json_agg(json_build_array(${SHARED_COLUMNS}, created_at, updated_at))::text`;
const JSON_ROWS = sql.raw(JSON_ROWS_TEXT);

/** The messages of the conversation holding `messageId`, if `userId` owns it. */
export async function loadConversationRows(
  db: Database,
  userId: string,
  messageId: string,
): Promise<ConversationRows | undefined> {
  const client = (db as unknown as { $client?: unknown }).$client;
  if (client instanceof pg.Pool) {
    const result = await client.query<unknown[]>({
      text: ROWS_SQL,
      values: [messageId, userId],
      rowMode: 'array',
    });
    const first = result.rows[0];
    if (!first) return undefined;
    return {
      conversationId: first[24] as string,
      ownerId: userId,
      rows: result.rows as unknown as RowValues[],
    };
  }
  const [found] = await queryRows<{ conversation_id: string; rows: string }>(
    db,
    sql`select l.conversation_id,
               (select ${JSON_ROWS} from messages where conversation_id = l.conversation_id) as rows
        from messages l where l.id = ${messageId} and l.owner_id = ${userId}`,
  );
  if (!found) return undefined;
  return {
    conversationId: found.conversation_id,
    ownerId: userId,
    rows: JSON.parse(found.rows) as RowValues[],
  };
}

/** Which conversation to load: by its id, or the one holding a message. */
export type ConversationKey = { conversationId: string } | { messageId: string };

/** The conversation row as `row_to_json` writes it (snake_case keys, ISO timestamps). */
interface ConversationJson {
  id: string;
  owner_id: string;
  avatar_id: string;
  title: string;
  title_source: ConversationRow['titleSource'];
  tags: string[];
  pinned: boolean;
  archived: boolean;
  incognito: boolean;
  active_leaf_id: string | null;
  model: string | null;
  prompt: Record<string, unknown>;
  generation: Record<string, unknown>;
  message_count: number;
  last_message_at: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * Who speaks in a conversation's replies, read with its tree (a turn used to read them in a
 * statement of its own): the conversation's avatar if the user may still use it (their own, or
 * shared with the instance; null otherwise), and the user's names (null when the user is gone).
 */
export interface ConversationSpeaker {
  avatar: AvatarRow | null;
  user: { name: string; preferredName: string | null } | null;
}

export interface ConversationWithRows {
  conversation: ConversationRow;
  rows: ConversationRows;
  speaker: ConversationSpeaker;
}

/** The conversation, its avatar (as the user may see it) and the user's names, as one JSON array. */
const HEAD_JSON = `json_build_array(
    row_to_json(c),
    (select row_to_json(a) from avatars a
      where a.id = c.avatar_id and (a.owner_id = $2 or a.visibility = 'instance')),
    (select json_build_array(u.name, u.preferred_name) from users u where u.id = $2)
  )::text`;

// node-postgres: the message rows of ROWS_SQL's shape, and one more row holding the conversation
// head (HEAD_JSON) in the last column (null on message rows). UNION ALL keeps both in one round
// trip; the head row is found by that column, not by its position (a parallel append may mix them).
const treeRowsSql = (conversation: string) => `with c as (
    select * from conversations where id = ${conversation} and owner_id = $2
  )
  select ${SHARED_COLUMNS.replace('cost_usd', 'cost_usd::float8')},
    date_part('epoch', created_at) * 1000, date_part('epoch', updated_at) * 1000, null::text
  from messages where conversation_id = (select id from c)
  union all
  select ${Array.from({ length: 24 }, () => 'null').join(', ')}, ${HEAD_JSON} from c`;

const TREE_SQL = {
  conversationId: treeRowsSql('$1::uuid'),
  messageId: treeRowsSql('(select conversation_id from messages where id = $1 and owner_id = $2)'),
};

/**
 * A conversation the user owns and all its messages, in ONE statement (a turn used to read the
 * conversation, then its messages): by the conversation's id or by one of its messages' ids.
 */
export async function loadConversationWithRows(
  db: Database,
  userId: string,
  key: ConversationKey,
): Promise<ConversationWithRows | undefined> {
  const id = 'conversationId' in key ? key.conversationId : key.messageId;
  // Both ids are UUIDs (a route or a session checked them); anything else matches no row, on both
  // drivers alike (and never reaches the database as a malformed uuid).
  if (!isUuid(id) || !isUuid(userId)) return undefined;
  // Named statements, prepared once per connection (db/prepared-statement.ts): every turn runs
  // one, and planning it each time cost more than running it on a short conversation.
  const byConversation = 'conversationId' in key;
  if ((db as unknown as { $client?: unknown }).$client instanceof pg.Pool) {
    const rows = (await preparedRows(
      db,
      byConversation ? 'lumina_tree_by_conversation' : 'lumina_tree_by_message',
      byConversation ? TREE_SQL.conversationId : TREE_SQL.messageId,
      [id, userId],
    )) as (RowValues | [...RowValues, string | null])[];
    const at = rows.findIndex((row) => row[24] != null);
    if (at < 0) return undefined;
    const [found] = rows.splice(at, 1);
    const head = parseHead(found![24] as string);
    return {
      ...head,
      rows: { conversationId: head.conversation.id, ownerId: userId, rows: rows as RowValues[] },
    };
  }
  const [found] = (await preparedRows(
    db,
    byConversation ? 'lumina_pglite_tree_by_conversation' : 'lumina_pglite_tree_by_message',
    byConversation ? PGLITE_TREE_SQL.conversationId : PGLITE_TREE_SQL.messageId,
    [id, userId],
  )) as [head: string, rows: string | null][];
  if (!found) return undefined;
  const head = parseHead(found[0]);
  return {
    ...head,
    rows: {
      conversationId: head.conversation.id,
      ownerId: userId,
      rows: found[1] ? (JSON.parse(found[1]) as RowValues[]) : [],
    },
  };
}

// PGlite: the head and every message as JSON text in one row (see the top of this file).
const pgliteTreeSql = (conversation: string) => `select ${HEAD_JSON} as head,
    (select ${JSON_ROWS_TEXT} from messages where conversation_id = c.id) as rows
  from conversations c where c.id = ${conversation} and c.owner_id = $2`;

const PGLITE_TREE_SQL = {
  conversationId: pgliteTreeSql('$1::uuid'),
  messageId: pgliteTreeSql('(select conversation_id from messages where id = $1 and owner_id = $2)'),
};

/** HEAD_JSON's array: the conversation, the avatar row (or null), the user's names (or null). */
function parseHead(text: string): { conversation: ConversationRow; speaker: ConversationSpeaker } {
  const [conversation, avatar, user] = JSON.parse(text) as [
    ConversationJson,
    Record<string, unknown> | null,
    [string, string | null] | null,
  ];
  return {
    conversation: toConversationRow(conversation),
    speaker: {
      avatar: avatar ? toAvatarRow(avatar) : null,
      user: user ? { name: user[0], preferredName: user[1] } : null,
    },
  };
}

/** Each avatar column's key, its SQL name, and whether it is a timestamp (ISO text in JSON). */
const AVATAR_COLUMNS = Object.entries(getTableColumns(avatars)).map(
  ([key, column]) => [key, column.name, column.columnType === 'PgTimestamp'] as const,
);

/** An avatar as `row_to_json` writes it (snake_case keys, ISO timestamps) → the row Drizzle reads. */
function toAvatarRow(json: Record<string, unknown>): AvatarRow {
  const row: Record<string, unknown> = {};
  for (const [key, name, timestamp] of AVATAR_COLUMNS) {
    const value = json[name] ?? null;
    row[key] = timestamp && value !== null ? new Date(value as string) : value;
  }
  return row as AvatarRow;
}

function toConversationRow(c: ConversationJson): ConversationRow {
  return {
    id: c.id,
    ownerId: c.owner_id,
    avatarId: c.avatar_id,
    title: c.title,
    titleSource: c.title_source,
    tags: c.tags,
    pinned: c.pinned,
    archived: c.archived,
    incognito: c.incognito,
    activeLeafId: c.active_leaf_id,
    model: c.model,
    prompt: c.prompt,
    generation: c.generation,
    messageCount: c.message_count,
    lastMessageAt: c.last_message_at === null ? null : new Date(c.last_message_at),
    createdAt: new Date(c.created_at),
    updatedAt: new Date(c.updated_at),
  };
}

/** One object literal (one hidden class): several times faster than assigning keys in a loop. */
export function toMessageRow(v: RowValues, conversation: ConversationRows): MessageRow {
  const row: Omit<MessageRow, 'tsv'> = {
    id: v[0],
    conversationId: conversation.conversationId,
    ownerId: conversation.ownerId,
    parentId: v[1],
    role: v[2],
    content: v[3],
    status: v[4],
    error: v[5],
    model: v[6],
    finishReason: v[7],
    inputTokens: v[8],
    outputTokens: v[9],
    costUsd: v[10],
    timeToFirstTokenMs: v[11],
    durationMs: v[12],
    writerId: v[13],
    summary: v[14],
    metadata: v[15],
    parts: v[16],
    turnId: v[17],
    speakerAvatarId: v[18],
    speakerUserId: v[19],
    tokenCount: v[20],
    tokenCounter: v[21],
    createdAt: new Date(v[22]),
    updatedAt: new Date(v[23]),
  };
  return row as MessageRow;
}
