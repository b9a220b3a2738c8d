import type { ConversationEvent } from '@lumina/sdk';

/**
 * What the conversation page does with one event of its conversation's events stream
 * (`GET /api/conversations/{id}/events`, every reply of the conversation from any tab or instance):
 * - `title`: the conversation got its automatic title (a background job names it after the first
 *   exchange, usually after the reply's own stream ended) — show it in the header and the list;
 * - `refetch`: a message the page does not show started (a reply sent or regenerated in another
 *   tab) — fetch the branch again; the page then follows the reply like one found on load;
 * - `none`: everything else. The reply this tab streams is drawn from its own stream, so its parts
 *   arriving here too are ignored, and so is any start while this tab is streaming (the branch is
 *   fetched again when that stream ends anyway).
 */
export type ConversationEventAction =
  | { kind: 'title'; title: string }
  | { kind: 'refetch'; messageId: string }
  | { kind: 'none' };

export interface ConversationView {
  /** True while this tab streams a reply (its own stream will refresh the branch when it ends). */
  busy: boolean;
  /** Whether the page already shows the message (the branch, or this tab's stream). */
  knows: (messageId: string) => boolean;
}

/**
 * Decides what one conversation event changes on the page. Pure.
 * @example conversationEventAction(id, { messageId, seq: 0, part: { type: 'title', conversationId: id, title: 'Tides' } }, view)
 */
export function conversationEventAction(
  conversationId: string,
  event: ConversationEvent,
  view: ConversationView,
): ConversationEventAction {
  const { part } = event;
  if (part.type === 'title')
    return part.conversationId === conversationId ? { kind: 'title', title: part.title } : { kind: 'none' };
  if (part.type === 'message-start' && !view.busy && !view.knows(part.messageId))
    return { kind: 'refetch', messageId: part.messageId };
  return { kind: 'none' };
}

/** First reconnect after 1 s, doubling up to 30 s: a server that is away is not hammered. */
export function reconnectDelayMs(failures: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, failures));
}
