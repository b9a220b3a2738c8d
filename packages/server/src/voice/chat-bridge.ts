/**
 * What the voice loop needs of the conversation engine: store the user's words and start a reply
 * (the same path as a typed send: ReplyService.send, so the turn is in the conversation tree and
 * memory extraction runs after it), follow the reply's text, cancel it, and cut a stored reply to
 * what the user heard. voice/reply-service-bridge.ts implements it over ReplyService.
 */
export type ReplyEvent =
  | { type: 'user-message'; messageId: string }
  | { type: 'text'; text: string }
  | { type: 'end'; status: string; text: string };

export interface ChatBridge {
  /** Checks the caller's credential, stores the user message and starts the reply. */
  send(text: string): Promise<{ replyId: string }>;
  /** The reply's events from its start: the user message's id first, then text, then `end`. */
  follow(replyId: string, signal: AbortSignal): AsyncIterable<ReplyEvent>;
  /** Stops the reply in flight (the registry's one way a reply is stopped). */
  cancel(replyId: string): Promise<void>;
  /** Once the reply is stored, replaces its text with `heard` (what the user heard of it); '' deletes it. */
  cut(replyId: string, heard: string): Promise<void>;
}
