import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  keyFilePath,
  loadMasterKey,
  MasterKeyError,
  previousKeysPath,
  readPreviousKeys,
  replaceKeyFile,
  writePreviousKeys,
} from './master-key.js';
import { deriveKeyId } from './secret-box.js';

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;
const posix = process.platform !== 'win32';

describe('loadMasterKey', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-key-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('creates secret.key with mode 0600 on first start and reuses it afterwards', () => {
    const nested = path.join(dataDir, 'not-yet');
    const first = loadMasterKey({ secretKey: undefined, dataDir: nested });
    expect(first).toMatchObject({ source: 'file', created: true, keyring: { previous: [] } });
    const file = keyFilePath(nested);
    if (posix) expect(modeOf(file)).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    expect(first.keyring.current.id).toBe(
      deriveKeyId(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex')),
    );
    expect(fs.readdirSync(nested)).toEqual(['secret.key']); // no temp file left behind

    const second = loadMasterKey({ secretKey: undefined, dataDir: nested });
    expect(second.created).toBe(false);
    expect(second.keyring.current.key.equals(first.keyring.current.key)).toBe(true);
  });

  it.runIf(posix)('refuses a key file other users can read, with a chmod hint on one line', () => {
    loadMasterKey({ secretKey: undefined, dataDir });
    const file = keyFilePath(dataDir);
    fs.chmodSync(file, 0o644);
    let error: unknown;
    try {
      loadMasterKey({ secretKey: undefined, dataDir });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MasterKeyError);
    const message = (error as Error).message;
    expect(message).toContain(`chmod 600 "${file}"`);
    expect(message).toContain('mode 644');
    expect(message).not.toContain('\n');
    expect(message).not.toContain(fs.readFileSync(file, 'utf8').trim());
    fs.chmodSync(file, 0o640);
    expect(() => loadMasterKey({ secretKey: undefined, dataDir })).toThrow(/mode 640/);
  });

  it('lets LUMINA_SECRET_KEY win over the key file, and creates no file when it is set', () => {
    const envKey = crypto.randomBytes(32);
    const fromEnv = loadMasterKey({ secretKey: envKey, dataDir });
    expect(fromEnv).toMatchObject({ source: 'env', created: false });
    expect(fromEnv.keyring.current.key.equals(envKey)).toBe(true);
    expect(fs.existsSync(keyFilePath(dataDir))).toBe(false);

    const fileKey = loadMasterKey({ secretKey: undefined, dataDir }).keyring.current.key;
    const again = loadMasterKey({ secretKey: envKey, dataDir });
    expect(again.keyring.current.id).toBe(deriveKeyId(envKey));
    expect(again.keyring.previous?.map((k) => k.id)).not.toContain(deriveKeyId(fileKey));
  });

  it('adds the keys of secret.key.previous (and any given ones) as decrypt-only keys, without duplicates', () => {
    const current = crypto.randomBytes(32);
    const older = [crypto.randomBytes(32), crypto.randomBytes(32)];
    const fromEnv = crypto.randomBytes(32);
    writePreviousKeys(dataDir, [older[0]!, current, older[1]!, older[0]!]);
    if (posix) expect(modeOf(previousKeysPath(dataDir))).toBe(0o600);
    const { keyring } = loadMasterKey({ secretKey: current, dataDir, previousKeys: [fromEnv] });
    expect(keyring.current.id).toBe(deriveKeyId(current));
    expect(keyring.previous?.map((k) => k.id)).toEqual([...older, fromEnv].map(deriveKeyId));
  });

  it('reads hand-edited previous-key files and names a bad line', () => {
    const key = crypto.randomBytes(32).toString('hex');
    fs.writeFileSync(
      previousKeysPath(dataDir),
      `# kept after the March rotation\n\n  ${key.toUpperCase()}  \r\n`,
      {
        mode: 0o600,
      },
    );
    expect(readPreviousKeys(dataDir).map((k) => k.toString('hex'))).toEqual([key]);
    fs.appendFileSync(previousKeysPath(dataDir), 'abc\n');
    expect(() => readPreviousKeys(dataDir)).toThrow(/entry 2 is not a 64-character hex key/);
  });

  it.runIf(posix)('refuses a previous-key file other users can read', () => {
    writePreviousKeys(dataDir, [crypto.randomBytes(32)]);
    fs.chmodSync(previousKeysPath(dataDir), 0o604);
    expect(() => loadMasterKey({ secretKey: crypto.randomBytes(32), dataDir })).toThrow(/chmod 600/);
  });

  it('refuses a key file that is not a hex key, and keys of the wrong size', () => {
    fs.writeFileSync(keyFilePath(dataDir), 'hunter2\n', { mode: 0o600 });
    expect(() => loadMasterKey({ secretKey: undefined, dataDir })).toThrow(/not a 64-character hex key/);
    expect(() => loadMasterKey({ secretKey: Buffer.alloc(16), dataDir })).toThrow(/32 bytes/);
  });

  it('replaces the key file atomically and removes an emptied previous-key file', () => {
    loadMasterKey({ secretKey: undefined, dataDir });
    const next = crypto.randomBytes(32);
    replaceKeyFile(dataDir, next);
    if (posix) expect(modeOf(keyFilePath(dataDir))).toBe(0o600);
    expect(loadMasterKey({ secretKey: undefined, dataDir }).keyring.current.id).toBe(deriveKeyId(next));
    writePreviousKeys(dataDir, [crypto.randomBytes(32)]);
    writePreviousKeys(dataDir, []);
    expect(fs.readdirSync(dataDir)).toEqual(['secret.key']);
  });
});
