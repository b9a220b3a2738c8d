import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSessionRepository } from '../repositories/session.repository.js';
import { createSettingsRepository } from '../repositories/settings.repository.js';
import { createUserRepository } from '../repositories/user.repository.js';
import {
  createTestStorage,
  describeStorage,
  describeStoragePairs,
  type TestStorage,
} from '../test-support/storage.js';
import { BackupError, backupDatabase, restoreDatabase, tablesInDependencyOrder } from './backup.js';
import { queryRows } from './database.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-backup-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function seed(storage: TestStorage) {
  const users = createUserRepository(storage.db);
  const ada = await users.create({
    email: 'ada@example.org',
    passwordHash: 'h1',
    name: 'Ada',
    role: 'admin',
  });
  const bob = await users.create({ email: 'bob@example.org', passwordHash: 'h2', name: "Bob 'O\"Neil' 🚀" });
  await createSessionRepository(storage.db).create({
    userId: bob.id,
    tokenHash: 'x',
    expiresAt: new Date('2030-01-02T03:04:05.678Z'),
    userAgent: null,
  });
  await createSettingsRepository(storage.db).putForUser(ada.id, {
    theme: 'dark',
    nested: { list: [1, 'two', null] },
  });
  await createSettingsRepository(storage.db).putSystem('signup', { open: false });
}

/** Every row of every table, as JSON text, in a stable order. */
async function snapshot(storage: TestStorage) {
  const out: Record<string, string[]> = {};
  for (const table of tablesInDependencyOrder()) {
    const rows = await queryRows<{ row: string }>(
      storage.db,
      sql`select row_to_json(t)::text as row from ${sql.identifier(table.name)} t order by 1`,
    );
    out[table.name] = rows.map((r) => r.row);
  }
  return out;
}

describeStoragePairs('backup from %s, restore into %s', (from, to) => {
  let source: TestStorage;
  let target: TestStorage;
  beforeAll(async () => {
    [source, target] = await Promise.all([createTestStorage(from), createTestStorage(to)]);
    await seed(source);
  });
  afterAll(async () => {
    await source?.close();
    await target?.close();
  });

  it('round-trips every row exactly, and back again', async () => {
    const file = path.join(dir, `${from}-${to}.lumina-backup`);
    const summary = await backupDatabase(source.db, file);
    expect(summary.tables).toMatchObject({ users: 2, sessions: 1, user_settings: 1, system_settings: 1 });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    await restoreDatabase(target.db, file);
    expect(await snapshot(target)).toEqual(await snapshot(source));

    const back = path.join(dir, `${from}-${to}-back.lumina-backup`);
    await backupDatabase(target.db, back);
    await restoreDatabase(source.db, back, { force: true });
    expect(await snapshot(source)).toEqual(await snapshot(target));
  });

  it('refuses to overwrite a database that holds data unless forced', async () => {
    const file = path.join(dir, `${from}-${to}-again.lumina-backup`);
    await backupDatabase(source.db, file);
    await expect(restoreDatabase(target.db, file)).rejects.toThrow(/already holds data; pass --force/);
  });
});

describeStorage('restore of a bad file on %s changes nothing', (mode) => {
  let storage: TestStorage;
  let good: string;
  beforeAll(async () => {
    storage = await createTestStorage(mode);
    await seed(storage);
    good = path.join(dir, `good-${mode}.lumina-backup`);
    await backupDatabase(storage.db, good);
  });
  afterAll(() => storage?.close());

  const lines = () => zlib.gunzipSync(fs.readFileSync(good)).toString().trim().split('\n');
  const write = (name: string, content: string) => {
    const file = path.join(dir, `${name}-${mode}`);
    fs.writeFileSync(file, zlib.gzipSync(content));
    return file;
  };

  it.each([
    ['truncated', () => write('truncated', lines().slice(0, -1).join('\n')), /truncated/],
    [
      'not gzip',
      () => {
        fs.writeFileSync(path.join(dir, 'plain'), 'hello');
        return path.join(dir, 'plain');
      },
      /damaged/,
    ],
    ['not a backup', () => write('other', '{"hello":1}\n'), /not a Lumina backup/],
    [
      'a hostile table name',
      () =>
        write(
          'hostile',
          lines()
            .map((l, i) => (i === 1 ? l.replace(/"table":"\w+"/, '"table":"users; drop table users"') : l))
            .join('\n'),
        ),
      /unknown table/,
    ],
    [
      'an unknown column',
      () =>
        write(
          'column',
          lines()
            .map((l, i) => (i === 1 ? l.replace('"email"', '"evil"') : l))
            .join('\n'),
        ),
      /unknown column/,
    ],
    [
      'a newer schema',
      () =>
        write(
          'newer',
          lines()
            .map((l, i) => (i === 0 ? l.replace(/"schema":"\d+"/, '"schema":"9999"') : l))
            .join('\n'),
        ),
      /newer Lumina/,
    ],
    ['a missing file', () => path.join(dir, 'nope'), /no backup file/],
  ])('rejects %s', async (_name, makeFile, message) => {
    const before = await snapshot(storage);
    const error = await restoreDatabase(storage.db, makeFile(), { force: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupError);
    expect((error as Error).message).toMatch(message);
    expect(await snapshot(storage)).toEqual(before);
  });
});
