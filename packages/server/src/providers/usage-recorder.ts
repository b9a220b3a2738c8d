import type { UsageRepository } from '../repositories/usage.repository.js';
import type { FallbackPart } from './fallback.js';
import { costOf, type Price, priceFor } from './pricing.js';
import type { ModelInfo, Usage } from './types.js';

export interface UsageContext {
  userId: string;
  purpose: string;
  avatarId?: string;
  /** Looks up a model's metadata (local or not) by id. */
  modelInfo: (modelId: string) => ModelInfo | undefined;
  prices: () => Promise<Price[]>;
  usage: UsageRepository;
  /**
   * Told when the usage event could not be stored (or prices not read). Recording is
   * best-effort: a call that worked is never failed by its accounting (the event is dropped).
   */
  onRecordFailed?: (err: unknown) => void;
  now?: () => number;
}

/** What a finished call cost and how long it took, as recorded. */
export interface CallSummary {
  modelId: string | null;
  usage: Usage | null;
  costUsd: number | null;
  timeToFirstTokenMs: number | null;
  durationMs: number;
  status: 'complete' | 'cancelled' | 'error';
  errorCode: string | null;
}

/**
 * Passes a model stream through unchanged, measuring time to first token and duration, and
 * records one usage event when it ends (also when it fails or is cancelled). The summary is
 * emitted as a final `usage`-like part for callers that show it.
 */
export async function* recordUsage(
  stream: AsyncIterable<FallbackPart>,
  context: UsageContext,
): AsyncGenerator<FallbackPart | { type: 'call-summary'; summary: CallSummary }> {
  const now = context.now ?? (() => performance.now());
  const started = now();
  let firstToken: number | null = null;
  let modelId: string | null = null;
  let usage: Usage | null = null;
  let status: CallSummary['status'] = 'complete';
  let errorCode: string | null = null;
  let recorded: CallSummary | undefined;
  const record = async (): Promise<CallSummary> => {
    const info = modelId ? context.modelInfo(modelId) : undefined;
    let costUsd: number | null = null;
    try {
      if (usage && modelId)
        costUsd = costOf(usage, priceFor(modelId, await context.prices()), info?.local ?? false);
    } catch (err) {
      context.onRecordFailed?.(err);
    }
    const summary: CallSummary = {
      modelId,
      usage,
      costUsd,
      timeToFirstTokenMs: firstToken === null ? null : Math.round(firstToken - started),
      durationMs: Math.round(now() - started),
      status,
      errorCode,
    };
    recorded = summary;
    await context.usage
      .record({
        userId: context.userId,
        provider: modelId?.split('/')[0] ?? 'none',
        model: modelId ?? 'none',
        purpose: context.purpose,
        avatarId: context.avatarId ?? null,
        inputTokens: usage?.inputTokens ?? 0,
        outputTokens: usage?.outputTokens ?? 0,
        tokensReported: usage?.reported ?? false,
        costUsd,
        timeToFirstTokenMs: summary.timeToFirstTokenMs,
        durationMs: summary.durationMs,
        status,
        errorCode,
      })
      .catch((err: unknown) => context.onRecordFailed?.(err));
    return summary;
  };
  try {
    for await (const part of stream) {
      if (part.type === 'model') modelId = part.modelId;
      if (part.type === 'text-delta' && firstToken === null) firstToken = now();
      if (part.type === 'usage') usage = part.usage;
      if (part.type === 'error') errorCode = part.code;
      if (part.type === 'finish') {
        status =
          part.finishReason === 'cancelled'
            ? 'cancelled'
            : part.finishReason === 'error'
              ? 'error'
              : 'complete';
      }
      yield part;
    }
    yield { type: 'call-summary', summary: await record() };
  } finally {
    // The consumer stopped early (client gone) or the stream threw: still account for the call.
    if (!recorded) {
      if (status === 'complete') status = 'cancelled';
      await record();
    }
  }
}
