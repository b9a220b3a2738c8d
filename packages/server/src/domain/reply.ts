/**
 * How a reply ends. `complete`: the model finished; `cancelled`: a person stopped it; `error`: the
 * model or the server failed; `interrupted`: the server stopped (shutdown, a lost database, a dead
 * process) before it finished. The stream's `finish` part and the stored status use the same words.
 */
export const REPLY_END_STATUSES = ['complete', 'cancelled', 'error', 'interrupted'] as const;
export type ReplyEndStatus = (typeof REPLY_END_STATUSES)[number];

/** Why the model stopped writing, as stored in `messages.finish_reason` and streamed in `finish`. */
export const FINISH_REASONS = [
  'stop',
  'length',
  'tool-calls',
  'content-filter',
  'cancelled',
  'error',
  'other',
] as const;
export type FinishReason = (typeof FINISH_REASONS)[number];

/** Time to the first token and the whole reply, in milliseconds, as measured by the writer. */
export interface ReplyTimings {
  timeToFirstTokenMs: number | null;
  durationMs: number | null;
}
