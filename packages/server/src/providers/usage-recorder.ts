import type { UsageEvent } from '../domain/usage.js';
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
  /** Where the event goes: the usage log, or a reply run that stores it with its finish. */
  usage: { record(event: UsageEvent): Promise<void> };
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

/** What `ModelService.stream` yields after the chain's parts: what the call was recorded as. */
export type CallSummaryPart = { type: 'call-summary'; summary: CallSummary };

/**
 * Measures a model stream as its parts go by (time to first token, duration, model, usage, how it
 * ended) and records one usage event when it ends — also when it fails or is cancelled. Not a
 * stream stage of its own: the fallback loop calls `see` for each part it yields, so a token
 * passes one generator less.
 * @example const meter = usageMeter(context); for (…) meter.see(part); const summary = await meter.record();
 */
export function usageMeter(context: UsageContext) {
  const now = context.now ?? (() => performance.now());
  const started = now();
  let firstToken: number | null = null;
  let modelId: string | null = null;
  let usage: Usage | null = null;
  let status: CallSummary['status'] = 'complete';
  let errorCode: string | null = null;
  let recorded: CallSummary | undefined;
  return {
    see(part: FallbackPart): void {
      switch (part.type) {
        case 'text-delta':
          if (firstToken === null) firstToken = now();
          break;
        case 'model':
          modelId = part.modelId;
          break;
        case 'usage':
          usage = part.usage;
          break;
        case 'error':
          errorCode = part.code;
          break;
        case 'finish':
          status =
            part.finishReason === 'cancelled'
              ? 'cancelled'
              : part.finishReason === 'error'
                ? 'error'
                : 'complete';
          break;
      }
    },
    /** Whether `record` has run. */
    recorded: () => recorded !== undefined,
    /**
     * Records the call. `stoppedEarly`: the consumer stopped before the end (client gone) or the
     * stream threw, so a call that has not failed counts as cancelled.
     */
    async record(stoppedEarly = false): Promise<CallSummary> {
      if (stoppedEarly && status === 'complete') status = 'cancelled';
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
    },
  };
}

export type UsageMeter = ReturnType<typeof usageMeter>;
