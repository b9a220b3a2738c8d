/**
 * Orders tree nodes so every parent comes before its children: breadth-first from the roots,
 * siblings kept in the order they were given. Nodes that cannot be reached from a root (they sit
 * on a loop, or under a parent that is not there) are returned apart.
 *
 * @example orderParentsFirst(messages, (m) => m.id, (m) => m.parentId).ordered
 */
export function orderParentsFirst<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  parentOf: (item: T) => string | null,
): { ordered: T[]; unreachable: T[] } {
  const children = new Map<string | null, T[]>();
  for (const item of items) {
    const parent = parentOf(item);
    const list = children.get(parent);
    if (list) list.push(item);
    else children.set(parent, [item]);
  }
  const ordered = [...(children.get(null) ?? [])];
  for (let i = 0; i < ordered.length; i++) {
    const below = children.get(keyOf(ordered[i]!));
    if (below) ordered.push(...below);
  }
  if (ordered.length === items.length) return { ordered, unreachable: [] };
  const reached = new Set(ordered);
  return { ordered, unreachable: items.filter((item) => !reached.has(item)) };
}
