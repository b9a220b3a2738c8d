import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type KeyEntry, type Keyring, keyEntry } from './secret-box.js';

/** The current master key file and the decrypt-only keys kept for rotations, inside the data dir. */
export const KEY_FILE = 'secret.key';
export const PREVIOUS_KEYS_FILE = 'secret.key.previous';

const KEY_BYTES = 32;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/** A key problem explained in one line, shown to the operator without a stack trace. */
export class MasterKeyError extends Error {
  override name = 'MasterKeyError';
}

export interface MasterKeyOptions {
  /** LUMINA_SECRET_KEY, already decoded; when given, the key file is not read or created. */
  secretKey: Buffer | undefined;
  dataDir: string;
  /** Extra decrypt-only keys from the environment, for rotations across several instances. */
  previousKeys?: Buffer[] | undefined;
}

export interface MasterKey {
  keyring: Keyring;
  /** Where the current key came from: the environment, or `<dataDir>/secret.key`. */
  source: 'env' | 'file';
  /** True when this call generated the key file (first start). */
  created: boolean;
}

/**
 * The keyring for SecretBox: LUMINA_SECRET_KEY when set, else `<dataDir>/secret.key` (created on
 * first start, mode 0600), plus any older keys listed in `<dataDir>/secret.key.previous` so that
 * secrets still open after an interrupted or unfinished rotation.
 * @example const { keyring } = loadMasterKey({ secretKey: config.secretKey, dataDir: config.dataDir });
 */
export function loadMasterKey(options: MasterKeyOptions): MasterKey {
  const { dataDir } = options;
  const fromEnv = options.secretKey !== undefined;
  let created = false;
  let current: Buffer;
  if (options.secretKey !== undefined) {
    current = checkLength(options.secretKey, 'LUMINA_SECRET_KEY');
  } else {
    const existing = readKeyFile(keyFilePath(dataDir));
    if (existing) current = existing;
    else ({ key: current, created } = createKeyFile(dataDir));
  }
  const previous = [...readPreviousKeys(dataDir), ...(options.previousKeys ?? [])].map((key) =>
    checkLength(key, 'a previous key'),
  );
  return { keyring: toKeyring(current, previous), source: fromEnv ? 'env' : 'file', created };
}

/**
 * A new random 32-byte master key.
 * @example generateMasterKey().toString('hex') // 64 hex characters
 */
export function generateMasterKey(): Buffer {
  return crypto.randomBytes(KEY_BYTES);
}

/** @example keyFilePath('/var/lib/lumina') // '/var/lib/lumina/secret.key' */
export const keyFilePath = (dataDir: string) => path.join(dataDir, KEY_FILE);

/** @example previousKeysPath('/var/lib/lumina') // '/var/lib/lumina/secret.key.previous' */
export const previousKeysPath = (dataDir: string) => path.join(dataDir, PREVIOUS_KEYS_FILE);

/**
 * The decrypt-only keys of `<dataDir>/secret.key.previous` (one hex key per line; blank lines and
 * `#` comments ignored); none when the file is absent.
 * @example readPreviousKeys('/var/lib/lumina') // [<Buffer …>]
 */
export function readPreviousKeys(dataDir: string): Buffer[] {
  const file = previousKeysPath(dataDir);
  const text = readPrivateFile(file);
  if (text === undefined) return [];
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line, index) => {
      if (!HEX_KEY.test(line))
        throw new MasterKeyError(`${file}: entry ${index + 1} is not a 64-character hex key`);
      return Buffer.from(line, 'hex');
    });
}

/**
 * Replaces `<dataDir>/secret.key.previous` atomically with `keys` (duplicates dropped); removes the
 * file when no key is left.
 * @example writePreviousKeys(dataDir, [oldKey])
 */
export function writePreviousKeys(dataDir: string, keys: Buffer[]): void {
  const file = previousKeysPath(dataDir);
  const lines = [...new Set(keys.map((key) => checkLength(key, 'a previous key').toString('hex')))];
  if (lines.length === 0) {
    fs.rmSync(file, { force: true });
    syncDirectory(dataDir);
    return;
  }
  const header = '# Older Lumina master keys: decrypt only, never used to encrypt. See docs/security.md.\n';
  writePrivateFile(file, `${header}${lines.join('\n')}\n`, 'replace');
}

/**
 * Replaces `<dataDir>/secret.key` atomically: readers see the old key or the new one, never a
 * partial file, even if the process dies half-way.
 * @example replaceKeyFile(dataDir, generateMasterKey())
 */
export function replaceKeyFile(dataDir: string, key: Buffer): void {
  writePrivateFile(keyFilePath(dataDir), `${checkLength(key, 'the new key').toString('hex')}\n`, 'replace');
}

function toKeyring(current: Buffer, previous: Buffer[]): Keyring {
  const currentEntry = keyEntry(current);
  const seen = new Set([currentEntry.id]);
  const older: KeyEntry[] = [];
  for (const key of previous) {
    const entry = keyEntry(key);
    if (!seen.has(entry.id)) older.push(entry);
    seen.add(entry.id);
  }
  return { current: currentEntry, previous: older };
}

function readKeyFile(file: string): Buffer | undefined {
  const text = readPrivateFile(file)?.trim();
  if (text === undefined) return undefined;
  if (!HEX_KEY.test(text)) throw new MasterKeyError(`${file} is not a 64-character hex key`);
  return Buffer.from(text, 'hex');
}

function createKeyFile(dataDir: string): { key: Buffer; created: boolean } {
  fs.mkdirSync(dataDir, { recursive: true });
  const key = generateMasterKey();
  const file = keyFilePath(dataDir);
  if (writePrivateFile(file, `${key.toString('hex')}\n`, 'create')) return { key, created: true };
  // Another process created it between our read and our write: use theirs.
  return { key: readKeyFile(file)!, created: false };
}

// A key readable by other accounts is as good as published, so refuse it rather than warn.
function readPrivateFile(file: string): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    const mode = (stat.mode & 0o777).toString(8);
    throw new MasterKeyError(
      `${file} is accessible to other users (mode ${mode}); run: chmod 600 ${JSON.stringify(file)}`,
    );
  }
  return fs.readFileSync(file, 'utf8');
}

/**
 * Writes a temp file (`wx`, 0600, fsync'd) and then moves it into place: `rename` to replace, a
 * hard link to create (which fails instead of overwriting a file another process just wrote).
 * Returns false when creating and the file already exists.
 */
function writePrivateFile(file: string, content: string, mode: 'create' | 'replace'): boolean {
  const temp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(temp, 'wx', 0o600);
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    if (mode === 'replace') {
      fs.renameSync(temp, file);
    } else {
      try {
        fs.linkSync(temp, file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw err;
      }
    }
  } finally {
    fs.rmSync(temp, { force: true });
  }
  syncDirectory(path.dirname(file));
  return true;
}

// Makes the rename itself durable; some platforms (Windows) cannot open a directory, and there the
// rename is as durable as the platform allows.
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // best effort, see above
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function checkLength(key: Buffer, label: string): Buffer {
  if (key.length !== KEY_BYTES)
    throw new MasterKeyError(`${label} must be ${KEY_BYTES} bytes (64 hex characters)`);
  return key;
}
