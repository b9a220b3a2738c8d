import type { CircuitBreaker } from './circuit-breaker.js';
import type { ChatModel, ChatRequest, ChatStreamPart, ProviderErrorCode } from './types.js';
import { type CallSummaryPart, type UsageContext, usageMeter } from './usage-recorder.js';

/** Errors that say the provider (not the request) is at fault: they open the circuit. */
const PROVIDER_FAULTS = new Set<ProviderErrorCode>([
  'provider_unavailable',
  'provider_timeout',
  'provider_protocol_error',
  'provider_auth_failed',
]);

export interface FallbackOptions {
  /** Attempts per model for retryable failures before the first token (default 2 = 1 retry). */
  attemptsPerModel?: number;
  /** First backoff delay; doubles each retry, with jitter. */
  backoffMs?: number;
  breaker: CircuitBreaker;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Which model ended up answering, and the failures of the ones tried before it. */
export type FallbackEvent =
  | { type: 'attempt'; modelId: string; attempt: number }
  | { type: 'failed'; modelId: string; code: ProviderErrorCode; message: string; willRetry: boolean }
  | { type: 'skipped'; modelId: string; reason: 'circuit_open' };

export type FallbackPart = ChatStreamPart | { type: 'model'; modelId: string } | FallbackEvent;

/**
 * Streams from the first model of the chain that works. Before the first token, a retryable
 * failure is retried with backoff and then the next model is tried; once text has flowed, a
 * failure is final (the partial text stays with the caller, marked by the error part).
 * With `usage`, the call is measured as its parts go by and recorded when it ends (also when it
 * fails or the consumer stops early); the last part is then its `call-summary`. Measured here,
 * not in a generator of its own around this one: every token then takes one async hop less.
 * @example for await (const part of streamWithFallback([primary, local], request, { breaker })) …
 */
export async function* streamWithFallback(
  chain: ChatModel[] | (() => Promise<ChatModel[]>),
  request: ChatRequest,
  options: FallbackOptions & { usage?: UsageContext },
): AsyncGenerator<FallbackPart | CallSummaryPart> {
  const models = typeof chain === 'function' ? await chain() : chain;
  const attempts = options.attemptsPerModel ?? 2;
  const backoffMs = options.backoffMs ?? 250;
  const sleep = options.sleep ?? abortableSleep;
  const meter = options.usage ? usageMeter(options.usage) : undefined;
  // Every part goes out through here, so the meter sees exactly what the caller sees.
  const seen = <P extends FallbackPart>(part: P): P => {
    meter?.see(part);
    return part;
  };
  let lastError: Extract<ChatStreamPart, { type: 'error' }> | undefined;
  // A model answered (or failed after its first token): the chain's own ending is not needed.
  let ended = false;
  try {
    trying: for (const [index, model] of models.entries()) {
      const key = model.info.provider;
      const isLast = index === models.length - 1;
      if (!options.breaker.allow(key) && !isLast) {
        yield seen({ type: 'skipped', modelId: model.info.id, reason: 'circuit_open' });
        continue;
      }
      for (let attempt = 1; attempt <= attempts; attempt++) {
        yield seen({ type: 'attempt', modelId: model.info.id, attempt });
        let started = false;
        let failure: Extract<ChatStreamPart, { type: 'error' }> | undefined;
        for await (const part of model.stream(request)) {
          if (part.type === 'error') {
            failure = part;
            if (started) {
              yield seen(part); // after the first token a failure is final; partial text stays
              continue;
            }
            break;
          }
          if (
            !started &&
            (part.type === 'text-delta' ||
              part.type === 'reasoning-delta' ||
              part.type === 'tool-call' ||
              part.type === 'finish')
          ) {
            // Reasoning counts: the caller has shown it, so another model must not start over.
            started = true;
            yield seen({ type: 'model', modelId: model.info.id });
          }
          yield seen(part);
        }
        if (!failure) {
          options.breaker.success(key);
          ended = true;
          break trying;
        }
        if (PROVIDER_FAULTS.has(failure.code)) options.breaker.failure(key, failure.message);
        if (started) {
          yield seen({ type: 'finish', finishReason: 'error' });
          ended = true;
          break trying;
        }
        lastError = failure;
        const retry = failure.retryable && attempt < attempts && !request.signal?.aborted;
        yield seen({
          type: 'failed',
          modelId: model.info.id,
          code: failure.code,
          message: failure.message,
          willRetry: retry,
        });
        if (!retry) break;
        await sleep(backoffMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5), request.signal);
      }
      if (request.signal?.aborted) break;
      // Errors the request caused (bad request, too long) would fail on every model alike.
      if (
        lastError &&
        !lastError.retryable &&
        !PROVIDER_FAULTS.has(lastError.code) &&
        lastError.code !== 'model_not_found'
      )
        break;
    }
    if (!ended) {
      if (request.signal?.aborted) yield seen({ type: 'finish', finishReason: 'cancelled' });
      else {
        yield seen(
          lastError ?? {
            type: 'error',
            code: 'provider_unavailable',
            message: 'No model is available',
            retryable: false,
          },
        );
        yield seen({ type: 'finish', finishReason: 'error' });
      }
    }
    if (meter) yield { type: 'call-summary', summary: await meter.record() };
  } finally {
    // The consumer stopped early (client gone) or the stream threw: still account for the call.
    if (meter && !meter.recorded()) await meter.record(true);
  }
}
function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
