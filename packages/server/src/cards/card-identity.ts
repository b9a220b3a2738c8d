import { createHash } from 'node:crypto';
import type { CardV3 } from './card-types.js';

/**
 * Fields that say how a card was packed rather than what it is: `assets` lists the pictures a
 * CHARX carries (a PNG carries its own and lists none), `modification_date` changes on every save.
 */
const PACKAGING = ['assets', 'modification_date'] as const;

/**
 * A content hash of a card that is the same however the card was packed: PNG, JSON V2 or V3 and
 * CHARX of one card read to one V3 object, and the hash sorts object keys, so key order does not
 * matter either. Used to notice that the same card is imported twice.
 * @example cardContentHash(parseCard(json).card) // 'card:sha256:9f86d0…'
 */
export function cardContentHash(card: CardV3): string {
  const data: Record<string, unknown> = { ...card.data };
  for (const field of PACKAGING) delete data[field];
  return `card:sha256:${sha256(canonicalJson({ ...card, data }))}`;
}

/**
 * A content hash of any JSON value (object keys sorted), for imports that are not cards (Lumina XML).
 * @example contentHash('xml', { name: 'Ari' }) // 'xml:sha256:…'
 */
export function contentHash(kind: string, value: unknown): string {
  return `${kind}:sha256:${sha256(canonicalJson(value))}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys in code-point order and `undefined` fields left out, as JSON.stringify does. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).sort()) sorted[key] = (inner as Record<string, unknown>)[key];
    return sorted;
  });
}
