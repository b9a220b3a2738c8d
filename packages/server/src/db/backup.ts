import fs from 'node:fs';
import readline from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { sql } from 'drizzle-orm';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { type Database, queryRows } from './database.js';
import { latestMigrationTag } from './migrate.js';
import * as schema from './schema/index.js';

/**
 * Backups are gzip'd NDJSON: a header line, then `{table, rows}` batches in foreign-key order,
 * then an end line with row counts (a file without it is truncated). Rows are `row_to_json`
 * output and are loaded with `json_populate_recordset`, so one file moves between PGlite and
 * PostgreSQL in either direction.
 */
export const BACKUP_FORMAT = 'lumina-backup';
const BACKUP_VERSION = 1;
const BATCH = 1000;

export interface BackupSummary {
  schema: string;
  createdAt: string;
  tables: Record<string, number>;
}

export class BackupError extends Error {
  override name = 'BackupError';
}

interface TableInfo {
  name: string;
  columns: Set<string>;
  /** Computed by the database (`messages.tsv`): in a backup, but never inserted. */
  generated: Set<string>;
  /**
   * Nullable references that close a cycle between tables (`conversations.active_leaf_id` →
   * messages → conversations): restored by an update once every row is in.
   */
  deferred: Set<string>;
}

/** Every table in the schema, parents before children. */
export function tablesInDependencyOrder(): TableInfo[] {
  const tables: PgTable[] = (Object.values(schema) as unknown[]).filter(isTable);
  const configs = new Map(tables.map((t) => [t, configOf(t)]));
  const targets = (table: PgTable) =>
    configs.get(table)!.foreignKeys.map((fk) => ({ fk, to: fk.reference().foreignTable }));
  const reaches = (from: PgTable, to: PgTable, seen = new Set<PgTable>()): boolean => {
    if (from === to) return true;
    if (seen.has(from)) return false;
    seen.add(from);
    return targets(from).some((t) => t.to !== from && reaches(t.to, to, seen));
  };
  // A nullable reference to another table that leads back here is filled in after the inserts.
  const deferred = new Map<PgTable, Set<string>>();
  for (const table of tables) {
    const columns = new Set<string>();
    for (const { fk, to } of targets(table)) {
      const own = fk.reference().columns;
      if (to !== table && own.every((c) => !c.notNull) && reaches(to, table)) {
        for (const c of own) columns.add(c.name);
      }
    }
    deferred.set(table, columns);
  }
  const ordered: PgTable[] = [];
  const visit = (table: PgTable, path: Set<PgTable>) => {
    if (ordered.includes(table) || path.has(table)) return;
    path.add(table);
    for (const { fk, to } of targets(table)) {
      if (!fk.reference().columns.some((c) => deferred.get(table)!.has(c.name))) visit(to, path);
    }
    ordered.push(table);
  };
  for (const table of tables) visit(table, new Set());
  return ordered.map((t) => {
    const config = configs.get(t)!;
    return {
      name: config.name,
      columns: new Set(config.columns.map((c) => c.name)),
      generated: new Set(config.columns.filter((c) => c.generated !== undefined).map((c) => c.name)),
      deferred: deferred.get(t)!,
    };
  });
}

const configOf = (table: PgTable) => getTableConfig(table as Parameters<typeof getTableConfig>[0]);

function isTable(value: unknown): value is PgTable {
  try {
    return (
      typeof value === 'object' && value !== null && typeof getTableConfig(value as PgTable).name === 'string'
    );
  } catch {
    return false;
  }
}

/**
 * Leaves incognito conversations out of a backup (they are never kept past their session, so a
 * file must not keep them either: docs/memory.md, "Incognito"), with every row that hangs off
 * them: their messages and participants by `conversation_id`, message embeddings by their
 * message. Other tables have no row of theirs (nothing is extracted from them).
 */
function notIncognito(table: TableInfo) {
  const incognito = sql`array(select id from conversations where incognito)`;
  if (table.name === 'conversations') return sql`where not t.incognito`;
  if (table.columns.has('conversation_id')) return sql`where t.conversation_id <> all(${incognito})`;
  if (table.name === 'message_embeddings')
    return sql`where not exists (select 1 from messages m where m.id = t.message_id and m.conversation_id = any(${incognito}))`;
  return sql``;
}

