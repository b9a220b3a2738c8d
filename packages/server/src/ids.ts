import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

// One system call fills random bytes for 256 ids; `uuid` makes one per id, a measurable share
// of the server's CPU in the chat bench, where every request and message takes ids.
const POOL_IDS = 256;
const pool = new Uint8Array(16 * POOL_IDS);
let next = POOL_IDS;
// The same monotonic rule as `uuid`'s own v7 state: within one millisecond the counter counts
// up from a random start, so ids made in order sort in order (siblings are ordered by id).
let lastMs = Number.NEGATIVE_INFINITY;
let seq = 0;

/**
 * A new UUIDv7: sortable by creation time (also within a millisecond), random in the rest.
 * @example newId() // '019a5b1e-7c2d-7f3a-9b1c-2d3e4f5a6b7c'
 */
export function newId(): string {
  if (next === POOL_IDS) {
    randomFillSync(pool);
    next = 0;
  }
  const random = pool.subarray(next * 16, ++next * 16);
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
  } else {
    seq = (seq + 1) | 0;
    if (seq === 0) lastMs++;
  }
  return uuidv7({ random, msecs: lastMs, seq });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True for a UUID in its usual text form (any version). Repositories check ids a caller could
 * have typed before they reach the database: one that is not a UUID matches no row, where
 * PostgreSQL would fail the statement.
 * @example isUuid(newId()) // true
 */
export const isUuid = (value: string): boolean => UUID.test(value);
