import { LuminaApiError, readStreamParts, type StreamPart } from '@lumina/sdk';
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { friendlyMessage, serverErrorRequestId } from './api-errors';
import { type Attachment, fileAttachmentPart } from './attachments';
import { applyParts, type BranchState, branchState, isPendingId, withPendingMessage } from './chat-stream';
import { type Branch, branchQueryKey, CONVERSATIONS_QUERY_KEY, contextQueryKey } from './conversations';
import { isAbort } from './event-stream';
import { useLuminaClient } from './lumina-client';

export interface StreamRequestError {
  /** What the person reads. */
  message: string;
  /** Lumina's error code; `network_error` when the server could not be reached. */
  code: string;
  requestId?: string | undefined;
  /** A send the server never accepted: the message was not stored (its text is still in the box). */
  notSent: boolean;
  /** Sending the same text again may work: a network error, a busy or failing server, a rate limit. */
  retryable: boolean;
  /** The server's message limit, when it refused the message as too long. */
  maxChars?: number | undefined;
}

type Opener = (signal: AbortSignal) => Promise<{ response: Response }>;

/** A send's hook into its stream: `onAccepted` runs once the server has stored the message. */
export interface SendOptions {
  onAccepted?: () => void;
  /** Uploaded files that go with the message (POST /api/attachments), in order. */
  attachments?: readonly Attachment[];
}

/** Attempts to pick a dropped reply up again before saying the connection was lost. */
const RESUME_ATTEMPTS = 3;

/**
 * Sends, regenerates, continues, edits and resumes replies of one conversation, folding the streamed
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
    async (response: Response, abort: AbortController, watch?: (part: StreamPart) => void) => {
      let batch: { part: StreamPart; seq?: number }[] = [];
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
        for await (const { id, ...part } of readStreamParts(response.body!, abort.signal)) {
          watch?.(part);
          batch.push({ part, ...(id ? { seq: Number(id) } : {}) });
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
    async (start: BranchState, open: Opener, sending?: SendOptions) => {
      controller.current?.abort();
      const abort = new AbortController();
      controller.current = abort;
      stopWanted.current = false;
      stateRef.current = start;
      setLive(start);
      setRequestError(null);
      setConnectionLost(null);
      let finished = false;
      // A send is accepted when the stream names the stored user message (its message-start,
      // the first part the server sends); an error before that means it was not stored.
      let accepted = !sending;
      let refusal: { code: string; message: string } | null = null;
      const watch = (part: StreamPart) => {
        if (accepted) return;
        if (part.type === 'message-start' && part.role === 'user') {
          accepted = true;
          sending?.onAccepted?.();
        } else if (part.type === 'error') refusal = { code: part.code, message: part.message };
      };
      try {
        const { response } = await open(abort.signal);
        finished = await follow(response, abort, watch);
        if (!accepted) {
          if (!abort.signal.aborted) setRequestError(notAcceptedError(refusal));
          return;
        }
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
          setRequestError(requestErrorOf(error, !accepted));
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
    (content: string, options: SendOptions & { parentId?: string | null } = {}) => {
      const { parentId, attachments = [], ...sending } = options;
      const parent = parentId ?? branchRef.current?.messages.at(-1)?.id ?? null;
      return run(
        withPendingMessage(base(), content, parent, undefined, attachments.map(fileAttachmentPart)),
        (signal) =>
          lumina.POST('/api/conversations/{id}/messages', {
            params: { path: { id: conversationId } },
            body: {
              content,
              ...(parent ? { parentId: parent } : {}),
              ...(attachments.length > 0 ? { attachments: attachments.map((a) => a.id) } : {}),
            },
            parseAs: 'stream',
            signal,
          }),
        sending,
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

  /** Continues a reply: the server streams a new sibling that starts with the reply's text. */
  const continueReply = useCallback(
    (messageId: string) =>
      run(base(), (signal) =>
        lumina.POST('/api/messages/{id}/continue', {
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
    continueReply,
    edit,
    resume,
    stop,
  };
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** "Try again in 12 seconds." from the server's `retryAfterSeconds` (it sends Retry-After too). */
function tryAgainIn(details: Record<string, unknown> | undefined, otherwise: string): string {
  const seconds = Number(details?.retryAfterSeconds);
  return Number.isFinite(seconds) && seconds > 0
    ? `Try again in ${plural(Math.ceil(seconds), 'second')}.`
    : otherwise;
}

/** The sentence for a stable error code, or undefined for codes without their own. */
function codeMessage(code: string, message: string, details?: Record<string, unknown>): string | undefined {
  switch (code) {
    case 'no_model_configured':
      return 'No model is set up yet, so there is no one to answer. Set one up on the Home page or in Settings → Models.';
    case 'local_only':
      return 'Privacy mode keeps everything on this machine, and this conversation’s model isn’t local. Choose a local model.';
    case 'message_too_long':
      return `${message.replace(/\.$/, '') || 'That message is too long'}. Shorten it and send again.`;
    case 'message_empty':
      return 'That message is empty. Type something to send.';
    case 'conversation_not_found':
      return 'This conversation no longer exists. It may have been deleted.';
    case 'message_not_found':
      return 'That message no longer exists. Reload the conversation.';
    case 'reply_in_progress':
      return 'A reply is still being written. Stop it or wait for it to finish.';
    case 'rate_limited':
      return `You are sending too fast. ${tryAgainIn(details, 'Wait a moment, then try again.')}`;
    case 'service_busy':
    case 'database_unavailable':
      return `The server is busy right now. ${tryAgainIn(details, 'Try again in a moment.')}`;
    case 'session_expired':
    case 'unauthorized':
      return 'Your session ended. Sign in again; your message is saved here as a draft.';
    default:
      return undefined;
  }
}

/** What a person reads when a reply could not even start. */
export function chatErrorMessage(error: unknown): string {
  if (error instanceof LuminaApiError) {
    const known = codeMessage(error.code, error.message, error.details);
    if (known) return known;
    if (error.code === 'invalid_request') return error.message || 'That message can’t be sent as it is.';
  }
  return friendlyMessage(error);
}

/** Whether sending the same request again may succeed: not for a refusal (4xx) that would repeat. */
function retryable(error: unknown): boolean {
  if (!(error instanceof LuminaApiError)) return true; // the network
  return error.status >= 500 || error.status === 429;
}

function requestErrorOf(error: unknown, notSent: boolean): StreamRequestError {
  const api = error instanceof LuminaApiError ? error : null;
  const maxChars = api?.code === 'message_too_long' ? Number(api.details?.maxChars) : Number.NaN;
  return {
    message: chatErrorMessage(error),
    code: api?.code ?? 'network_error',
    requestId: serverErrorRequestId(error),
    notSent,
    retryable: retryable(error),
    ...(Number.isInteger(maxChars) && maxChars > 0 ? { maxChars } : {}),
  };
}

/** The stream ended (with an error part, or none) before the server named the stored message. */
function notAcceptedError(refusal: { code: string; message: string } | null): StreamRequestError {
  return {
    message: refusal
      ? (codeMessage(refusal.code, refusal.message) ?? refusal.message)
      : 'The connection ended before the server took the message.',
    code: refusal?.code ?? 'stream_ended',
    notSent: true,
    retryable: true,
  };
}
