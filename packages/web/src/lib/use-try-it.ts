import { LuminaApiError, type ModelTestEvent } from '@lumina/sdk';
import { useCallback, useEffect, useReducer, useRef } from 'react';
import { friendlyMessage } from './api-errors';
import { isAbort, readEvents } from './event-stream';
import { useLuminaClient } from './lumina-client';
import { initialTryIt, isRunning, tryItReducer } from './try-it';

/**
 * Sends one prompt to /api/models/test and folds the streamed events (the SDK's generated
 * `ModelTestEvent`) into the "Try it" state.
 * `stop` aborts the request (the server then cancels the model call).
 */
export function useTryIt() {
  const lumina = useLuminaClient();
  const [state, dispatch] = useReducer(tryItReducer, initialTryIt);
  const controller = useRef<AbortController | null>(null);

  useEffect(() => () => controller.current?.abort(), []);

  const send = useCallback(
    async (prompt: string, model: string | null) => {
      controller.current?.abort();
      const abort = new AbortController();
      controller.current = abort;
      dispatch({ type: 'start' });
      try {
        const { response } = await lumina.POST('/api/models/test', {
          body: { prompt, ...(model ? { model } : {}) },
          parseAs: 'stream',
          signal: abort.signal,
        });
        for await (const event of readEvents<ModelTestEvent>(response.body, abort.signal))
          dispatch({ type: 'event', event });
        dispatch({ type: abort.signal.aborted ? 'stopped' : 'ended' });
      } catch (error) {
        if (abort.signal.aborted || isAbort(error)) dispatch({ type: 'stopped' });
        else
          dispatch({
            type: 'request-failed',
            code: error instanceof LuminaApiError ? error.code : 'network_error',
            message:
              error instanceof LuminaApiError && error.status < 500 ? error.message : friendlyMessage(error),
          });
      } finally {
        if (controller.current === abort) controller.current = null;
      }
    },
    [lumina],
  );

  const stop = useCallback(() => controller.current?.abort(), []);
  const reset = useCallback(() => dispatch({ type: 'reset' }), []);

  return { state, running: isRunning(state), send, stop, reset };
}
