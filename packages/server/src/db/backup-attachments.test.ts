import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAttachmentRepository } from '../repositories/attachment.repository.js';
import { createUserRepository } from '../repositories/user.repository.js';
import { createAttachmentService } from '../services/attachment.service.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { backupDatabase, restoreDatabase } from './backup.js';
import { queryRows } from './database.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-backup-attachments-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface FileColumns {
  id: string;
  name: string | null;
  mime_type: string;
  bytes_hex: string;
  extracted_text: string | null;
  text_truncated: boolean;
  width: number | null;
}

const filesIn = (storage: TestStorage) =>
  queryRows<FileColumns>(
    storage.db,
    sql`select id, name, mime_type, encode(bytes, 'hex') as bytes_hex, extracted_text, text_truncated, width
        from files order by id`,
  );

describeStorage('attachments through a backup, and with their account (%s)', (mode) => {
  let source: TestStorage;
  let target: TestStorage;
  let ownerId: string;

  beforeAll(async () => {
    [source, target] = await Promise.all([createTestStorage(mode), createTestStorage(mode)]);
    ownerId = (
      await createUserRepository(source.db).create({ email: 'f@example.org', passwordHash: 'x', name: 'F' })
    ).id;
    const attachments = createAttachmentService({ attachments: createAttachmentRepository(source.db) });
    await attachments.upload(ownerId, {
      bytes: Buffer.from('Ünïcode 🌌 text\nwith "quotes" and \\ backslashes'),
      fileName: 'notes “1”.md',
      claimedType: 'text/markdown',
    });
    await attachments.upload(ownerId, {
      bytes: Buffer.from('y'.repeat(200_010)),
      fileName: 'long.txt',
      claimedType: undefined,
    });
    await attachments.upload(ownerId, {
      bytes: await sharp({ create: { width: 30, height: 20, channels: 3, background: '#102030' } })
        .png()
        .toBuffer(),
      fileName: 'pixel.png',
      claimedType: 'image/png',
    });
  });
  afterAll(async () => {
    await Promise.all([source?.close(), target?.close()]);
  });

  it('restores names, bytes, extracted text and the truncated flag exactly', async () => {
    const file = path.join(dir, `now-${mode}`);
    await backupDatabase(source.db, file);
    const rows = zlib
      .gunzipSync(fs.readFileSync(file))
      .toString()
      .split('\n')
      .filter((l) => l.startsWith('{"table":"files"'));
    expect(rows.join('')).toContain('"extracted_text"');
    await restoreDatabase(target.db, file, { force: true });
    const before = await filesIn(source);
    expect(before).toHaveLength(3);
    expect(before.map((f) => [f.name, f.text_truncated])).toEqual(
      expect.arrayContaining([
        ['notes “1”.md', false],
        ['long.txt', true],
        ['pixel.png', false],
      ]),
    );
    expect(await filesIn(target)).toEqual(before);
  });

  it('restores a backup made before attachments (schema 0012): files get no name and no text', async () => {
    const file = path.join(dir, `now-${mode}`);
    const lines = zlib.gunzipSync(fs.readFileSync(file)).toString().trim().split('\n');
    const old = lines.map((line, index) => {
      const value = JSON.parse(line) as { table?: string; rows?: Record<string, unknown>[] };
      if (index === 0) return JSON.stringify({ ...value, schema: '0012' });
      if (value.table !== 'files') return line;
      return JSON.stringify({
        ...value,
        rows: value.rows!.map(({ name: _n, extracted_text: _t, text_truncated: _f, ...row }) => row),
      });
    });
    const oldFile = path.join(dir, `old-${mode}`);
    fs.writeFileSync(oldFile, zlib.gzipSync(`${old.join('\n')}\n`));
    await restoreDatabase(target.db, oldFile, { force: true });
    const restored = await filesIn(target);
    expect(restored).toHaveLength(3);
    for (const f of restored)
      expect(f).toMatchObject({ name: null, extracted_text: null, text_truncated: false });
  });

  it('deletes the attachments, text included, with the account', async () => {
    await source.db.execute(sql`delete from users where id = ${ownerId}`);
    expect(await filesIn(source)).toEqual([]);
  });
});
