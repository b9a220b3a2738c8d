/**
 * One model call as the usage log records it (`usage_events`): who, which model, what for, the
 * tokens (counted by us when the provider did not say: `tokensReported` false), the cost when a
 * price is known, the timings, and how the call ended.
 */
export interface UsageEvent {
  /** Given by the caller when the same event may be written twice (a retried finish). */
  id?: string;
  userId: string;
  provider: string;
  model: string;
  purpose: string;
  avatarId: string | null;
  inputTokens: number;
  outputTokens: number;
  tokensReported: boolean;
  costUsd: number | null;
  timeToFirstTokenMs: number | null;
  durationMs: number;
  status: string;
  errorCode: string | null;
}
