import crypto from 'node:crypto';
import { AppError } from '../errors.js';

/** One 32-byte master key and the id stored next to everything it encrypted. */
export interface KeyEntry {
  id: string;
  key: Buffer;
}

/** The key new ciphertexts use, plus older keys kept only so that existing ciphertexts still open. */
export interface Keyring {
  current: KeyEntry;
  previous?: KeyEntry[];
}

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';
// Ids end up inside the dotted format, so they must not contain a dot.
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]+$/;
// The master key may later serve other purposes (signing …); encrypting with a derived subkey keeps
// those uses from ever sharing key material.
const SUBKEY_INFO = 'lumina secret-box v1 aes-256-gcm';

/**
 * The public id of a key: 8 hex characters of its SHA-256. It tells keys apart in logs and in the
 * database without revealing anything usable about the key.
 * @example deriveKeyId(Buffer.alloc(32)) // '66687aad'
 */
export function deriveKeyId(key: Buffer): string {
  return crypto.createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * A keyring entry for a raw key, with its derived id.
 * @example new SecretBox({ current: keyEntry(crypto.randomBytes(32)) })
 */
export function keyEntry(key: Buffer): KeyEntry {
  return { id: deriveKeyId(key), key };
}

/** Why a stored secret could not be opened; the message names key ids at most, never key or plaintext. */
export type DecryptFailure = 'malformed' | 'unsupported_version' | 'unknown_key' | 'authentication_failed';

export const secretDecryptFailed = (reason: DecryptFailure, message: string, details: object = {}) =>
  new AppError(500, 'secret_decrypt_failed', message, { reason, ...details });

interface ParsedCiphertext {
  keyId: string;
  iv: Buffer;
  sealed: Buffer;
}

/**
 * Authenticated encryption of short secrets (API keys …) with AES-256-GCM.
 *
 * Output is `v1.<keyId>.<iv>.<ciphertext+tag>` (base64url), so a reader knows the format version
 * and which key of the ring opens it. The caller's `aad` is authenticated but not stored: pass
 * something that identifies the row (owner, purpose, id), and a ciphertext copied into another
 * row fails to decrypt instead of leaking there.
 *
 * @example
 * const box = new SecretBox({ current: keyEntry(masterKey) });
 * const sealed = box.encrypt('sk-live-123', 'user:42/provider:openai');
 * box.decrypt(sealed, 'user:42/provider:openai'); // 'sk-live-123'
 */
export class SecretBox {
  readonly keyring: Readonly<Keyring>;
  private readonly subkeys = new Map<string, Buffer>();

  constructor(keyring: Keyring) {
    const entries = [keyring.current, ...(keyring.previous ?? [])];
    for (const entry of entries) {
      if (!KEY_ID_PATTERN.test(entry.id))
        throw new Error(`invalid key id ${JSON.stringify(entry.id)}: use letters, digits, - and _`);
      if (entry.key.length !== KEY_BYTES)
        throw new Error(`key ${entry.id} must be ${KEY_BYTES} bytes, not ${entry.key.length}`);
      const known = this.subkeys.get(entry.id);
      if (known && !crypto.timingSafeEqual(known, deriveSubkey(entry.key)))
        throw new Error(`two different keys share the id ${entry.id}`);
      this.subkeys.set(entry.id, deriveSubkey(entry.key));
    }
    const previous = (keyring.previous ?? []).filter((entry) => entry.id !== keyring.current.id);
    this.keyring = { current: keyring.current, previous: dedupeById(previous) };
  }

  /** Id of the key `encrypt` uses. */
  get currentKeyId(): string {
    return this.keyring.current.id;
  }

  /** Every key id this box can open, current first. */
  get keyIds(): string[] {
    return [...this.subkeys.keys()];
  }

  /**
   * Encrypts with the current key and a fresh random IV.
   * @example box.encrypt('hunter2', 'system/smtp-password') // 'v1.3f2a9c1d.…'
   */
  encrypt(plaintext: string, aad: string): string {
    const keyId = this.currentKeyId;
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv(ALGORITHM, this.subkeys.get(keyId)!, iv, {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(additionalData(keyId, aad));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [VERSION, keyId, iv.toString('base64url'), sealed.toString('base64url')].join('.');
  }

  /**
   * Opens a value from `encrypt` with whichever key of the ring sealed it. Throws an AppError 500
   * `secret_decrypt_failed` when the value is malformed, its key is not in the ring, or it was
   * altered or sealed with another `aad`.
   * @example box.decrypt(sealed, 'system/smtp-password') // 'hunter2'
   */
  decrypt(value: string, aad: string): string {
    const { keyId, iv, sealed } = parse(value);
    const subkey = this.subkeys.get(keyId);
    if (!subkey) {
      throw secretDecryptFailed(
        'unknown_key',
        `This secret was encrypted with key ${keyId}, which is not in the keyring (current key ${this.currentKeyId}). ` +
          'Start Lumina with the key that encrypted it (LUMINA_SECRET_KEY or secret.key in the data dir), ' +
          'or list that key in secret.key.previous.',
        { keyId, knownKeyIds: this.keyIds },
      );
    }
    const decipher = crypto.createDecipheriv(ALGORITHM, subkey, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(keyId, aad));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw secretDecryptFailed(
        'authentication_failed',
        `This secret failed its integrity check under key ${keyId}: it was altered, or it belongs to another record.`,
        { keyId },
      );
    }
  }

  /**
   * The id of the key that sealed `value`, without decrypting it.
   * @example SecretBox.keyIdOf(box.encrypt('hunter2', aad)) // box.currentKeyId
   */
  static keyIdOf(value: string): string {
    return parse(value).keyId;
  }

  /**
   * A box that encrypts with `key` and still opens everything this one opens: the state during a
   * rotation. Rotating to the current key returns an equivalent box.
   * @example const next = box.withCurrentKey(crypto.randomBytes(32));
   */
  withCurrentKey(key: Buffer): SecretBox {
    const { current, previous = [] } = this.keyring;
    return new SecretBox({ current: keyEntry(key), previous: [current, ...previous] });
  }
}

function deriveSubkey(key: Buffer): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', key, Buffer.alloc(0), SUBKEY_INFO, KEY_BYTES));
}

// The header is authenticated too, so a value whose key id was edited cannot pass for another.
function additionalData(keyId: string, aad: string): Buffer {
  return Buffer.from(`lumina:${VERSION}:${keyId}:${aad}`, 'utf8');
}

function parse(value: string): ParsedCiphertext {
  const parts = value.split('.');
  if (parts.length !== 4 || !parts.slice(1).every((part) => BASE64URL_PATTERN.test(part)))
    throw secretDecryptFailed(
      'malformed',
      'This secret is not in a format Lumina can read (expected v1.<keyId>.<iv>.<data>).',
    );
  const [version, keyId, iv, sealed] = parts as [string, string, string, string];
  if (version !== VERSION)
    throw secretDecryptFailed(
      'unsupported_version',
      `This secret uses format ${JSON.stringify(version.slice(0, 16))}, which this version of Lumina cannot read.`,
    );
  const ivBytes = Buffer.from(iv, 'base64url');
  const sealedBytes = Buffer.from(sealed, 'base64url');
  if (ivBytes.length !== IV_BYTES || sealedBytes.length < TAG_BYTES)
    throw secretDecryptFailed(
      'malformed',
      'This secret is truncated: its IV or authentication tag is too short.',
    );
  return { keyId, iv: ivBytes, sealed: sealedBytes };
}

function dedupeById(entries: KeyEntry[]): KeyEntry[] {
  const seen = new Set<string>();
  return entries.filter((entry) => !seen.has(entry.id) && seen.add(entry.id));
}
