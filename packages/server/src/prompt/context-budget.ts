import type { TokenCounter } from './prompt-token-counter.js';

/**
 * Chat formats frame every message with a few tokens (role markers, separators) and prime the
 * reply with a few more; OpenAI documents 3 and 3, the same figures providers/adapters/
 * token-counter.ts uses when a provider reports no usage. Other formats are close enough.
 */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_REPLY = 3;

/** One message of the history the budget may keep or drop. */
export interface HistoryCandidate<T> {
  item: T;
  text: string;
  /** Tokens sent beside the text (pictures, at a fixed estimate each). */
  extraTokens?: number;
}

export interface HistoryFit<T> {
  /** Kept messages, oldest first, each with its text's token count (and its extra tokens). */
  kept: { item: T; tokens: number }[];
  /** Messages that did not fit, oldest first. */
  dropped: T[];
  /** Tokens the kept messages take, framing included. */
  used: number;
}

/**
 * Keeps the newest messages that fit in `room` tokens (framing included), walking back from the
 * newest and stopping at the first one that does not fit, so the history sent is always a
 * contiguous run ending at the newest message. With `forceNewest`, the newest message is kept
 * even when it alone is larger than `room` (without it there is nothing to answer); the caller
 * reports the overflow. Older messages are never counted once one has not fitted, which keeps
 * a 10,000-message branch cheap.
 * @example await fitHistory([{ item: 1, text: 'old' }, { item: 2, text: 'new' }], 6, (t) => t.length)
 * // { kept: [{ item: 2, tokens: 3 }], dropped: [1], used: 6 }
 */
export async function fitHistory<T>(
  candidates: readonly HistoryCandidate<T>[],
  room: number,
  countTokens: TokenCounter,
  forceNewest = false,
): Promise<HistoryFit<T>> {
  const kept: { item: T; tokens: number }[] = [];
  let used = 0;
  let index = candidates.length - 1;
  for (; index >= 0; index--) {
    const candidate = candidates[index]!;
    const tokens = (await countTokens(candidate.text)) + (candidate.extraTokens ?? 0);
    const cost = tokens + TOKENS_PER_MESSAGE;
    if (used + cost > room && !(forceNewest && kept.length === 0)) break;
    kept.push({ item: candidate.item, tokens });
    used += cost;
  }
  kept.reverse();
  const dropped = candidates.slice(0, index + 1).map((candidate) => candidate.item);
  return { kept, dropped, used };
}

/**
 * The longest prefix of `items` whose rendered text fits in `room` tokens (each item is kept
 * or dropped as a whole; the order says which matter most). A binary search over the prefix
 * length, since a longer prefix never renders shorter. Returns the count kept, the text and
 * its tokens; 0 items when even the first does not fit.
 * @example await fitPrefix(['a', 'b'], (xs) => xs.join(''), 1, (t) => t.length) // { count: 1, text: 'a', tokens: 1 }
 */
export async function fitPrefix<T>(
  items: readonly T[],
  render: (items: readonly T[]) => string,
  room: number,
  countTokens: TokenCounter,
): Promise<{ count: number; text: string; tokens: number }> {
  let best = { count: 0, text: '', tokens: 0 };
  let low = 1;
  let high = items.length;
  while (low <= high) {
    const count = Math.floor((low + high) / 2);
    const text = render(items.slice(0, count));
    const tokens = await countTokens(text);
    if (tokens <= room) {
      best = { count, text, tokens };
      low = count + 1;
    } else {
      high = count - 1;
    }
  }
  return best;
}
