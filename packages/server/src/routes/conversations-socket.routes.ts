import type { FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import { UNSTORABLE_TEXT_MESSAGE } from '../http/text-guard.js';
import {
  type SocketClientFrame,
  type SocketServerFrame,
  socketClientFrameSchema,
} from '../realtime/socket-frames.js';
import type { ApiLimiter } from '../security/api-rate-limit.js';
import type { AuthEpochs } from '../security/auth-epoch.js';
import { authenticateUpgrade, reauthenticate } from '../security/authenticate.js';
import type { Identity, IdentityService } from '../services/identity.service.js';
import type { ReplyService, StartedReply } from '../services/reply.service.js';
import { findUnstorableText } from '../unstorable-text.js';

type Frame = SocketClientFrame;

const MAX_FRAME_BYTES = 256 * 1024;
/** Close code when the credential the socket was opened with stops working (HTTP's 401). */
export const SESSION_EXPIRED_CLOSE = 4401;

export interface ConversationSocketDeps {
  replies: ReplyService;
  identities: IdentityService;
  epochs: AuthEpochs;
  /** The per-user API budget: every frame spends one, as every HTTP request does. */
  limiter: ApiLimiter;
  /** Replies one socket may start or follow at once (default 4). */
  maxRepliesPerSocket?: number;
  /**
   * How often an idle socket re-checks its credential (default 30 s). A revoke on this
   * instance, or on another over Redis, is checked at once; this catches one whose notice was
   * lost (Redis down): the check then reads the database.
   */
  recheckIntervalMs?: number;
}

/**
 * The reply streams over one WebSocket (docs/conversations.md): JSON frames in
 * (`SocketClientFrame`), every stream part out as `{type, id, replyId, ref?, …}`
 * (`SocketServerFrame`, realtime/socket-frames.ts). A bad frame answers an `error` frame and the socket
 * stays open; closing the socket stops following (replies keep being written, as over SSE).
 * Every frame re-checks the credential the socket was opened with (a revoked one answers
 * `session_expired` and closes the socket with 4401), spends the user's API rate limit, and may
 * not raise the socket's running replies above `maxRepliesPerSocket`.
 */
export const conversationSocketRoutes =
  (deps: ConversationSocketDeps): FastifyPluginAsync =>
  async (app) => {
    app.get(
      '/ws/conversations',
      { websocket: true, schema: { hide: true } },
      (socket: WebSocket, request) => {
        let identity: ReturnType<typeof authenticateUpgrade>;
        try {
          identity = authenticateUpgrade(request);
        } catch (err) {
          // Only our own errors carry words meant for a client; anything else says nothing more.
          const known = err instanceof AppError;
          const refused: SocketServerFrame = {
            type: 'error',
            code: known ? err.code : 'unauthorized',
            message: known ? err.message : 'Sign in to use this connection',
          };
          socket.send(JSON.stringify(refused));
          socket.close(4401, 'unauthorized');
          return;
        }
        const userId = identity.user.id;
        const maxReplies = deps.maxRepliesPerSocket ?? 4;
        let running = 0;
        const closed = new AbortController();
        const send = (data: SocketServerFrame) => {
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(data));
        };

        /** The identity as of now, or the socket is told why and closed. */
        const recheck = async (): Promise<Identity | undefined> => {
          try {
            identity = await reauthenticate(request, deps.identities);
            return identity;
          } catch (err) {
            if (!(err instanceof AppError && err.status === 401)) throw err;
            send({
              type: 'error',
              code: 'session_expired',
              message: 'Your session has ended. Sign in again to continue.',
              details: { reason: err.code },
            });
            socket.close(SESSION_EXPIRED_CLOSE, 'session_expired');
            return undefined;
          }
        };
        const recheckQuietly = () =>
          void recheck().catch((err) => request.log.warn({ err }, 'websocket credential check failed'));
        const stopListening = deps.epochs.onBump((bumped) => {
          if (bumped === userId) recheckQuietly();
        });
        const timer = setInterval(recheckQuietly, deps.recheckIntervalMs ?? 30_000);
        timer.unref();
        socket.on('close', () => {
          closed.abort();
          stopListening();
          clearInterval(timer);
        });
        const fail = (err: unknown, frameRef?: string) => {
          const known = err instanceof AppError;
          if (!known) request.log.error({ err }, 'websocket frame failed');
          send({
            type: 'error',
            code: known ? err.code : 'internal_error',
            message: known ? err.message : 'Something went wrong on our side',
            ...(known && err.details ? { details: err.details } : {}),
            ...(frameRef ? { ref: frameRef } : {}),
          });
        };

        async function follow(replyId: string, afterSeq: number, frameRef?: string) {
          for await (const { seq, part } of deps.replies.follow(userId, replyId, afterSeq, closed.signal)) {
            send({ ...part, id: seq, replyId, ...(frameRef ? { ref: frameRef } : {}) });
          }
        }

        async function handle(frame: Frame) {
          if (frame.type !== 'cancel' && running >= maxReplies) {
            throw new AppError(
              429,
              'too_many_replies',
              `A socket may run ${maxReplies} replies at once; wait for one to finish or open another socket`,
              { maxReplies },
            );
          }
          if (frame.type !== 'resume' && !identity.scopes.includes('write')) {
            throw new AppError(403, 'insufficient_scope', 'This token may only read');
          }
          if (frame.type === 'cancel') {
            const message = await deps.replies.cancel(userId, frame.messageId);
            send({
              type: 'cancelled',
              messageId: message.id,
              status: message.status,
              ...(frame.ref ? { ref: frame.ref } : {}),
            });
            return;
          }
          running += 1;
          try {
            await startAndFollow(frame);
          } finally {
            running -= 1;
          }
        }

        async function startAndFollow(frame: Exclude<Frame, { type: 'cancel' }>) {
          let started: StartedReply;
          switch (frame.type) {
            case 'send':
              started = await deps.replies.send(userId, frame.conversationId, frame);
              break;
            case 'regenerate':
              started = await deps.replies.regenerate(userId, frame.messageId);
              break;
            case 'continue':
              started = await deps.replies.continue(userId, frame.messageId);
              break;
            case 'edit':
              started = await deps.replies.edit(userId, frame.messageId, frame);
              break;
            case 'resume':
              await deps.replies.getReply(userId, frame.messageId);
              return follow(frame.messageId, frame.lastEventId ?? 0, frame.ref);
          }
          await follow(started.replyId, 0, frame.ref);
        }

        /** The credential and the rate limit, checked for every frame before it is even read. */
        async function admit(): Promise<boolean> {
          if (!(await recheck())) return false;
          await deps.limiter.spend(`user:${userId}`);
          return true;
        }

        // Admitted one at a time, so frames are read in the order they came.
        let admitted = Promise.resolve();
        socket.on('message', (data: Buffer, isBinary: boolean) => {
          admitted = admitted.then(() =>
            admit().then(
              (ok) => {
                if (ok) receive(data, isBinary);
              },
              (err) => fail(err, refOf(data, isBinary)),
            ),
          );
        });

        function receive(data: Buffer, isBinary: boolean) {
          if (isBinary || data.length > MAX_FRAME_BYTES) {
            fail(new AppError(400, 'invalid_frame', 'Frames must be JSON text under 256 KiB'));
            return;
          }
          let parsed: z.ZodSafeParseResult<Frame>;
          try {
            parsed = socketClientFrameSchema.safeParse(JSON.parse(data.toString('utf8')));
          } catch {
            fail(new AppError(400, 'invalid_frame', 'The frame is not valid JSON'));
            return;
          }
          if (!parsed.success) {
            fail(
              new AppError(400, 'invalid_frame', 'The frame does not match any message type', {
                issues: parsed.error.issues,
              }),
            );
            return;
          }
          // As for HTTP bodies (http/text-guard.ts): PostgreSQL cannot store U+0000 or lone surrogates.
          const nulAt = findUnstorableText(parsed.data);
          if (nulAt !== undefined) {
            fail(
              new AppError(400, 'invalid_frame', UNSTORABLE_TEXT_MESSAGE, {
                path: nulAt,
              }),
              parsed.data.ref,
            );
            return;
          }
          handle(parsed.data).catch((err) => fail(err, parsed.data.ref));
        }
      },
    );
  };

/** The `ref` of a frame refused before it was read (rate limit), so the client can match it. */
function refOf(data: Buffer, isBinary: boolean): string | undefined {
  if (isBinary || data.length > MAX_FRAME_BYTES) return undefined;
  try {
    const ref = (JSON.parse(data.toString('utf8')) as { ref?: unknown }).ref;
    return typeof ref === 'string' && ref.length <= 100 ? ref : undefined;
  } catch {
    return undefined;
  }
}
