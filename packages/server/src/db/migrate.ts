import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { type Database, queryRows } from './database.js';

/** Generated SQL migrations live in src/db/migrations; this path works from src/ and from dist/. */
export const migrationsFolder = fileURLToPath(new URL('../../src/db/migrations', import.meta.url));

export interface MigrationResult {
  applied: string[];
  latest: string;
}

/**
 * Applies pending migrations in one transaction, under an advisory lock so several instances
 * starting together against one PostgreSQL never race. `through` stops after that tag: upgrade
 * tests build the schema an older version had, fill it, then migrate the rest of the way.
 */
export async function migrate(db: Database, options: { through?: string } = {}): Promise<MigrationResult> {
  const all = readMigrationFiles({ migrationsFolder });
  const migrations = options.through === undefined ? all : all.slice(0, Number(options.through) + 1);
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(7301946)`);
    await tx.execute(sql`create table if not exists lumina_migrations (
      hash text primary key,
      tag text not null,
      applied_at timestamptz not null default now())`);
    const done = await queryRows<{ hash: string }>(tx, sql`select hash from lumina_migrations`);
    const doneHashes = new Set(done.map((r) => r.hash));
    for (const [index, migration] of migrations.entries()) {
      if (doneHashes.has(migration.hash)) continue;
      for (const statement of migration.sql) {
        if (statement.trim()) await tx.execute(sql.raw(statement));
      }
      const tag = migrationTag(index);
      await tx.execute(sql`insert into lumina_migrations (hash, tag) values (${migration.hash}, ${tag})`);
      applied.push(tag);
    }
  });
  return { applied, latest: migrationTag(all.length - 1) };
}

/** The name of the newest migration, used to tag backups with the schema they hold. */
export function latestMigrationTag(): string {
  return migrationTag(readMigrationFiles({ migrationsFolder }).length - 1);
}

function migrationTag(index: number): string {
  return String(index).padStart(4, '0');
}
