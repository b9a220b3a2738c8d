import type { ActivatedLoreEntry, LorebookEntry } from './lorebook-engine.js';

/**
 * The text of the summary section, which stands in for the messages it covers.
 * @example summarySectionText('Sam and Aria met in Lyon.') // '## The conversation so far\n…'
 */
export function summarySectionText(summary: string): string {
  const body = summary.trim();
  if (!body) return '';
  return `## The conversation so far\nA summary of the earlier part of this conversation (those messages are not shown):\n${body}`;
}

/** Lorebook content placed inside the chat history: one message per depth and role. */
export interface DepthInjection {
  depth: number;
  role: 'system' | 'user' | 'assistant';
  text: string;
  entries: ActivatedLoreEntry[];
}

/**
 * Groups `at_depth` entries into the messages that are inserted into the history: entries with
 * the same depth and role share one message (as in SillyTavern), in insertion order. Groups
 * are ordered deepest first, then system, user, assistant, so insertion is deterministic.
 * @example groupDepthInjections(activation.byPosition.at_depth)[0]?.depth // 4
 */
export function groupDepthInjections(entries: readonly ActivatedLoreEntry[]): DepthInjection[] {
  const groups = new Map<string, DepthInjection>();
  for (const entry of entries) {
    const depth = Math.max(0, Math.floor(entry.depth ?? 0));
    const role = entry.entry.role ?? 'system';
    const key = `${depth}:${role}`;
    const group = groups.get(key) ?? { depth, role, text: '', entries: [] };
    group.entries.push(entry);
    group.text = group.text ? `${group.text}\n${entry.content.trim()}` : entry.content.trim();
    groups.set(key, group);
  }
  const roleRank = { system: 0, user: 1, assistant: 2 };
  return [...groups.values()].sort((a, b) => b.depth - a.depth || roleRank[a.role] - roleRank[b.role]);
}

/**
 * Inserts depth injections into a history (oldest first): depth 0 goes after the last
 * message, depth n before the n-th message from the end; a depth beyond the history's start
 * goes first.
 * @example insertAtDepth(['a', 'b', 'c'], [{ depth: 1, item: 'x' }]) // ['a', 'b', 'x', 'c']
 */
export function insertAtDepth<T>(
  history: readonly T[],
  injections: readonly { depth: number; item: T }[],
): T[] {
  const result = [...history];
  // Deepest first, each counted against the original history so injections do not shift each other.
  const ordered = [...injections].sort((a, b) => b.depth - a.depth);
  const offsets = ordered.map(({ depth }) => Math.max(0, history.length - depth));
  for (let i = ordered.length - 1; i >= 0; i--) result.splice(offsets[i]!, 0, ordered[i]!.item);
  return result;
}

/**
 * A short label for a lore entry in a context preview: its name, comment or first key.
 * @example loreEntryLabel({ entry: { keys: ['dragon'], content: '…', insertionOrder: 0 }, index: 3 }) // 'dragon'
 */
export function loreEntryLabel({ entry, index }: { entry: LorebookEntry; index: number }): string {
  return entry.name || entry.comment || entry.keys[0] || `entry ${index}`;
}
