import { LuminaApiError, readStreamParts } from '@lumina/sdk';
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { friendlyMessage, serverErrorRequestId } from './api-errors';
import {
  applyParts,
  type BranchState,
  branchState,
  isPendingId,
  type ReplyPart,
  withPendingMessage,
} from './chat-stream';
import { type Branch, branchQueryKey, CONVERSATIONS_QUERY_KEY, contextQueryKey } from './conversations';
import { isAbort } from './event-stream';
import { useLuminaClient } from './lumina-client';

export interface StreamRequestError {
  message: string;
  requestId?: string | undefined;
  /** The text the person had typed, given back to the composer when the send failed. */
  draft?: string;
}

type Opener = (signal: AbortSignal) => Promise<{ response: Response }>;

/** Attempts to pick a dropped reply up again before saying the connection was lost. */
const RESUME_ATTEMPTS = 3;

/**
 * Sends, regenerates, edits and resumes replies of one conversation, folding the streamed
 * parts into `live` (the branch as it is being written). When a stream ends, the branch is put
 * into the query cache and fetched again, so the server's version wins.
 */
export function useReplyStream(conversationId: string, branch: Branch | undefined) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const [live, setLive] = useState<BranchState | null>(null);
  const [requestError, setRequestError] = useState<StreamRequestError | null>(null);
  const [connectionLost, setConnectionLost] = useState<string | null>(null);
  const controller = useRef<AbortController | null>(null);
  const stateRef = useRef<BranchState | null>(null);
  const stopWanted = useRef(false);
  const branchRef = useRef(branch);
  branchRef.current = branch;

  // Leaving the conversation closes the connection; the server keeps writing (and a return
  // resumes). Checked a moment later, so React's development double mount does not cut a stream.
  const mounted = useRef(false);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      setTimeout(() => {
        if (mounted.current) return;
        controller.current?.abort();
        controller.current = null;
      }, 0);
    };
  }, []);

  const cancelOnServer = useCallback(
    (replyId: string) =>
      lumina.POST('/api/messages/{id}/cancel', { params: { path: { id: replyId } } }).catch(() => undefined),
    [lumina],
  );

  const settle = useCallback(
    (state: BranchState) => {
      const current = branchRef.current;
      if (current) {
        queryClient.setQueryData<Branch>(branchQueryKey(conversationId), {
          conversation: state.title ? { ...current.conversation, title: state.title } : current.conversation,
          messages: state.messages.filter((m) => !isPendingId(m.id)),
        });
      }
      setLive(null);
      stateRef.current = null;
      void queryClient.invalidateQueries({ queryKey: branchQueryKey(conversationId) });
      void queryClient.invalidateQueries({ queryKey: contextQueryKey(conversationId) });
      void queryClient.invalidateQueries({ queryKey: CONVERSATIONS_QUERY_KEY });
    },
    [conversationId, queryClient],
  );

  /** Reads one response into the live state; true when the reply finished. */
  const follow = useCallback(
    async (response: Response, abort: AbortController) => {
      let batch: { part: ReplyPart; seq?: number }[] = [];
      let frame = 0;
      const flush = () => {
        frame = 0;
        if (batch.length === 0 || !stateRef.current) return;
        const next = applyParts(stateRef.current, batch);
        batch = [];
        stateRef.current = next;
        setLive(next);
        if (stopWanted.current && next.replyId) {
          stopWanted.current = false;
          void cancelOnServer(next.replyId);
        }
      };
      try {
        for await (const raw of readStreamParts(response.body!, abort.signal)) {
          const { id, ...part } = raw as unknown as ReplyPart & { id?: string };
          batch.push({ part: part as ReplyPart, ...(id ? { seq: Number(id) } : {}) });
          // A message-start is applied at once: a stop may be waiting for the reply's id.
          if (part.type === 'message-start' || part.type === 'finish') flush();
          else frame ||= requestAnimationFrame(flush);
        }
      } finally {
        if (frame) cancelAnimationFrame(frame);
        flush();
      }
      return stateRef.current?.finished ?? false;
    },
    [cancelOnServer],
  );

  const resumeResponse = useCallback(
    async (replyId: string, signal: AbortSignal) => {
      const lastEventId = stateRef.current?.lastEventId ?? 0;
      const { response } = await lumina.GET('/api/messages/{id}/stream', {
        params: {
          path: { id: replyId },
          ...(lastEventId ? { query: { lastEventId } } : {}),
        },
        parseAs: 'stream',
        signal,
      });
      return response;
    },
    [lumina],
  );

  const run = useCallback(
    async (start: BranchState, open: Opener, draft?: string) => {
      controller.current?.abort();
      const abort = new AbortController();
      controller.current = abort;
      stopWanted.current = false;
      stateRef.current = start;
      setLive(start);
      setRequestError(null);
      setConnectionLost(null);
      let finished = false;
      try {
        const { response } = await open(abort.signal);
        finished = await follow(response, abort);
        for (let attempt = 1; !finished && !abort.signal.aborted && attempt <= RESUME_ATTEMPTS; attempt++) {
          const replyId = stateRef.current?.replyId;
          if (!replyId) break;
          await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
          try {
            finished = await follow(await resumeResponse(replyId, abort.signal), abort);
          } catch (error) {
            if (isAbort(error)) break;
          }
        }
        if (!finished && !abort.signal.aborted)
          setConnectionLost('The connection dropped before the reply finished.');
      } catch (error) {
        if (!(abort.signal.aborted || isAbort(error))) {
          const sent = stateRef.current?.messages.some((m) => m.role === 'user' && !isPendingId(m.id));
          setRequestError({
            message: chatErrorMessage(error),
            requestId: serverErrorRequestId(error),
            ...(draft !== undefined && !sent ? { draft } : {}),
          });
        }
      } finally {
        if (controller.current === abort) controller.current = null;
        const end = stateRef.current;
        if (end && (finished || !abort.signal.aborted)) settle(end);
      }
    },
    [follow, settle, resumeResponse],
  );

  const base = useCallback(
    () => branchState(conversationId, branchRef.current?.messages ?? []),
    [conversationId],
  );

  const send = useCallback(
    (content: string, parentId?: string | null) => {
      const parent = parentId ?? branchRef.current?.messages.at(-1)?.id ?? null;
      return run(
        withPendingMessage(base(), content, parent),
        (signal) =>
          lumina.POST('/api/conversations/{id}/messages', {
            params: { path: { id: conversationId } },
            body: { content, ...(parent ? { parentId: parent } : {}) },
            parseAs: 'stream',
            signal,
          }),
        content,
      );
    },
    [base, conversationId, lumina, run],
  );

  const regenerate = useCallback(
    (messageId: string) =>
      run(base(), (signal) =>
        lumina.POST('/api/messages/{id}/regenerate', {
          params: { path: { id: messageId } },
          parseAs: 'stream',
          signal,
        }),
      ),
    [base, lumina, run],
  );

  const edit = useCallback(
    (messageId: string, content: string) => {
      const start = base();
      const original = start.messages.find((m) => m.id === messageId);
      const shown = original ? withPendingMessage(start, content, original.parentId) : start;
      return run(shown, (signal) =>
        lumina.POST('/api/messages/{id}/edit', {
          params: { path: { id: messageId } },
          body: { content },
          parseAs: 'stream',
          signal,
        }),
      );
    },
    [base, lumina, run],
  );

  /** Follows a reply that is still being written (after a reload, or from another tab). */
  const resume = useCallback(
    (replyId: string) => {
      const start = { ...base(), replyId };
      return run(start, async (signal) => ({ response: await resumeResponse(replyId, signal) }));
    },
    [base, run, resumeResponse],
  );

  /** Stops the reply: the server keeps the text so far and ends the stream with `cancelled`. */
  const stop = useCallback(() => {
    const replyId = stateRef.current?.replyId;
    if (replyId) void cancelOnServer(replyId);
    else if (controller.current) stopWanted.current = true;
  }, [cancelOnServer]);

  const streaming = live !== null && !live.finished;
  return {
    live,
    streaming,
    /** The reply being written, once the server named it. */
    replyId: streaming ? live.replyId : null,
    requestError,
    connectionLost,
    clearRequestError: () => setRequestError(null),
    send,
    regenerate,
    edit,
    resume,
    stop,
  };
}

/** What a person reads when a reply could not even start. */
export function chatErrorMessage(error: unknown): string {
  if (error instanceof LuminaApiError) {
    switch (error.code) {
      case 'no_model_configured':
        return 'No model is set up yet, so there is no one to answer. Set one up on the Home page or in Settings → Models.';
      case 'local_only':
        return 'Privacy mode keeps everything on this machine, and this conversation’s model isn’t local. Choose a local model.';
      case 'message_too_long':
        return error.message || 'That message is too long. Shorten it and send again.';
      case 'conversation_not_found':
        return 'This conversation no longer exists. It may have been deleted.';
      case 'message_not_found':
        return 'That message no longer exists. Reload the conversation.';
      case 'reply_in_progress':
        return 'A reply is still being written. Stop it or wait for it to finish.';
      case 'invalid_request':
        return error.message || 'That message can’t be sent as it is.';
      default:
        break;
    }
  }
  return friendlyMessage(error);
}
