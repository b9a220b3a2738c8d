import type { ChatStreamPart } from '../types.js';
import { ProviderError } from '../types.js';

export interface StreamTimeouts {
  /** Until the provider answers the request (response headers). */
  connectTimeoutMs: number;
  /** From the answer to the first text, reasoning or tool-call output. */
  firstTokenTimeoutMs: number;
  /** Longest silence between two outputs once the reply has started. */
  idleTimeoutMs: number;
}

export const DEFAULT_STREAM_TIMEOUTS: StreamTimeouts = {
  connectTimeoutMs: 10_000,
  firstTokenTimeoutMs: 60_000,
  idleTimeoutMs: 30_000,
};

/**
 * Signals a source gives the watchdog besides its parts. `connected` ends the connect phase
 * (the response headers arrived); `producing` counts as output that is not a part of ours
 * (reasoning), so a thinking model is not mistaken for a hung one.
 */
export interface StreamLiveness {
  connected(): void;
  producing(): void;
}

export interface GuardOptions {
  timeouts: StreamTimeouts;
  /** The caller's signal: aborting it ends the stream with finish `cancelled`. */
  signal?: AbortSignal;
  /** Turns whatever the source threw into our error. */
  toError(error: unknown): ProviderError;
}

type Phase = 'connect' | 'first-token' | 'streaming';
type Interrupt = 'timeout' | 'cancel';

const PHASE_LABEL: Record<Phase, string> = {
  connect: 'no response',
  'first-token': 'no first token',
  streaming: 'no output',
};

/** What a source's `next()` lost the race to. */
const INTERRUPTED = Symbol('interrupted');

/**
 * Runs a provider stream under the ChatModel contract, once for every adapter: connect,
 * first-token and idle timeouts (a hung provider ends with a `provider_timeout` error part),
 * prompt cancellation (finish `cancelled`, no error part), thrown errors turned into an error
 * part, exactly one finish, and the upstream request aborted whenever the stream ends early.
 *
 * Every token passes here, so the per-part work is kept small: one timer per stream that, when
 * it fires, compares the time of the last sign of life with the limit and sleeps again for the
 * rest (instead of a clearTimeout + setTimeout per token), and one promise per part that either
 * the source's `next()` or an interrupt settles.
 * @example
 * const parts = guardStream((signal, live) => openUpstream(signal, live), {
 *   timeouts: DEFAULT_STREAM_TIMEOUTS, signal: request.signal, toError: toProviderError,
 * });
 */
export async function* guardStream(
  open: (signal: AbortSignal, liveness: StreamLiveness) => AsyncIterable<ChatStreamPart>,
  { timeouts, signal, toError }: GuardOptions,
): AsyncGenerator<ChatStreamPart, void, undefined> {
  if (signal?.aborted) {
    yield { type: 'finish', finishReason: 'cancelled' };
    return;
  }
  const upstream = new AbortController();
  let phase: Phase = 'connect';
  let stopped: Interrupt | null = null;
  // True while the consumer holds a part: a slow consumer (speech synthesis) is not a hung provider.
  let paused = false;
  // Settles the pending wait for the source's next part (one promise per part, no Promise.race:
  // racing one long-lived interrupt promise would pile a reaction on it for every token).
  let waiting: ((value: typeof INTERRUPTED) => void) | null = null;
  let timer: NodeJS.Timeout | undefined;
  let lastLife = performance.now();

  const interrupt = (reason: Interrupt) => {
    if (stopped) return;
    stopped = reason;
    clearTimeout(timer);
    timer = undefined;
    waiting?.(INTERRUPTED);
  };
  const limit = () =>
    phase === 'connect'
      ? timeouts.connectTimeoutMs
      : phase === 'first-token'
        ? timeouts.firstTokenTimeoutMs
        : timeouts.idleTimeoutMs;
  const onTimer = () => {
    timer = undefined;
    if (stopped || paused) return; // resuming arms it again
    const left = lastLife + limit() - performance.now();
    if (left > 0) timer = setTimeout(onTimer, left);
    else interrupt('timeout');
  };
  // A sign of life: moves the deadline; a timer is only made when none is pending.
  const arm = () => {
    lastLife = performance.now();
    if (timer === undefined && !stopped && !paused) timer = setTimeout(onTimer, limit());
  };
  const advance = (to: Phase) => {
    if (to === 'streaming' || phase === 'connect') {
      if (to !== phase) {
        phase = to;
        // A pending timer may be set for a longer limit than the new phase's.
        clearTimeout(timer);
        timer = undefined;
      }
    }
    arm();
  };
  const onCallerAbort = () => interrupt('cancel');
  signal?.addEventListener('abort', onCallerAbort, { once: true });

  const liveness: StreamLiveness = {
    connected: () => advance(phase === 'connect' ? 'first-token' : phase),
    producing: () => advance('streaming'),
  };
  arm();
  const iterator = open(upstream.signal, liveness)[Symbol.asyncIterator]();
  try {
    while (true) {
      if (stopped === 'cancel') {
        // Aborted while the consumer held the last part: do not pull anything more.
        yield { type: 'finish', finishReason: 'cancelled' };
        return;
      }
      let outcome: IteratorResult<ChatStreamPart> | typeof INTERRUPTED;
      try {
        outcome = await new Promise<IteratorResult<ChatStreamPart> | typeof INTERRUPTED>(
          (resolve, reject) => {
            waiting = resolve;
            if (stopped) resolve(INTERRUPTED);
            else iterator.next().then(resolve, reject);
          },
        );
      } catch (thrown) {
        waiting = null;
        if (stopped === 'cancel') {
          yield { type: 'finish', finishReason: 'cancelled' };
          return;
        }
        const error = toError(thrown);
        yield { type: 'error', code: error.code, message: error.message, retryable: error.retryable };
        yield { type: 'finish', finishReason: 'error' };
        return;
      }
      waiting = null;
      if (outcome === INTERRUPTED) {
        if (stopped === 'cancel') {
          yield { type: 'finish', finishReason: 'cancelled' };
          return;
        }
        const message = `${PHASE_LABEL[phase]} from the provider within ${limit()} ms`;
        upstream.abort(new ProviderError('provider_timeout', message, true));
        yield { type: 'error', code: 'provider_timeout', message, retryable: true };
        yield { type: 'finish', finishReason: 'error' };
        return;
      }
      if (outcome.done) break;
      const part = outcome.value;
      if (
        (phase as Phase) !== 'streaming' &&
        (part.type === 'text-delta' || part.type === 'reasoning-delta' || part.type === 'tool-call')
      )
        advance('streaming');
      paused = true;
      yield part;
      if (part.type === 'finish') return;
      paused = false;
      arm();
    }
    // A source that ends without a finish broke the contract; say so instead of hanging the caller.
    yield {
      type: 'error',
      code: 'provider_protocol_error',
      message: 'stream ended without a finish',
      retryable: false,
    };
    yield { type: 'finish', finishReason: 'error' };
  } finally {
    clearTimeout(timer);
    timer = undefined;
    stopped ??= 'cancel';
    signal?.removeEventListener('abort', onCallerAbort);
    // Also after a normal finish: aborting a completed request is a no-op, and it guarantees
    // the connection is released when the consumer stopped early or the source failed.
    upstream.abort();
    // Not awaited: a source blocked on a dead socket must not block the caller.
    iterator.return?.().catch(() => {});
  }
}

/** Fills unset timeouts with the defaults. */
export function resolveTimeouts(partial: Partial<StreamTimeouts> = {}): StreamTimeouts {
  return { ...DEFAULT_STREAM_TIMEOUTS, ...partial };
}
