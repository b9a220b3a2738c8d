import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../db/database.js';
import { memories } from '../db/schema/index.js';
import { createUserRepository } from '../repositories/user.repository.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import {
  ensureVectorIndex,
  exactSimilaritySql,
  HNSW_SEARCH_SETTINGS,
  hasPgvector,
  realArrayLiteral,
  similarityFromDistance,
  vectorDistanceSql,
  vectorIndexName,
  vectorIndexType,
  vectorLiteral,
  vectorPredicateSql,
} from './vector-index.js';
import { dot, l2Normalize } from './vector-math.js';

/** A reproducible pseudo-random unit vector (a linear congruential generator per seed). */
function unitVector(seed: number, dimensions: number): number[] {
  let state = seed * 2_654_435_761;
  const values = Array.from({ length: dimensions }, () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 2 ** 32 - 0.5;
  });
  return l2Normalize(values)!;
}

describe('vector SQL builders', () => {
  it('picks vector up to 2,000 dimensions, halfvec up to 4,000, none beyond', () => {
    expect(vectorIndexType(8)).toBe('vector');
    expect(vectorIndexType(2000)).toBe('vector');
    expect(vectorIndexType(3072)).toBe('halfvec');
    expect(vectorIndexType(4001)).toBeNull();
    expect(vectorIndexType(0)).toBeNull();
    expect(vectorIndexType(1.5)).toBeNull();
  });

  it('writes query vectors as one parameter and refuses what is not a number', () => {
    expect(vectorLiteral([0.5, -1, 2e-7])).toBe('[0.5,-1,2e-7]');
    expect(realArrayLiteral([0.5, -1])).toBe('{0.5,-1}');
    expect(() => vectorLiteral([Number.NaN])).toThrow(RangeError);
    expect(() => vectorDistanceSql(sql`embedding`, 3, [1, 0])).toThrow(RangeError);
  });
});

