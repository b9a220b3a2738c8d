import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { deriveKeyId, keyEntry, SecretBox } from './secret-box.js';

const keyA = crypto.randomBytes(32);
const keyB = crypto.randomBytes(32);
const aad = '["secret","0190","user-1","provider:openai"]';
const plaintext = 'sk-live-9f8e7d6c5b4a';

/** Swaps one base64url character of part `index` of a sealed value for another. */
function tamper(value: string, index: number): string {
  const parts = value.split('.');
  const part = parts[index]!;
  const at = Math.floor(part.length / 2);
  parts[index] = part.slice(0, at) + (part[at] === 'A' ? 'B' : 'A') + part.slice(at + 1);
  return parts.join('.');
}

function decryptError(box: SecretBox, value: string, data = aad): AppError {
  try {
    box.decrypt(value, data);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('decrypt unexpectedly succeeded');
}

describe('SecretBox', () => {
  const box = new SecretBox({ current: keyEntry(keyA) });

  it('round-trips text, including empty and non-ASCII values', () => {
    for (const text of [plaintext, '', 'clé secrète 🔑', 'x'.repeat(10_000)]) {
      expect(box.decrypt(box.encrypt(text, aad), aad)).toBe(text);
    }
  });

  it('writes v1.<keyId>.<iv>.<ciphertext+tag> with a fresh 12-byte IV each time', () => {
    const first = box.encrypt(plaintext, aad);
    const second = box.encrypt(plaintext, aad);
    expect(first).not.toBe(second);
    const [version, keyId, iv, sealed] = first.split('.');
    expect(version).toBe('v1');
    expect(keyId).toBe(deriveKeyId(keyA));
    expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(sealed!, 'base64url')).toHaveLength(Buffer.byteLength(plaintext) + 16);
    expect(first).not.toContain(plaintext);
    expect(SecretBox.keyIdOf(first)).toBe(keyId);
  });

  it('derives a short key id that does not contain the key', () => {
    expect(deriveKeyId(Buffer.alloc(32))).toBe('66687aad');
    expect(deriveKeyId(keyA)).toMatch(/^[0-9a-f]{8}$/);
    expect(keyA.toString('hex')).not.toContain(deriveKeyId(keyA));
    expect(deriveKeyId(keyA)).not.toBe(deriveKeyId(keyB));
  });

  it.each([
    ['ciphertext or tag', 3],
    ['IV', 2],
  ])('rejects a value whose %s was altered', (_label, part) => {
    const err = decryptError(box, tamper(box.encrypt(plaintext, aad), part));
    expect(err).toMatchObject({
      status: 500,
      code: 'secret_decrypt_failed',
      details: { reason: 'authentication_failed' },
    });
  });

  it('rejects a value whose last byte (inside the tag) was altered', () => {
    const [v, id, iv, sealed] = box.encrypt(plaintext, aad).split('.') as [string, string, string, string];
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[bytes.length - 1]! ^= 1;
    const err = decryptError(box, [v, id, iv, bytes.toString('base64url')].join('.'));
    expect(err.details).toMatchObject({ reason: 'authentication_failed' });
  });

  it('rejects a truncated tag and malformed values with a clear message', () => {
    const [v, id, iv] = box.encrypt(plaintext, aad).split('.') as [string, string, string, string];
    expect(decryptError(box, [v, id, iv, 'AAAA'].join('.')).message).toMatch(/truncated/);
    expect(decryptError(box, 'not-a-secret').details).toMatchObject({ reason: 'malformed' });
    expect(decryptError(box, `v1.${id}.${iv}.a+b/`).details).toMatchObject({ reason: 'malformed' });
    expect(decryptError(box, `v9.${id}.${iv}.AAAA`).details).toMatchObject({ reason: 'unsupported_version' });
  });

  it('rejects the right value under the wrong additional data (another row)', () => {
    const sealed = box.encrypt(plaintext, aad);
    const err = decryptError(box, sealed, '["secret","0190","user-2","provider:openai"]');
    expect(err.details).toMatchObject({ reason: 'authentication_failed' });
  });

  it('rejects a value whose key id was rewritten to another key of the ring', () => {
    const both = new SecretBox({ current: keyEntry(keyA), previous: [keyEntry(keyB)] });
    const sealed = both.encrypt(plaintext, aad);
    const relabelled = sealed.replace(`.${deriveKeyId(keyA)}.`, `.${deriveKeyId(keyB)}.`);
    expect(decryptError(both, relabelled).details).toMatchObject({ reason: 'authentication_failed' });
  });

  it('names an unknown key id, and what it knows, without key material or plaintext', () => {
    const other = new SecretBox({ current: keyEntry(keyB) });
    const err = decryptError(other, box.encrypt(plaintext, aad));
    expect(err.details).toMatchObject({
      reason: 'unknown_key',
      keyId: deriveKeyId(keyA),
      knownKeyIds: [deriveKeyId(keyB)],
    });
    expect(err.message).toContain(`key ${deriveKeyId(keyA)}, which is not in the keyring`);
    const shown = `${err.message} ${JSON.stringify(err.details)} ${err.stack}`;
    for (const secret of [plaintext, keyA.toString('hex'), keyB.toString('hex')])
      expect(shown).not.toContain(secret);
  });

  it('opens values sealed with a previous key and seals new ones with the current key', () => {
    const old = box.encrypt(plaintext, aad);
    const rotated = box.withCurrentKey(keyB);
    expect(rotated.currentKeyId).toBe(deriveKeyId(keyB));
    expect(rotated.keyIds).toEqual([deriveKeyId(keyB), deriveKeyId(keyA)]);
    expect(rotated.decrypt(old, aad)).toBe(plaintext);
    const fresh = rotated.encrypt(plaintext, aad);
    expect(SecretBox.keyIdOf(fresh)).toBe(deriveKeyId(keyB));
    expect(decryptError(box, fresh).details).toMatchObject({ reason: 'unknown_key' });
    expect(box.withCurrentKey(keyA).keyIds).toEqual([deriveKeyId(keyA)]);
  });

  it('refuses keys of the wrong size, ids with dots and two keys under one id', () => {
    expect(() => new SecretBox({ current: keyEntry(Buffer.alloc(16)) })).toThrow(/32 bytes/);
    expect(() => new SecretBox({ current: { id: 'a.b', key: keyA } })).toThrow(/invalid key id/);
    expect(
      () => new SecretBox({ current: { id: 'k', key: keyA }, previous: [{ id: 'k', key: keyB }] }),
    ).toThrow(/share the id k/);
  });
});
