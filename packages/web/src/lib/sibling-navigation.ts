import type { ChatMessage } from './conversations';

export interface SiblingPosition {
  /** 1-based, as shown: `< 2/3 >`. */
  index: number;
  total: number;
  previousId: string | null;
  nextId: string | null;
}

/**
 * Where a message stands among its siblings (oldest first), or null when it has none: the
 * navigator is only shown for alternatives.
 * @example siblingPosition({ id: 'b', siblingIds: ['a', 'b', 'c'] }) // { index: 2, total: 3, previousId: 'a', nextId: 'c' }
 */
export function siblingPosition(message: Pick<ChatMessage, 'id' | 'siblingIds'>): SiblingPosition | null {
  const ids = message.siblingIds ?? [message.id];
  const at = ids.indexOf(message.id);
  if (ids.length < 2 || at < 0) return null;
  return {
    index: at + 1,
    total: ids.length,
    previousId: at > 0 ? ids[at - 1]! : null,
    nextId: at < ids.length - 1 ? ids[at + 1]! : null,
  };
}

/** `< 2/3 >` as read aloud: "Alternative 2 of 3". */
export function siblingLabel(position: SiblingPosition): string {
  return `Alternative ${position.index} of ${position.total}`;
}

/** What ← / → do to the branch's last reply: show another alternative, or write a new one. */
export type SwipeStep = { kind: 'switch'; id: string } | { kind: 'regenerate'; id: string };

/**
 * ← / → on the branch's last reply (SillyTavern's swipes): the previous or next alternative,
 * and → on the last alternative writes a new one (as Regenerate). Nothing when the branch does
 * not end with a finished reply to a message (a greeting has only its siblings).
 * @example swipeStep([question, lastAlternative], 1) // { kind: 'regenerate', id: lastAlternative.id }
 */
export function swipeStep(
  messages: readonly Pick<ChatMessage, 'id' | 'siblingIds' | 'role' | 'status' | 'parentId'>[],
  direction: -1 | 1,
): SwipeStep | null {
  const last = messages.at(-1);
  if (last?.role !== 'assistant' || last.status === 'streaming') return null;
  const position = siblingPosition(last);
  const to = direction < 0 ? position?.previousId : position?.nextId;
  if (to) return { kind: 'switch', id: to };
  if (direction > 0 && last.parentId) return { kind: 'regenerate', id: last.id };
  return null;
}
