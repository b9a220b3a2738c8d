import type { FallbackPart } from '../providers/fallback.js';
import type { CallSummary } from '../providers/usage-recorder.js';
import type { ModelTestEvent } from '../realtime/model-test-events.js';

/** What `ModelService.stream` yields: the chain's parts, then what the call was recorded as. */
export type ModelCallPart = FallbackPart | { type: 'call-summary'; summary: CallSummary };

/**
 * Presents a model call as the `ModelTestEvent` stream (realtime/model-test-events.ts). Text,
 * fallback progress and errors go out as they arrive; the provider's own `usage` and `finish`
 * wait for the call's summary, because only it knows the cost, the timings and the status the
 * call was recorded with — so `usage` carries its `costUsd` like a reply's, and `finish` stays
 * the last event.
 * @example await sendServerSentEvents(request, reply, (signal) => presentModelTest(models.stream(…)));
 */
export async function* presentModelTest(parts: AsyncIterable<ModelCallPart>): AsyncGenerator<ModelTestEvent> {
  let finishReason: string | null = null;
  for await (const part of parts) {
    switch (part.type) {
      case 'attempt':
      case 'failed':
      case 'skipped':
      case 'model':
      case 'text-delta':
        yield part;
        break;
      case 'error':
        // `retryable` is the fallback chain's business, already acted on by it.
        yield { type: 'error', code: part.code, message: part.message };
        break;
      case 'usage':
        break; // sent with its cost from the summary
      case 'finish':
        finishReason = part.finishReason;
        break;
      case 'reasoning-delta':
        break; // a model test shows the answer (ModelTestEvent has no reasoning-delta)
      case 'tool-call':
        break; // the test offers no tools, so a model that calls one anyway is not answered
      case 'call-summary': {
        const { summary } = part;
        if (summary.usage) {
          yield { type: 'usage-source', reported: summary.usage.reported };
          yield {
            type: 'usage',
            inputTokens: summary.usage.inputTokens,
            outputTokens: summary.usage.outputTokens,
            costUsd: summary.costUsd,
          };
        }
        yield {
          type: 'finish',
          status: summary.status,
          finishReason,
          timings: { timeToFirstTokenMs: summary.timeToFirstTokenMs, durationMs: summary.durationMs },
        };
        break;
      }
      default:
        part satisfies never;
    }
  }
}
