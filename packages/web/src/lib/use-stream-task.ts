import { LuminaApiError } from '@lumina/sdk';
import { useCallback, useEffect, useRef, useState } from 'react';
import { friendlyMessage, serverErrorRequestId } from './api-errors';
import { isAbort, readEvents } from './event-stream';

export type TaskPhase = 'idle' | 'running' | 'done' | 'failed' | 'cancelled';

export interface TaskState<S, D> {
  phase: TaskPhase;
  /** What the progress events built up so far. */
  progress: S;
  /** The `done` event's data. */
  result: D | null;
  error: { code: string; message: string; requestId?: string | undefined } | null;
}

type TaskEvent = { type: string; [key: string]: unknown };

/**
 * A long task the server reports as SSE (`progress` … then `done` or `error`): pull a model,
 * download a file, install the engine. `fold` turns each progress event into what the page
 * shows. Cancelling aborts the request, which stops the task on the server.
 * @example const pull = useStreamTask(foldPull, { percent: null });
 * pull.start((signal) => lumina.POST(…, { signal, parseAs: 'stream' }).then((r) => r.response.body));
 */
export function useStreamTask<S, D = Record<string, unknown>>(
  fold: (progress: S, event: TaskEvent, now: number) => S,
  initial: S,
) {
  const [state, setState] = useState<TaskState<S, D>>({
    phase: 'idle',
    progress: initial,
    result: null,
    error: null,
  });
  const controller = useRef<AbortController | null>(null);
  const foldRef = useRef(fold);
  foldRef.current = fold;

  // Leaving the page stops the task (the server sees the request go away).
  useEffect(() => () => controller.current?.abort(), []);

  const start = useCallback(
    async (open: (signal: AbortSignal) => Promise<ReadableStream<Uint8Array> | null>) => {
      controller.current?.abort();
      const abort = new AbortController();
      controller.current = abort;
      setState({ phase: 'running', progress: initial, result: null, error: null });
      let ended = false;
      try {
        const body = await open(abort.signal);
        for await (const event of readEvents<TaskEvent>(body, abort.signal)) {
          if (event.type === 'done') {
            ended = true;
            const { type: _type, ...result } = event;
            setState((s) => ({ ...s, phase: 'done', result: result as D }));
          } else if (event.type === 'error') {
            ended = true;
            setState((s) => ({
              ...s,
              phase: 'failed',
              error: { code: String(event.code ?? 'error'), message: String(event.message ?? '') },
            }));
          } else {
            setState((s) => ({ ...s, progress: foldRef.current(s.progress, event, Date.now()) }));
          }
        }
        if (!ended) {
          if (abort.signal.aborted) setState((s) => ({ ...s, phase: 'cancelled' }));
          else
            setState((s) => ({
              ...s,
              phase: 'failed',
              error: { code: 'stream_ended', message: 'The connection to the server ended early.' },
            }));
        }
      } catch (error) {
        if (abort.signal.aborted || isAbort(error)) {
          setState((s) => ({ ...s, phase: 'cancelled' }));
        } else {
          setState((s) => ({
            ...s,
            phase: 'failed',
            error: {
              code: error instanceof LuminaApiError ? error.code : 'network_error',
              message: friendlyMessage(error),
              requestId: serverErrorRequestId(error),
            },
          }));
        }
      } finally {
        if (controller.current === abort) controller.current = null;
      }
    },
    [initial],
  );

  const cancel = useCallback(() => controller.current?.abort(), []);
  const reset = useCallback(
    () => setState({ phase: 'idle', progress: initial, result: null, error: null }),
    [initial],
  );

  return { ...state, start, cancel, reset };
}
