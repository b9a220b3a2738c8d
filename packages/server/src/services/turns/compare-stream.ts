import type { ConversationEvent } from '../../realtime/conversation-events.js';
import type { ReplyEvent } from '../../realtime/reply-bus.js';

/**
 * The replies of one compare as one stream of conversation events (`{messageId, seq, part}`):
 * each reply is followed on its own from its first part, and every part is passed on the moment
 * it arrives, whatever the other replies do (a column's first token waits for nobody). Ends when
 * every reply has ended (after its `finish`), or when `signal` aborts.
 */
export async function* followReplies(
  replyIds: readonly string[],
  follow: (replyId: string, signal: AbortSignal) => AsyncIterable<ReplyEvent>,
  signal: AbortSignal,
): AsyncGenerator<ConversationEvent> {
  const queue: ConversationEvent[] = [];
  let wake: (() => void) | undefined;
  let open = replyIds.length;
  const nudge = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  signal.addEventListener('abort', nudge, { once: true });
  for (const messageId of replyIds) {
    void (async () => {
      try {
        for await (const { seq, part } of follow(messageId, signal)) {
          queue.push({ messageId, seq, part });
          nudge();
        }
      } catch {
        // A follow ends with `finish` or with the signal; anything else ends that reply's part
        // of the stream only (its row tells what happened on a reload).
      } finally {
        open -= 1;
        nudge();
      }
    })();
  }
  try {
    while (!signal.aborted) {
      const next = queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (open === 0) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    signal.removeEventListener('abort', nudge);
  }
}
