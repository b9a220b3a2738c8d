import { and, asc, count, eq, getTableColumns, gt, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { secrets } from '../db/schema/index.js';
import type { Secret, SecretMetadata } from '../domain/secret.js';
import { isUuid } from '../ids.js';

export type { SecretMetadata };

export interface SealedValue {
  ciphertext: string;
  keyId: string;
}

export interface NewSecret extends SealedValue {
  /** Chosen by the caller, because the ciphertext's authenticated data includes it. */
  id: string;
  ownerId: string | null;
  purpose: string;
}

/** Encrypted secrets. Every per-secret query takes the owner; `null` means a system secret. */
export interface SecretRepository {
  create(secret: NewSecret): Promise<Secret>;
  findForOwner(ownerId: string | null, id: string): Promise<Secret | undefined>;
  listForOwner(ownerId: string | null): Promise<SecretMetadata[]>;
  /** Replaces the value; undefined when the secret is not this owner's. */
  updateForOwner(ownerId: string | null, id: string, value: SealedValue): Promise<Secret | undefined>;
  deleteForOwner(ownerId: string | null, id: string): Promise<boolean>;
  /**
   * All owners' rows in id order, `limit` at a time after `afterId`. With `lock`, the rows stay
   * locked until the surrounding transaction ends, so nobody changes a value being re-encrypted.
   */
  listBatch(options: { afterId?: string | undefined; limit: number; lock?: boolean }): Promise<Secret[]>;
  /** Rotation only: stores a re-encrypted value without touching `updatedAt` (the secret did not change). */
  reencrypt(id: string, value: SealedValue): Promise<void>;
  /** How many rows each key id sealed. */
  countByKeyId(): Promise<{ keyId: string; count: number }[]>;
  /** Runs `work` in one transaction with a repository bound to it; a throw rolls everything back. */
  transaction<T>(work: (repository: SecretRepository) => Promise<T>): Promise<T>;
}

const ownedBy = (ownerId: string | null) =>
  ownerId === null ? isNull(secrets.ownerId) : eq(secrets.ownerId, ownerId);

/**
 * The secrets repository over a database or a transaction handle.
 * @example const repository = createSecretRepository(storage.db);
 */
export function createSecretRepository(db: Database): SecretRepository {
  const scoped = (ownerId: string | null, id: string) => and(eq(secrets.id, id), ownedBy(ownerId));
  return {
    async create(secret) {
      const [row] = await db.insert(secrets).values(secret).returning();
      return row!;
    },

    async findForOwner(ownerId, id) {
      // An id that is not a UUID cannot match, and PostgreSQL would reject it with a 500.
      if (!isUuid(id) || (ownerId !== null && !isUuid(ownerId))) return undefined;
      const [row] = await db.select().from(secrets).where(scoped(ownerId, id));
      return row;
    },

    async listForOwner(ownerId) {
      if (ownerId !== null && !isUuid(ownerId)) return [];
      const { ciphertext: _, ...metadata } = getTableColumns(secrets);
      return db.select(metadata).from(secrets).where(ownedBy(ownerId)).orderBy(asc(secrets.id));
    },

    async updateForOwner(ownerId, id, value) {
      if (!isUuid(id) || (ownerId !== null && !isUuid(ownerId))) return undefined;
      const [row] = await db.update(secrets).set(value).where(scoped(ownerId, id)).returning();
      return row;
    },

    async deleteForOwner(ownerId, id) {
      if (!isUuid(id) || (ownerId !== null && !isUuid(ownerId))) return false;
      const rows = await db.delete(secrets).where(scoped(ownerId, id)).returning({ id: secrets.id });
      return rows.length > 0;
    },

    async listBatch({ afterId, limit, lock = false }) {
      const query = db
        .select()
        .from(secrets)
        .where(afterId === undefined ? undefined : gt(secrets.id, afterId))
        .orderBy(asc(secrets.id))
        .limit(limit);
      return lock ? query.for('update') : query;
    },

    async reencrypt(id, value) {
      await db
        .update(secrets)
        .set({ ...value, updatedAt: sql`${secrets.updatedAt}` })
        .where(eq(secrets.id, id));
    },

    async countByKeyId() {
      return db
        .select({ keyId: secrets.keyId, count: count() })
        .from(secrets)
        .groupBy(secrets.keyId)
        .orderBy(asc(secrets.keyId));
    },

    async transaction(work) {
      return db.transaction((tx) => work(createSecretRepository(tx)));
    },
  };
}
