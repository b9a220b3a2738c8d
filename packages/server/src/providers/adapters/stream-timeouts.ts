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
type Step =
  | { kind: 'next'; result: IteratorResult<ChatStreamPart> }
  | { kind: 'thrown'; error: unknown }
  | { kind: 'timeout' }
  | { kind: 'cancel' };

const PHASE_LABEL: Record<Phase, string> = {
  connect: 'no response',
  'first-token': 'no first token',
  streaming: 'no output',
};

/**
 * Runs a provider stream under the ChatModel contract, once for every adapter: connect,
 * first-token and idle timeouts (a hung provider ends with a `provider_timeout` error part),
 * prompt cancellation (finish `cancelled`, no error part), thrown errors turned into an error
 * part, exactly one finish, and the upstream request aborted whenever the stream ends early.
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
  let wake: ((reason: Interrupt) => void) | null = null;
  let timer: NodeJS.Timeout | undefined;

  const interrupt = (reason: Interrupt) => {
    if (stopped) return;
    stopped = reason;
    clearTimeout(timer);
    wake?.(reason);
  };
  const limit = () =>
    phase === 'connect'
      ? timeouts.connectTimeoutMs
      : phase === 'first-token'
        ? timeouts.firstTokenTimeoutMs
        : timeouts.idleTimeoutMs;
  // Re-armed on every sign of life: cheap next to a network read, and exact for every phase.
  const arm = () => {
    clearTimeout(timer);
    if (!stopped && !paused) timer = setTimeout(() => interrupt('timeout'), limit());
  };
  const advance = (to: Phase) => {
    if (to === 'streaming' || phase === 'connect') phase = to;
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
      const next = iterator.next();
      const interrupted = new Promise<Interrupt>((resolve) => {
        wake = resolve;
        if (stopped) resolve(stopped);
      });
      const outcome = await Promise.race<Step>([
        next.then(
          (result): Step => ({ kind: 'next', result }),
          (error: unknown): Step => ({ kind: 'thrown', error }),
        ),
        interrupted.then((reason): Step => (reason === 'timeout' ? { kind: 'timeout' } : { kind: 'cancel' })),
      ]);
      wake = null;
      if (outcome.kind === 'cancel' || (outcome.kind === 'thrown' && stopped === 'cancel')) {
        yield { type: 'finish', finishReason: 'cancelled' };
        return;
      }
      if (outcome.kind === 'timeout') {
        const message = `${PHASE_LABEL[phase]} from the provider within ${limit()} ms`;
        upstream.abort(new ProviderError('provider_timeout', message, true));
        yield { type: 'error', code: 'provider_timeout', message, retryable: true };
        yield { type: 'finish', finishReason: 'error' };
        return;
      }
      if (outcome.kind === 'thrown') {
        const error = toError(outcome.error);
        yield { type: 'error', code: error.code, message: error.message, retryable: error.retryable };
        yield { type: 'finish', finishReason: 'error' };
        return;
      }
      if (outcome.result.done) break;
      const part = outcome.result.value;
      if (part.type === 'text-delta' || part.type === 'tool-call') phase = 'streaming';
      paused = true;
      clearTimeout(timer);
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
