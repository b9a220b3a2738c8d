import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * An exclusive lock on an embedded database directory, held by one process.
 *
 * PGlite has no lock of its own: two processes writing one directory corrupt it. We keep a
 * lock file with the owner's pid; a lock whose process is gone (a crash, SIGKILL) is taken over,
 * so a restart right after a crash never waits for a staleness timeout.
 */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(dir: string): DataDirLock {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'lumina.lock');
  const owner = JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, owner, { flag: 'wx', mode: 0o600 });
      return { release: () => releaseIfOurs(file) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(file);
      if (holder && holder.host === os.hostname() && isAlive(holder.pid) && holder.pid !== process.pid) {
        throw new DataDirLockedError(
          `the database directory ${dir} is in use by another Lumina process (pid ${holder.pid}); stop it first, or give this one its own LUMINA_DATA_DIR`,
        );
      }
      if (holder && holder.host !== os.hostname()) {
        throw new DataDirLockedError(
          `the database directory ${dir} is locked by host ${holder.host} (pid ${holder.pid}); if that host is gone, delete ${file}`,
        );
      }
      fs.rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new DataDirLockedError(`could not lock the database directory ${dir}`);
}

function readHolder(file: string): { pid: number; host: string } | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: unknown; host?: unknown };
    return typeof parsed.pid === 'number' && typeof parsed.host === 'string'
      ? { pid: parsed.pid, host: parsed.host }
      : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseIfOurs(file: string) {
  if (readHolder(file)?.pid === process.pid) fs.rmSync(file, { force: true });
}
