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