/** Writes a consistent snapshot (one REPEATABLE READ transaction) of every table to `file`. */
export async function backupDatabase(db: Database, file: string): Promise<BackupSummary> {
  const summary: BackupSummary = {
    schema: latestMigrationTag(),
    createdAt: new Date().toISOString(),
    tables: {},
  };
  const lines: string[] = [];
  await db.transaction(
    async (tx) => {
      lines.push(
        JSON.stringify({ format: BACKUP_FORMAT, version: BACKUP_VERSION, ...summary, tables: undefined }),
      );
      for (const table of tablesInDependencyOrder()) {
        let count = 0;
        for (let offset = 0; ; offset += BATCH) {
          const rows = await queryRows<{ row: string }>(
            tx,
            sql`select row_to_json(t)::text as row from ${sql.identifier(table.name)} t
                ${notIncognito(table)} order by 1 limit ${BATCH} offset ${offset}`,
          );
          if (rows.length === 0) break;
          lines.push(`{"table":${JSON.stringify(table.name)},"rows":[${rows.map((r) => r.row).join(',')}]}`);
          count += rows.length;
          if (rows.length < BATCH) break;
        }
        summary.tables[table.name] = count;
      }
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
  lines.push(JSON.stringify({ end: true, tables: summary.tables }));
  const tmp = `${file}.partial`;
  await pipeline(
    Readable.from(lines.map((l) => `${l}\n`)),
    zlib.createGzip(),
    fs.createWriteStream(tmp, { mode: 0o600 }),
  );
  fs.renameSync(tmp, file);
  return summary;
}

export interface RestoreOptions {
  /** Replace existing data; without it, restoring into a database that holds users is refused. */
  force?: boolean;
}

/**
 * Loads a backup into a migrated database, all or nothing (one transaction). The file is read
 * and checked completely before anything is changed.
 */
export async function restoreDatabase(
  db: Database,
  file: string,
  options: RestoreOptions = {},
): Promise<BackupSummary> {
  const { header, batches, counts } = await readBackup(file);
  const known = new Map(tablesInDependencyOrder().map((t) => [t.name, t]));
  if (header.schema > latestMigrationTag()) {
    throw new BackupError(
      `the backup was made by a newer Lumina (schema ${header.schema}, this one knows ${latestMigrationTag()}); upgrade first`,
    );
  }
  for (const batch of batches) {
    const table = known.get(batch.table);
    if (!table) throw new BackupError(`the backup holds an unknown table "${batch.table}"`);
    for (const row of batch.rows) {
      const unknown = Object.keys(row).find((c) => !table.columns.has(c));
      if (unknown) throw new BackupError(`the backup holds an unknown column "${batch.table}.${unknown}"`);
    }
  }
  await db.transaction(async (tx) => {
    const [existing] = await queryRows<{ n: number }>(tx, sql`select count(*)::int as n from users`);
    if ((existing?.n ?? 0) > 0 && !options.force) {
      throw new BackupError('the target database already holds data; pass --force to replace it');
    }
    for (const table of [...known.values()].reverse())
      await tx.execute(sql`delete from ${sql.identifier(table.name)}`);
    for (const batch of batches) {
      const { generated, deferred } = known.get(batch.table)!;
      const columns = [...new Set(batch.rows.flatMap((r) => Object.keys(r)))].filter(
        (c) => !generated.has(c) && !deferred.has(c),
      );
      const list = sql.join(
        columns.map((c) => sql.identifier(c)),
        sql`, `,
      );
      await tx.execute(
        sql`insert into ${sql.identifier(batch.table)} (${list}) select ${list} from json_populate_recordset(null::${sql.identifier(batch.table)}, ${JSON.stringify(batch.rows)}::json)`,
      );
    }
    for (const batch of batches) {
      const { deferred } = known.get(batch.table)!;
      if (deferred.size === 0) continue;
      const table = sql.identifier(batch.table);
      const set = sql.join(
        [...deferred].map((c) => sql`${sql.identifier(c)} = v.${sql.identifier(c)}`),
        sql`, `,
      );
      await tx.execute(
        sql`update ${table} t set ${set} from json_populate_recordset(null::${table}, ${JSON.stringify(batch.rows)}::json) v where t.id = v.id`,
      );
    }
    for (const upgrade of OLDER_BACKUP_UPGRADES) {
      if (header.schema < upgrade.before) await tx.execute(upgrade.statement);
    }
  });
  return { schema: header.schema, createdAt: header.createdAt, tables: counts };
}

/**
 * What a migration computed from older rows, done again for a backup made before it (its rows
 * arrive without the new columns, which would otherwise keep their defaults).
 */
const OLDER_BACKUP_UPGRADES = [
  {
    // 0008: message parts. A message stored as text is one text part (as the migration does).
    before: '0008',
    statement: sql`update messages set parts = jsonb_build_array(jsonb_build_object('type', 'text', 'text', content))
      where content <> '' and parts = '[]'::jsonb`,
  },
  {
    // 0008: speakers — people wrote the user messages, the conversation's avatar the replies.
    before: '0008',
    statement: sql`update messages m set speaker_user_id = m.owner_id
      where m.role = 'user' and m.speaker_user_id is null and m.speaker_avatar_id is null`,
  },
  {
    before: '0008',
    statement: sql`update messages m set speaker_avatar_id = c.avatar_id from conversations c
      where c.id = m.conversation_id and m.role = 'assistant' and m.speaker_avatar_id is null and m.speaker_user_id is null`,
  },
  {
    // 0008: turns — a user message or a root opens one; every other message is in its parent's.
    before: '0008',
    statement: sql`with recursive turns as (
        select id, id as turn_id from messages where parent_id is null
        union all
        select m.id, case when m.role = 'user' then m.id else t.turn_id end
        from messages m join turns t on m.parent_id = t.id
      )
      update messages m set turn_id = turns.turn_id from turns where turns.id = m.id and m.turn_id is null`,
  },
  {
    // 0008: participants — each conversation holds its owner and its avatar.
    before: '0008',
    statement: sql`insert into conversation_participants (id, conversation_id, user_id, role, created_at)
      select gen_random_uuid(), c.id, c.owner_id, 'owner', c.created_at from conversations c
      where not exists (select 1 from conversation_participants p where p.conversation_id = c.id and p.user_id = c.owner_id)`,
  },
  {
    before: '0008',
    statement: sql`insert into conversation_participants (id, conversation_id, avatar_id, role, created_at)
      select gen_random_uuid(), c.id, c.avatar_id, 'participant', c.created_at from conversations c
      where not exists (select 1 from conversation_participants p where p.conversation_id = c.id and p.avatar_id = c.avatar_id)`,
  },
];

interface Batch {
  table: string;
  rows: Record<string, unknown>[];
}

async function readBackup(file: string) {
  if (!fs.existsSync(file)) throw new BackupError(`no backup file at ${file}`);
  const lines = readline.createInterface({
    input: fs.createReadStream(file).pipe(zlib.createGunzip()),
    crlfDelay: Infinity,
  });
  let header: { format?: string; version?: number; schema: string; createdAt: string } | undefined;
  let counts: Record<string, number> | undefined;
  const batches: Batch[] = [];
  try {
    for await (const line of lines) {
      if (!line) continue;
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (!header) {
        if (parsed.format !== BACKUP_FORMAT || typeof parsed.schema !== 'string') {
          throw new BackupError(`${file} is not a Lumina backup`);
        }
        if (parsed.version !== BACKUP_VERSION)
          throw new BackupError(`unsupported backup version ${String(parsed.version)}`);
        header = parsed as unknown as NonNullable<typeof header>;
      } else if (parsed.end === true) {
        counts = parsed.tables as Record<string, number>;
      } else if (typeof parsed.table === 'string' && Array.isArray(parsed.rows)) {
        batches.push({ table: parsed.table, rows: parsed.rows as Record<string, unknown>[] });
      } else {
        throw new BackupError(`${file} holds a line that is not part of a backup`);
      }
    }
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError(`${file} is damaged or not a Lumina backup (${(err as Error).message})`);
  }
  if (!header) throw new BackupError(`${file} is empty`);
  if (!counts) throw new BackupError(`${file} is truncated (no end marker); it cannot be restored safely`);
  return { header, batches, counts };
}
