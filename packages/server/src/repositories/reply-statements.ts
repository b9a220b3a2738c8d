import type { Database } from '../db/database.js';
import { messageRow } from '../db/message-row.js';
import { preparedRows } from '../db/prepared-statement.js';
import type { MessageRow, NewMessageRow } from '../db/schema/index.js';
import type { Message } from '../domain/message.js';
import type { UsageEvent } from '../domain/usage.js';
import { newId } from '../ids.js';

/**
 * The two writes of every turn, as fixed SQL text rather than Drizzle builders: building the
 * data-modifying CTEs and mapping their RETURNING rows cost ~1.3 ms of CPU each per turn on the
 * server (measured in-process against PostgreSQL, more than the database's own work), the rest of
 * the turn's statements together less. The text never changes (rows travel as one JSON parameter
 * through `jsonb_to_recordset`), so node-postgres prepares each once per connection (named
 * statements) and both drivers return array rows in the shape of conversation-rows.ts.
 */

/** Columns a turn's message is inserted with (everything else takes its default). */
export type AppendRow = Pick<
  NewMessageRow,
  | 'id'
  | 'conversationId'
  | 'ownerId'
  | 'parentId'
  | 'role'
  | 'content'
  | 'parts'
  | 'turnId'
  | 'speakerAvatarId'
  | 'speakerUserId'
  | 'status'
  | 'model'
  | 'writerId'
  | 'metadata'
  | 'createdAt'
  | 'updatedAt'
>;

/** How a reply ended: every column its final write sets. */
export type ReplyFinish = Required<
  Pick<
    NewMessageRow,
    | 'parts'
    | 'status'
    | 'error'
    | 'model'
    | 'finishReason'
    | 'inputTokens'
    | 'outputTokens'
    | 'costUsd'
    | 'timeToFirstTokenMs'
    | 'durationMs'
    | 'writerId'
  >
> & { content: string };

// Only what the database decided (the times); everything else is what the statement wrote, so the
// rows are built from it: PGlite decodes each result field in JavaScript (24 columns × 2 rows).
const RETURNING = `id, date_part('epoch', created_at) * 1000, date_part('epoch', updated_at) * 1000`;

const APPEND_SQL = `with v as (
    select * from jsonb_to_recordset($1::jsonb) as v(
      ord int, id uuid, conversation_id uuid, owner_id uuid, parent_id uuid, role text, content text,
      parts jsonb, turn_id uuid, speaker_avatar_id uuid, speaker_user_id uuid, status text, model text,
      writer_id text, metadata jsonb, created_at timestamptz, updated_at timestamptz)
  ), moved as (
    update conversations
    set active_leaf_id = $2::uuid, message_count = message_count + $3::int,
      last_message_at = coalesce($4::timestamptz, now()), updated_at = now()
    where id = $5::uuid
  )
  insert into messages (id, conversation_id, owner_id, parent_id, role, content, parts, turn_id,
    speaker_avatar_id, speaker_user_id, status, model, writer_id, metadata, created_at, updated_at)
  select id, conversation_id, owner_id, parent_id, role, coalesce(content, ''),
    coalesce(parts, '[]'::jsonb), turn_id, speaker_avatar_id,
    speaker_user_id, coalesce(status, 'complete'), model, writer_id, coalesce(metadata, '{}'::jsonb),
    coalesce(created_at, now()), coalesce(updated_at, now())
  from v order by ord
  returning ${RETURNING}`;

const FINISH_SET = `update messages
  set content = $1, parts = $2::jsonb, status = $3, error = $4::jsonb, model = $5,
    finish_reason = $6, input_tokens = $7::int, output_tokens = $8::int, cost_usd = $9::numeric,
    time_to_first_token_ms = $10::int, duration_ms = $11::int, writer_id = $12, updated_at = now()
  where id = $13::uuid
  returning ${RETURNING}`;

/** The finish alone (a reply that made no model call, or whose usage the database refused). */
const FINISH_SQL = FINISH_SET;

/** The finish with the usage events of the reply's model calls ($14: a JSON array). */
const FINISH_WITH_USAGE_SQL = `with recorded as (
    insert into usage_events (id, user_id, provider, model, purpose, avatar_id, input_tokens,
      output_tokens, tokens_reported, cost_usd, time_to_first_token_ms, duration_ms, status, error_code)
    select id, user_id, provider, model, purpose, avatar_id, input_tokens, output_tokens,
      tokens_reported, cost_usd, time_to_first_token_ms, duration_ms, status, error_code
    from jsonb_to_recordset($14::jsonb) as u(id uuid, user_id uuid, provider text, model text,
      purpose text, avatar_id uuid, input_tokens int, output_tokens int, tokens_reported boolean,
      cost_usd numeric, time_to_first_token_ms int, duration_ms int, status text, error_code text)
    on conflict (id) do nothing
  )
  ${FINISH_SET}`;

