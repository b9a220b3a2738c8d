import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../ids.js';
import { createAttachmentRepository } from '../repositories/attachment.repository.js';
import { createFileRepository } from '../repositories/file.repository.js';
import { createPostgresDatabase, describeStorage } from '../test-support/storage.js';
import { queryRows } from './database.js';
import { migrate } from './migrate.js';
import { openStorage, type Storage } from './storage.js';

describeStorage('files stored before migration 0013 (attachments) (%s)', (mode) => {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  const owner = newId();
  const picture = newId();

  beforeAll(async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-attachments-migration-'));
    const database = mode === 'postgres' ? await createPostgresDatabase() : undefined;
    storage = await openStorage({
      dataDir: database ? dataDir : 'memory://',
      databaseUrl: database?.url,
      migrate: false,
    });
    cleanup = async () => {
      await storage.close();
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
    // The schema as version 0012 left it, with an avatar picture in `files`.
    await migrate(storage.db, { through: '0012' });
    await storage.db.execute(sql`insert into users (id, email, password_hash, name)
      values (${owner}, 'old@example.org', 'x', 'Old')`);
    await storage.db.execute(sql`insert into files (id, owner_id, kind, mime_type, bytes, size_bytes, sha256, width, height)
      values (${picture}, ${owner}, 'avatar-image', 'image/webp', '\\x52494646'::bytea, 4, 'abc', 512, 512)`);
    expect((await migrate(storage.db)).applied).toContain('0013');
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it('keeps older files, without name or text, and they are not attachments', async () => {
    const file = await createFileRepository(storage.db).findForOwner(owner, picture);
    expect(file).toMatchObject({
      kind: 'avatar-image',
      name: null,
      extractedText: null,
      textTruncated: false,
      width: 512,
    });
    expect(file!.bytes.toString('hex')).toBe('52494646');
    // An avatar picture is never reachable, deletable or purged as an attachment.
    const attachments = createAttachmentRepository(storage.db);
    expect(await attachments.findOwned(owner, picture)).toBeUndefined();
    expect(await attachments.deleteUnusedOwned(owner, picture)).toBe('not-found');
    expect(await attachments.purgeUnused(new Date(Date.now() + 86_400_000), 100)).toBe(0);
    const [row] = await queryRows<{ n: number }>(storage.db, sql`select count(*)::int as n from files`);
    expect(row!.n).toBe(1);
  });
});
