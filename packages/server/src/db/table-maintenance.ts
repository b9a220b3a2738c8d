import { sql } from 'drizzle-orm';
import { type Database, queryRows } from './database.js';
import type { StorageKind } from './storage.js';

/**
 * Keeps the planner's statistics fresh, and on embedded PGlite also does what autovacuum would.
 *
 * PGlite runs PostgreSQL in single-user mode: no autovacuum, so a table is never analyzed and
 * every plan is made from default estimates. Recall over a user's past messages planned that
 * way took 174 ms per reply with 2,000 messages instead of ~6 ms once analyzed (the semi-join
 * to conversations was driven from an estimated 1 conversation; docs/performance.md, "Chat with
 * memory on"). A fresh PostgreSQL database has the same plans for its first minute, until
 * autovacuum's first round.
 *
 * Every `intervalMs` (5 s) one catalog query compares each table's size now with its size at the last
 * analyze (`pg_class.relpages`); a table never analyzed that holds data, or one that grew or
 * shrank by a fifth (plus 8 pages), is analyzed — on PGlite with `VACUUM (ANALYZE)` when the
 * server is quiet and the table is at most 80 MB (vacuum reclaims the rows replaced while replies
 * stream), `ANALYZE` alone otherwise. PostgreSQL's own autovacuum still does its work; this only shortens the first
 * minute and costs one catalog query when nothing changed.
 */
export interface TableMaintenanceOptions {
  db: Database;
  kind: StorageKind;
  /** How often sizes are compared (default 5 s: one catalog query). */
  intervalMs?: number;
  /** True while replies are being written: PGlite's vacuum (it blocks the database) waits for a quiet round. */
  busy?: () => boolean;
  log?: { info(fields: object, message: string): void; warn(fields: object, message: string): void };
}

export interface TableMaintenance {
  /** One round now: the tables that needed it, analyzed (and vacuumed); resolves to what was done. */
  runOnce(): Promise<MaintainedTable[]>;
  stop(): void;
}

export interface MaintainedTable {
  table: string;
  vacuumed: boolean;
  ms: number;
}

interface TableSize {
  name: string;
  /** Pages at the last analyze (0 when never). */
  relpages: number;
  /** Rows at the last analyze (-1 when never). */
  reltuples: number;
  pages: number;
}

/** Grew or shrank by this share of its analyzed size (plus {@link SLACK_PAGES}) since the last analyze. */
const CHANGE_SHARE = 0.2;
const SLACK_PAGES = 8;
/** PGlite vacuums tables up to this size (80 MB of 8 kB pages); larger ones are analyzed only. */
export const VACUUM_MAX_PAGES = 10_000;
/** The advisory lock one PostgreSQL instance holds while it analyzes (db/migrate.ts has 7301946). */
const MAINTENANCE_LOCK = 7301948;

/** Whether a table's statistics are stale enough to analyze again. */
export function needsAnalyze(size: Pick<TableSize, 'relpages' | 'reltuples' | 'pages'>): boolean {
  if (size.pages === 0) return false;
  if (size.reltuples < 0) return true;
  return Math.abs(size.pages - size.relpages) > size.relpages * CHANGE_SHARE + SLACK_PAGES;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

export function startTableMaintenance(options: TableMaintenanceOptions): TableMaintenance {
  const { db, kind } = options;
  let running: Promise<MaintainedTable[]> | null = null;

  async function round(): Promise<MaintainedTable[]> {
    const sizes = await queryRows<TableSize>(
      db,
      sql`select c.relname as name, c.relpages::int as relpages, c.reltuples::float8 as reltuples,
                 (pg_relation_size(c.oid) / current_setting('block_size')::int)::int as pages
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relkind = 'r'`,
    );
    const stale = sizes.filter(needsAnalyze);
    if (stale.length === 0) return [];
    if (kind === 'postgres') {
      // Several instances share the database: one analyzes, the others skip the round (the next
      // finds fresh statistics). ANALYZE may run inside a transaction; the lock ends with it.
      return db.transaction(async (tx) => {
        const [lock] = await queryRows<{ got: boolean }>(
          tx,
          sql`select pg_try_advisory_xact_lock(${sql.raw(String(MAINTENANCE_LOCK))}) as got`,
        );
        return lock?.got ? analyzeAll(tx, stale) : [];
      });
    }
    return analyzeAll(db, stale);
  }

  async function analyzeAll(
    target: Pick<Database, 'execute'>,
    stale: TableSize[],
  ): Promise<MaintainedTable[]> {
    const done: MaintainedTable[] = [];
    for (const table of stale) {
      // Vacuum holds PGlite's only connection for as long as it reads the table: not while replies
      // stream, and not for a large table (its first vacuum reads every page; ANALYZE reads a
      // sample of at most 30,000 rows whatever the size).
      const vacuum = kind === 'pglite' && table.pages <= VACUUM_MAX_PAGES && !(options.busy?.() ?? false);
      const started = performance.now();
      await target.execute(sql.raw(`${vacuum ? 'vacuum (analyze)' : 'analyze'} ${quoteIdent(table.name)}`));
      done.push({ table: table.name, vacuumed: vacuum, ms: Math.round(performance.now() - started) });
    }
    if (done.length > 0) options.log?.info({ tables: done }, 'table statistics refreshed');
    return done;
  }

  function runOnce(): Promise<MaintainedTable[]> {
    running ??= round().finally(() => {
      running = null;
    });
    return running;
  }

  const timer = setInterval(() => {
    runOnce().catch((err: unknown) => options.log?.warn({ err }, 'table maintenance failed'));
  }, options.intervalMs ?? 5_000);
  timer.unref();
  return { runOnce, stop: () => clearInterval(timer) };
}
