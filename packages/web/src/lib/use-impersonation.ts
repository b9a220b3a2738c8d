import { LuminaApiError, readStreamParts } from '@lumina/sdk';
import { useCallback, useEffect, useRef, useState } from 'react';
import { friendlyMessage, serverErrorRequestId } from './api-errors';
import { isAbort } from './event-stream';
import { useLuminaClient } from './lumina-client';

export interface ImpersonationError {
  message: string;
  requestId?: string | undefined;
}

/**
 * Where the model's words go in the message box: after what the person typed (on a line of their
 * own), so nothing they wrote is lost.
 * @example boxWithImpersonation('I think', 'we should go.') // 'I think\nwe should go.'
 */
export function boxWithImpersonation(before: string, written: string): string {
  if (before.trim() === '') return written;
  return `${before.replace(/\s+$/, '')}\n${written}`;
}

/**
 * "Impersonate" (POST /api/conversations/:id/impersonate): the model writes the person's next
 * message, streamed into the message box through `onText` (the text so far, each time it grows).
 * `stop` ends it where it is (the server stops the model when the request goes away); a failure
 * is told as the app tells model errors (`friendlyMessage`).
 */
export function useImpersonation(conversationId: string, onText: (written: string) => void) {
  const lumina = useLuminaClient();
  const [writing, setWriting] = useState(false);
  const [error, setError] = useState<ImpersonationError | null>(null);
  const controller = useRef<AbortController | null>(null);
  const latest = useRef(onText);
  latest.current = onText;

  // Leaving the conversation stops it.
  useEffect(() => () => controller.current?.abort(), []);

  const start = useCallback(async () => {
    if (controller.current) return;
    const abort = new AbortController();
    controller.current = abort;
    setWriting(true);
    setError(null);
    let written = '';
    let frame = 0;
    const show = () => {
      frame = 0;
      latest.current(written);
    };
    try {
      const { response } = await lumina.POST('/api/conversations/{id}/impersonate', {
        params: { path: { id: conversationId } },
        body: {},
        parseAs: 'stream',
        signal: abort.signal,
      });
      for await (const part of readStreamParts(response.body!, abort.signal)) {
        if (part.type === 'text-delta') {
          written += part.delta;
          frame ||= requestAnimationFrame(show);
        } else if (part.type === 'error') {
          setError({ message: friendlyMessage(new LuminaApiError(502, part.code, part.message)) });
        }
      }
    } catch (err) {
      if (!(abort.signal.aborted || isAbort(err))) {
        setError({ message: friendlyMessage(err), requestId: serverErrorRequestId(err) });
      }
    } finally {
      if (frame) cancelAnimationFrame(frame);
      if (written) latest.current(written);
      if (controller.current === abort) controller.current = null;
      setWriting(false);
    }
  }, [lumina, conversationId]);

  const stop = useCallback(() => controller.current?.abort(), []);
  const clearError = useCallback(() => setError(null), []);

  return { writing, error, start, stop, clearError };
}
