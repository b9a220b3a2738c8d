import type { StreamPart } from '../../realtime/stream-parts.js';

/**
 * Publishes a stream's deltas coalesced: the first delta of a macrotask goes out at once (first
 * content is not held back), the ones that follow it in the same macrotask — a chunk of the model's
 * answer carrying many tokens arrives as one burst of parts — go out as one delta on
 * `setImmediate`, or before the next part of another kind, so order is kept exactly. Fewer bus
 * events, follower wake-ups and SSE frames per token; the stored parts are grown per delta as
 * before, so the text is the same either way.
 * @example const deltas = coalescedDeltas(publish); deltas.add('text-delta', 'Hel'); deltas.add('text-delta', 'lo'); deltas.flush();
 */
export function coalescedDeltas(publish: (part: StreamPart) => void) {
  let kind: 'text-delta' | 'reasoning-delta' = 'text-delta';
  let pending = '';
  // A macrotask is open: a setImmediate is due that ends it.
  let open = false;
  const flush = () => {
    if (pending === '') return;
    const delta = pending;
    pending = '';
    publish({ type: kind, delta });
  };
  const close = () => {
    open = false;
    flush();
  };
  return {
    add(type: 'text-delta' | 'reasoning-delta', delta: string) {
      if (delta === '') return;
      if (type !== kind) {
        flush();
        kind = type;
      }
      if (!open) {
        open = true;
        setImmediate(close);
        publish({ type, delta });
        return;
      }
      pending += delta;
    },
    /** Publishes what is held now (before a part of another kind, or at the end). */
    flush,
  };
}