/** A RETURNING row: the id, then created_at and updated_at as epoch milliseconds. */
type Written = [id: string, createdAt: number, updatedAt: number];

/** Runs fixed SQL for array rows as a named statement, prepared once (db/prepared-statement.ts). */
async function arrayRows(db: Database, name: string, text: string, values: unknown[]): Promise<Written[]> {
  return (await preparedRows(db, name, text, values)) as Written[];
}

/**
 * Inserts a turn's messages (parents first) and moves the conversation's visible branch to the
 * last, in ONE statement (the update is a data-modifying CTE of the insert): atomic like a
 * transaction — a reply row is never stored without its question — in one round trip. Rows come
 * back in the order given.
 */
export async function appendMessages(
  db: Database,
  conversationId: string,
  rows: (AppendRow & { id: string; content: string })[],
): Promise<MessageRow[]> {
  const last = rows.at(-1)!;
  const values = JSON.stringify(
    rows.map((row, ord) => ({
      ord,
      id: row.id,
      conversation_id: row.conversationId,
      owner_id: row.ownerId,
      parent_id: row.parentId ?? null,
      role: row.role,
      content: row.content,
      parts: row.parts,
      turn_id: row.turnId ?? null,
      speaker_avatar_id: row.speakerAvatarId ?? null,
      speaker_user_id: row.speakerUserId ?? null,
      status: row.status ?? null,
      model: row.model ?? null,
      writer_id: row.writerId ?? null,
      metadata: row.metadata ?? null,
      created_at: row.createdAt ?? null,
      updated_at: row.updatedAt ?? null,
    })),
  );
  const stored = await arrayRows(db, 'lumina_append_messages', APPEND_SQL, [
    values,
    last.id,
    rows.length,
    last.createdAt ?? null,
    conversationId,
  ]);
  const times = new Map(stored.map(([id, created, updated]) => [id, [created, updated] as const]));
  return rows.map((row) => {
    const [created, updated] = times.get(row.id)!;
    const { tsv: _tsv, ...message } = messageRow({
      id: row.id,
      conversationId: row.conversationId,
      ownerId: row.ownerId,
      parentId: row.parentId ?? null,
      role: row.role,
      content: row.content,
      parts: row.parts ?? [],
      turnId: row.turnId ?? null,
      speakerAvatarId: row.speakerAvatarId ?? null,
      speakerUserId: row.speakerUserId ?? null,
      status: row.status ?? 'complete',
      model: row.model ?? null,
      writerId: row.writerId ?? null,
      metadata: row.metadata ?? {},
      createdAt: new Date(created),
      updatedAt: new Date(updated),
    });
    return message as MessageRow;
  });
}

/**
 * Stores how a reply ended with its usage events (a data-modifying CTE of the UPDATE), in one
 * statement. Each event keeps the id its caller gave it and a conflict is skipped, so a finish
 * written again (a retry that cannot tell whether the first attempt landed) counts no call twice.
 */
export async function finishReply(
  db: Database,
  reply: Message,
  fields: ReplyFinish,
  usage: UsageEvent[],
): Promise<Message | undefined> {
  const id = reply.id;
  const values = [
    fields.content,
    JSON.stringify(fields.parts),
    fields.status,
    fields.error === null ? null : JSON.stringify(fields.error),
    fields.model,
    fields.finishReason,
    fields.inputTokens,
    fields.outputTokens,
    fields.costUsd,
    fields.timeToFirstTokenMs,
    fields.durationMs,
    fields.writerId,
    id,
  ];
  const [row] =
    usage.length === 0
      ? await arrayRows(db, 'lumina_finish_reply', FINISH_SQL, values)
      : await arrayRows(db, 'lumina_finish_reply_usage', FINISH_WITH_USAGE_SQL, [
          ...values,
          usageJson(usage),
        ]);
  // The row as stored: what it was with what this statement wrote (only flushes, which this
  // overwrites, touch a streaming reply in between).
  return row ? { ...reply, ...fields, updatedAt: new Date(row[2]) } : undefined;
}

/** Usage events as the JSON array FINISH_WITH_USAGE_SQL reads (an id made for any without one). */
const usageJson = (usage: UsageEvent[]) =>
  JSON.stringify(
    usage.map((e) => ({
      id: e.id ?? newId(),
      user_id: e.userId,
      provider: e.provider,
      model: e.model,
      purpose: e.purpose,
      avatar_id: e.avatarId,
      input_tokens: e.inputTokens,
      output_tokens: e.outputTokens,
      tokens_reported: e.tokensReported,
      cost_usd: e.costUsd,
      time_to_first_token_ms: e.timeToFirstTokenMs,
      duration_ms: e.durationMs,
      status: e.status,
      error_code: e.errorCode,
    })),
  );
