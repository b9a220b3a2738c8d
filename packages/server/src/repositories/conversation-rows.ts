import { sql } from 'drizzle-orm';
import pg from 'pg';
import { type Database, queryRows } from '../db/database.js';
import type { MessageRow } from '../db/schema/index.js';

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
type RowValues = [
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

const SHARED_COLUMNS = `id, parent_id, role, content, status, error, model, finish_reason, input_tokens,
  output_tokens, cost_usd, time_to_first_token_ms, duration_ms, writer_id, summary, metadata, parts, turn_id,
  speaker_avatar_id, speaker_user_id, token_count, token_counter`;

const ROWS_SQL = `select ${SHARED_COLUMNS.replace('cost_usd', 'cost_usd::float8')},
    date_part('epoch', created_at) * 1000, date_part('epoch', updated_at) * 1000, conversation_id
  from messages
  where conversation_id = (select conversation_id from messages where id = $1 and owner_id = $2)`;

const JSON_ROWS = sql.raw(`json_agg(json_build_array(${SHARED_COLUMNS}, created_at, updated_at))::text`);

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
