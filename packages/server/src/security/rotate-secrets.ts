import type { Database } from '../db/database.js';
import { createSecretRepository } from '../repositories/secret.repository.js';
import { createSecretService } from '../services/secret.service.js';
import {
  generateMasterKey,
  keyFilePath,
  loadMasterKey,
  MasterKeyError,
  previousKeysPath,
  readPreviousKeys,
  replaceKeyFile,
  writePreviousKeys,
} from './master-key.js';
import { deriveKeyId, SecretBox } from './secret-box.js';

export interface RotationContext {
  db: Database;
  dataDir: string;
  /** LUMINA_SECRET_KEY (decoded), or undefined when the key lives in `<dataDir>/secret.key`. */
  secretKey: Buffer | undefined;
  /** Decrypt-only keys from the environment, if the deployment passes any. */
  previousKeys?: Buffer[] | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((rowsSeen: number) => void) | undefined;
}

export interface RotateSecretsOptions extends RotationContext {
  /** The key to rotate to; a random one when absent. */
  newKey?: Buffer | undefined;
}

export interface RotateSecretsResult {
  source: 'env' | 'file';
  keyId: string;
  previousKeyId: string;
  total: number;
  reencrypted: number;
  /** Only when the key came from LUMINA_SECRET_KEY: the new key, in hex, for the operator to set. */
  newSecretKey?: string;
  /** What the operator should do next, one sentence each; never contains key material. */
  nextSteps: string[];
}

export interface FinishRotationResult {
  keyId: string;
  total: number;
  reencrypted: number;
  /** Ids of the decrypt-only keys that were forgotten. */
  retiredKeyIds: string[];
  nextSteps: string[];
}

/**
 * Rotates the master key: every secret is re-encrypted with a new key in one transaction, and
 * only after it committed do the key files change. The new key is written to
 * `secret.key.previous` *before* the transaction, so at every instant (including a crash between
 * any two steps, or a COMMIT whose outcome is unknown) the keys on disk open every row.
 *
 * With a key file, `secret.key` becomes the new key and the old one moves to `secret.key.previous`.
 * With LUMINA_SECRET_KEY, nothing can change the variable for the operator: the new key is
 * returned, and both keys are kept in `secret.key.previous` until `finishRotation` runs, so a
 * server still started with the old variable keeps working. See docs/security.md.
 *
 * @example
 * const result = await rotateSecrets({ db: storage.db, dataDir: config.dataDir, secretKey: config.secretKey });
 * // result.reencrypted rows now use result.keyId
 */
export async function rotateSecrets(options: RotateSecretsOptions): Promise<RotateSecretsResult> {
  const { db, dataDir, signal, onProgress } = options;
  const { keyring, source } = loadMasterKey(options);
  const newKey = options.newKey ?? generateMasterKey();
  if (newKey.length !== 32) throw new MasterKeyError('the new key must be 32 bytes (64 hex characters)');
  const oldKey = keyring.current.key;
  const keyId = deriveKeyId(newKey);
  if (keyId === keyring.current.id)
    throw new MasterKeyError(
      `the new key is the current key (${keyId}); pick another, or finish the rotation instead`,
    );

  const onDisk = readPreviousKeys(dataDir);
  writePreviousKeys(dataDir, [...onDisk, newKey]);

  const secrets = createSecretService({
    repository: createSecretRepository(db),
    box: new SecretBox(keyring),
  });
  // A failure here leaves the new key listed in secret.key.previous on purpose: when COMMIT's
  // outcome is unknown (a dropped connection), the rows may already be sealed with it.
  const counts = await secrets.rotate({ newKey, signal, onProgress });

  const previousFile = previousKeysPath(dataDir);
  try {
    writePreviousKeys(dataDir, [...onDisk, newKey, oldKey]);
    if (source === 'file') {
      replaceKeyFile(dataDir, newKey);
      writePreviousKeys(dataDir, [...onDisk, oldKey]);
    }
  } catch (err) {
    throw new MasterKeyError(
      `secrets were re-encrypted with key ${keyId}, but the key files could not be updated (${(err as Error).message}); ` +
        `${previousFile} lists both keys, so every secret still opens: fix the problem and run the rotation again`,
    );
  }

  const base = {
    source,
    keyId,
    previousKeyId: keyring.current.id,
    total: counts.total,
    reencrypted: counts.reencrypted,
  };
  if (source === 'file') {
    return {
      ...base,
      nextSteps: [
        `${counts.reencrypted} secret(s) now use key ${keyId}, stored in ${keyFilePath(dataDir)}.`,
        `The old key ${keyring.current.id} stays in ${previousFile} so backups taken before now still decrypt.`,
        'Restart every running Lumina server so it loads the new key.',
        `Keep a copy of ${keyFilePath(dataDir)} apart from your database backups.`,
        'To forget the old key (for example because it leaked), finish the rotation once old backups no longer matter.',
      ],
    };
  }
  return {
    ...base,
    newSecretKey: newKey.toString('hex'),
    nextSteps: [
      `${counts.reencrypted} secret(s) now use key ${keyId}.`,
      'Set LUMINA_SECRET_KEY to the new key wherever Lumina runs, and restart it.',
      `Until then the old key keeps working: ${previousFile} holds both keys.`,
      'Once every instance runs with the new key, finish the rotation: it re-encrypts anything written with the old key in between and deletes that file.',
    ],
  };
}

/**
 * Ends a rotation: re-encrypts, in one transaction, any row not sealed with the current key, then
 * deletes `secret.key.previous`. Run it only when every instance uses the current key; backups
 * taken before the rotation then need the old key kept elsewhere.
 * @example await finishRotation({ db: storage.db, dataDir: config.dataDir, secretKey: config.secretKey });
 */
export async function finishRotation(options: RotationContext): Promise<FinishRotationResult> {
  const { db, dataDir, signal, onProgress } = options;
  const { keyring } = loadMasterKey(options);
  const secrets = createSecretService({
    repository: createSecretRepository(db),
    box: new SecretBox(keyring),
  });
  const counts = await secrets.rotate({ newKey: keyring.current.key, signal, onProgress });
  writePreviousKeys(dataDir, []);
  const retiredKeyIds = (keyring.previous ?? []).map((entry) => entry.id);
  const nextSteps = [
    `All ${counts.total} secret(s) use key ${keyring.current.id}; ${previousKeysPath(dataDir)} was removed.`,
  ];
  if (options.previousKeys?.length) nextSteps.push('Remove the previous keys from the environment as well.');
  return { ...counts, retiredKeyIds, nextSteps };
}