describeStorage('vector index and search (%s)', (mode) => {
  let storage: TestStorage;
  let userId: string;
  let otherUserId: string;
  const DIMS = 8;
  const ROWS = 2_000;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    const users = createUserRepository(storage.db);
    userId = (await users.create({ email: 'vi@example.org', passwordHash: 'x', name: 'Vi' })).id;
    otherUserId = (await users.create({ email: 'other@example.org', passwordHash: 'x', name: 'O' })).id;
    const rows = Array.from({ length: ROWS }, (_, i) => ({
      ownerId: i % 4 === 3 ? otherUserId : userId,
      kind: 'fact' as const,
      origin: 'manual' as const,
      content: `memory ${i}`,
      embedding: unitVector(i + 1, DIMS),
      embeddingModel: 'test/eight',
    }));
    // Vectors of another model and dimension in the same column: never matched by an 8-dim query.
    rows.push(
      ...Array.from({ length: 20 }, (_, i) => ({
        ownerId: userId,
        kind: 'fact' as const,
        origin: 'manual' as const,
        content: `four ${i}`,
        embedding: unitVector(10_000 + i, 4),
        embeddingModel: 'test/four',
      })),
    );
    for (let i = 0; i < rows.length; i += 500)
      await storage.db.insert(memories).values(rows.slice(i, i + 500));
    await storage.db.execute(sql`analyze memories`);
  });
  afterAll(async () => {
    await storage?.close();
  });

  const indexes = async () =>
    (
      await queryRows<{ indexname: string; indexdef: string }>(
        storage.db,
        sql`select indexname, indexdef from pg_indexes where tablename = 'memories' and indexname like '%hnsw%'`,
      )
    ).map((r) => r.indexname);

  it(`detects pgvector: ${mode === 'pglite' ? 'present' : 'absent'} on the test ${mode}`, async () => {
    const installed = (
      await queryRows<{ n: number }>(
        storage.db,
        sql`select 1 as n from pg_extension where extname = 'vector'`,
      )
    ).length;
    expect(await hasPgvector(storage.db)).toBe(installed > 0);
    // PGlite ships pgvector; the CI PostgreSQL (and this machine's test server) does not.
    if (mode === 'pglite') expect(await hasPgvector(storage.db)).toBe(true);
  });

  it('creates one partial HNSW index per dimension where pgvector exists, once, even when asked concurrently', async () => {
    const vector = await hasPgvector(storage.db);
    const results = await Promise.all([
      ensureVectorIndex(storage.db, 'memories', DIMS),
      ensureVectorIndex(storage.db, 'memories', DIMS),
      ensureVectorIndex(storage.db, 'memories', 4),
    ]);
    expect(results).toEqual([vector, vector, vector]);
    expect((await indexes()).sort()).toEqual(
      vector ? [vectorIndexName('memories', 4), vectorIndexName('memories', DIMS)] : [],
    );
    if (vector) {
      const [def] = await queryRows<{ indexdef: string }>(
        storage.db,
        sql`select indexdef from pg_indexes where indexname = ${vectorIndexName('memories', DIMS)}`,
      );
      expect(def!.indexdef).toMatch(
        /USING hnsw .*vector\(8\).*vector_cosine_ops.*array_length\(embedding, 1\) = 8/,
      );
    }
  });

  it('another process (which has not ensured it itself) asks again: no error, the same index', async () => {
    if (!(await hasPgvector(storage.db))) return;
    // A second handle on the same database has its own "already ensured" memory, like another process.
    const other = { ...storage.db } as typeof storage.db;
    Object.setPrototypeOf(other, Object.getPrototypeOf(storage.db));
    await expect(ensureVectorIndex(other, 'memories', DIMS)).resolves.toBe(true);
  });

  /** The user's 5 nearest 8-dim vectors of the model, by exact scan. */
  async function exactNearest(query: number[]) {
    return queryRows<{ content: string; score: number }>(
      storage.db,
      sql`select content, ${exactSimilaritySql(memories.embedding, query)} as score from memories
        where owner_id = ${userId} and embedding_model = 'test/eight' and ${vectorPredicateSql(memories.embedding, DIMS)}
        order by score desc limit 5`,
    );
  }

  it('exact scan: ranks by cosine, only the owner rows of the model and dimension', async () => {
    const query = unitVector(42, DIMS); // row 41's vector
    const found = await exactNearest(query);
    expect(found[0]!.content).toBe('memory 41');
    expect(found[0]!.score).toBeCloseTo(1, 5);
    // Scores fall, and each is the dot product of unit vectors computed here.
    for (let i = 1; i < found.length; i++) expect(found[i]!.score).toBeLessThanOrEqual(found[i - 1]!.score);
    const index = Number(found[1]!.content.split(' ')[1]);
    expect(found[1]!.score).toBeCloseTo(dot(query, unitVector(index + 1, DIMS)), 5);
    expect(
      found.every((row) => row.content.startsWith('memory ') && Number(row.content.slice(7)) % 4 !== 3),
    ).toBe(true);
  });

  it('pgvector: the distance form finds what the exact scan finds, and EXPLAIN shows the HNSW index', async () => {
    if (!(await hasPgvector(storage.db))) {
      // Without the extension the cast does not exist: recall must use the exact form.
      await expect(
        storage.db.execute(sql`select ${vectorDistanceSql(memories.embedding, DIMS, unitVector(1, DIMS))}
          from memories limit 1`),
      ).rejects.toThrow();
      return;
    }
    const query = unitVector(7, DIMS);
    const nearest = sql`select content, ${vectorDistanceSql(memories.embedding, DIMS, query)} as distance
      from memories
      where owner_id = ${userId} and embedding_model = 'test/eight' and ${vectorPredicateSql(memories.embedding, DIMS)}
      order by distance limit 5`;
    const viaIndex = await storage.db.transaction(async (tx) => {
      for (const setting of HNSW_SEARCH_SETTINGS) await tx.execute(setting);
      const plan = await queryRows<{ 'QUERY PLAN': string }>(tx, sql`explain ${nearest}`);
      expect(plan.map((line) => line['QUERY PLAN']).join('\n')).toContain(
        `Index Scan using ${vectorIndexName('memories', DIMS)}`,
      );
      return queryRows<{ content: string; distance: number }>(tx, nearest);
    });
    const exact = await exactNearest(query);
    expect(viaIndex.map((r) => r.content)).toEqual(exact.map((r) => r.content));
    viaIndex.forEach((row, i) => {
      expect(similarityFromDistance(row.distance)).toBeCloseTo(exact[i]!.score, 4);
    });
  });
});
