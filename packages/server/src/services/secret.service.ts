import type { Secret } from '../domain/secret.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import type { SecretMetadata, SecretRepository } from '../repositories/secret.repository.js';
import { SecretBox } from '../security/secret-box.js';

export interface SecretServiceDeps {
  repository: SecretRepository;
  box: SecretBox;
}

export interface RotateOptions {
  /** The key to encrypt with from now on; passing the current key re-encrypts only stragglers. */
  newKey: Buffer;
  signal?: AbortSignal | undefined;
  /** Called after each batch with the rows seen so far. */
  onProgress?: ((rowsSeen: number) => void) | undefined;
}

export interface RotationResult {
  /** Rows looked at. */
  total: number;
  /** Rows that were sealed with another key and now use `keyId`. */
  reencrypted: number;
  keyId: string;
}

const ROTATION_BATCH = 200;

/**
 * What a ciphertext is bound to: its row id, owner and purpose. A value copied into another row
 * (another user's, or another purpose of the same user) fails to decrypt there.
 */
export function secretAad(row: Pick<Secret, 'id' | 'ownerId' | 'purpose'>): string {
  return JSON.stringify(['secret', row.id, row.ownerId, row.purpose]);
}

/**
 * Secrets at rest: values go in as plaintext and are stored only as AES-256-GCM ciphertext. Every
 * call names the owner (`null` for system secrets); another owner's secret is a 404.
 * @example
 * const secrets = createSecretService({ repository: createSecretRepository(db), box });
 * const { id } = await secrets.store(userId, 'provider:openai', 'sk-…');
 * await secrets.reveal(userId, id); // 'sk-…'
 */
export function createSecretService(deps: SecretServiceDeps) {
  const { repository } = deps;
  let box = deps.box;

  const open = (sealer: SecretBox, row: Secret) => {
    try {
      return sealer.decrypt(row.ciphertext, secretAad(row));
    } catch (err) {
      if (err instanceof AppError)
        throw new AppError(err.status, err.code, err.message, { ...err.details, secretId: row.id });
      throw err;
    }
  };

  return {
    async store(ownerId: string | null, purpose: string, plaintext: string): Promise<{ id: string }> {
      const id = newId();
      const ciphertext = box.encrypt(plaintext, secretAad({ id, ownerId, purpose }));
      await repository.create({ id, ownerId, purpose, ciphertext, keyId: box.currentKeyId });
      return { id };
    },

    async reveal(ownerId: string | null, id: string): Promise<string> {
      const row = await repository.findForOwner(ownerId, id);
      if (!row) throw notFound('secret');
      return open(box, row);
    },

    async list(ownerId: string | null): Promise<SecretMetadata[]> {
      return repository.listForOwner(ownerId);
    },

    async replace(ownerId: string | null, id: string, plaintext: string): Promise<void> {
      const row = await repository.findForOwner(ownerId, id);
      if (!row) throw notFound('secret');
      const ciphertext = box.encrypt(plaintext, secretAad(row));
      if (!(await repository.updateForOwner(ownerId, id, { ciphertext, keyId: box.currentKeyId })))
        throw notFound('secret');
    },

    async remove(ownerId: string | null, id: string): Promise<void> {
      if (!(await repository.deleteForOwner(ownerId, id))) throw notFound('secret');
    },

    /**
     * Re-encrypts every row under `newKey` in ONE transaction: if any row cannot be opened (or the
     * signal aborts), nothing changes. Afterwards this service encrypts with `newKey` and still
     * opens values sealed with any older key of its ring.
     */
    async rotate({ newKey, signal, onProgress }: RotateOptions): Promise<RotationResult> {
      const next = box.withCurrentKey(newKey);
      const counts = await repository.transaction(async (tx) => {
        let total = 0;
        let reencrypted = 0;
        let afterId: string | undefined;
        for (;;) {
          signal?.throwIfAborted();
          const rows = await tx.listBatch({ afterId, limit: ROTATION_BATCH, lock: true });
          if (rows.length === 0) break;
          for (const row of rows) {
            total++;
            if (isSealedWith(row, next.currentKeyId)) continue;
            const ciphertext = next.encrypt(open(box, row), secretAad(row));
            await tx.reencrypt(row.id, { ciphertext, keyId: next.currentKeyId });
            reencrypted++;
          }
          afterId = rows.at(-1)!.id;
          onProgress?.(total);
        }
        return { total, reencrypted };
      });
      box = next;
      return { ...counts, keyId: next.currentKeyId };
    },

    /** Key ids that sealed stored rows but are missing from the keyring (a lost or wrong key). */
    async unknownKeyIds(): Promise<{ keyId: string; count: number }[]> {
      const known = new Set(box.keyIds);
      return (await repository.countByKeyId()).filter((usage) => !known.has(usage.keyId));
    },

    /** Id of the key new secrets are sealed with. */
    currentKeyId(): string {
      return box.currentKeyId;
    },
  };
}

export type SecretService = ReturnType<typeof createSecretService>;

// A malformed value is not "sealed with" anything: it goes on to decrypt, which names the row.
function isSealedWith(row: Secret, keyId: string): boolean {
  try {
    return row.keyId === keyId && SecretBox.keyIdOf(row.ciphertext) === keyId;
  } catch {
    return false;
  }
}
