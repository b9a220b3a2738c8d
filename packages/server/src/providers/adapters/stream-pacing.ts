/**
 * Paced reading of model streams under load.
 *
 * A model sends a token every 20–50 ms, and every token that wakes the reply's reader costs the
 * whole way to the client: the adapter's generator, the stream guard, the fallback chain, the
 * reply run, the reply bus, the SSE writer. With a few streams open that is nothing; with 200 it
 * is most of a core, and the event loop — which accepts one new connection per turn (libuv
 * ≥ 1.45) — turns slowly, so people who just pressed Send wait to be let in. Paced, a stream that
 * has already shown its first content wakes its reader at most once per window, with everything
 * that arrived in between joined; the first content and the end are never held back.
 *
 * The window grows with the number of open model streams: none up to PACING.freeStreams, then one
 * millisecond per open stream, from PACING.minMs to PACING.maxMs. A reader still sees text several
 * times a second (the web app paints at most once a frame anyway).
 */
export const PACING = { freeStreams: 16, minMs: 50, maxMs: 250 } as const;

let openStreams = 0;

/** The window for this many open model streams (0: wake at once). */
export function pacingWindowMs(open: number): number {
  if (open <= PACING.freeStreams) return 0;
  return Math.min(PACING.maxMs, Math.max(PACING.minMs, open));
}

/** Model streams open now (for the server's metrics and for tests). */
export const openModelStreams = () => openStreams;

/**
 * Paces one stream's wake-ups. `arrived()` says parts are waiting, `ended()` that the stream is
 * over (wakes at once, and the stream stops counting as open); `wake` is called when the reader
 * should look. The first wake that finds parts is never delayed.
 * @example
 * const pacer = new StreamPacer(() => this.notify());
 * body.on('data', () => { parse(); pacer.arrived(); });
 * body.on('end', () => pacer.ended());
 */
export class StreamPacer {
  private timer: NodeJS.Timeout | null = null;
  private lastWake = 0;
  private delivered = false;
  private open = true;

  constructor(private readonly wake: () => void) {
    openStreams++;
  }

  /** Parts are waiting: wake the reader now, or at the end of the window. */
  arrived(): void {
    const window = this.open && this.delivered ? pacingWindowMs(openStreams) : 0;
    const wait = this.lastWake + window - performance.now();
    if (wait <= 0) this.fire();
    else this.timer ??= setTimeout(this.onTimer, wait);
  }

  /** The stream ended (or failed, or was let go): wake the reader at once; idempotent. */
  ended(): void {
    if (this.open) {
      this.open = false;
      openStreams--;
    }
    this.fire();
  }

  private readonly onTimer = () => {
    this.timer = null;
    this.fire();
  };

  private fire() {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.delivered = true;
    this.lastWake = performance.now();
    this.wake();
  }
}
