import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, inject } from 'vitest';
import { openStorage, type Storage } from '../db/storage.js';

export const STORAGE_MODES = ['pglite', 'postgres'] as const;
export type StorageMode = (typeof STORAGE_MODES)[number];

/** PGlite always runs; PostgreSQL needs a server: TEST_DATABASE_URL (CI must set it, see global-setup). */
export function storageAvailable(mode: StorageMode): boolean {
  return mode === 'pglite' || Boolean(process.env.TEST_DATABASE_URL);
}

/** The modes this run can use: PGlite always; PostgreSQL too when TEST_DATABASE_URL is set. */
export function storageModes(): StorageMode[] {
  return STORAGE_MODES.filter(storageAvailable);
}

/**
 * One describe block per storage mode, named by `name` with `%s` replaced by the mode. The
 * PostgreSQL block is always registered, as skipped when TEST_DATABASE_URL is unset, so a run
 * without the server reports its tests as skipped instead of silently having fewer of them.
 *
 * @example
 * describeStorage('avatars on %s', (mode) => {
 *   beforeAll(async () => { storage = await createTestStorage(mode); });
 * });
 */
export function describeStorage(name: string, body: (mode: StorageMode) => void): void {
  for (const mode of STORAGE_MODES) describe.skipIf(!storageAvailable(mode)).each([mode])(name, body);
}

/** describeStorage for every (from, to) pair of modes, e.g. backups moved between them. */
export function describeStoragePairs(name: string, body: (from: StorageMode, to: StorageMode) => void): void {
  for (const from of STORAGE_MODES) {
    for (const to of STORAGE_MODES) {
      const runs = storageAvailable(from) && storageAvailable(to);
      describe.skipIf(!runs).each([[from, to] as [StorageMode, StorageMode]])(name, body);
    }
  }
}

export interface TestStorage extends Storage {
  /** The data dir (PGlite) or database URL (PostgreSQL) this storage lives in. */
  dataDir: string;
  databaseUrl: string | undefined;
}

/**
 * A fresh, migrated database for one test file: a copy of the PGlite template, or a new
 * PostgreSQL database created from scratch and dropped on close.
 */
export async function createTestStorage(mode: StorageMode): Promise<TestStorage> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-test-'));
  if (mode === 'pglite') {
    fs.cpSync(inject('pgliteTemplateDir'), path.join(dataDir, 'db'), { recursive: true });
    const storage = await openStorage({ dataDir });
    return withCleanup(storage, dataDir, undefined, async () => {});
  }
  const { url, drop } = await createPostgresDatabase();
  const storage = await openStorage({ dataDir, databaseUrl: url });
  return withCleanup(storage, dataDir, url, drop);
}

/** Creates an empty PostgreSQL database on the TEST_DATABASE_URL server. */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `lumina_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

function withCleanup(
  storage: Storage,
  dataDir: string,
  databaseUrl: string | undefined,
  drop: () => Promise<void>,
): TestStorage {
  return {
    ...storage,
    dataDir,
    databaseUrl,
    close: async () => {
      await storage.close();
      await drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
