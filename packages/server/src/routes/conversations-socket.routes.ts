import type { FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { authenticateUpgrade } from '../security/authenticate.js';
import type { ReplyService, StartedReply } from '../services/reply.service.js';

const ref = z.string().max(100).optional();
const frameSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('send'),
    ref,
    conversationId: z.uuid(),
    content: z.string(),
    parentId: z.uuid().optional(),
  }),
  z.object({ type: z.literal('regenerate'), ref, messageId: z.uuid() }),
  z.object({ type: z.literal('edit'), ref, messageId: z.uuid(), content: z.string() }),
  z.object({ type: z.literal('cancel'), ref, messageId: z.uuid() }),
  z.object({
    type: z.literal('resume'),
    ref,
    messageId: z.uuid(),
    lastEventId: z.number().int().min(0).optional(),
  }),
]);
type Frame = z.infer<typeof frameSchema>;

const MAX_FRAME_BYTES = 256 * 1024;

/**
 * The reply streams over one WebSocket (docs/conversations.md): JSON frames in, every stream
 * part out as `{type, id, replyId, ref?, …}`. A bad frame answers an `error` frame and the socket
 * stays open; closing the socket stops following (replies keep being written, as over SSE).
 */
export const conversationSocketRoutes =
  (deps: { replies: ReplyService }): FastifyPluginAsync =>
  async (app) => {
    app.get(
      '/ws/conversations',
      { websocket: true, schema: { hide: true } },
      (socket: WebSocket, request) => {
        let identity: ReturnType<typeof authenticateUpgrade>;
        try {
          identity = authenticateUpgrade(request);
        } catch (err) {
          socket.send(
            JSON.stringify({
              type: 'error',
              code: (err as AppError).code ?? 'unauthorized',
              message: (err as Error).message,
            }),
          );
          socket.close(4401, 'unauthorized');
          return;
        }
        const userId = identity.user.id;
        const closed = new AbortController();
        socket.on('close', () => closed.abort());
        const send = (data: Record<string, unknown>) => {
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(data));
        };
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
          const writes = frame.type !== 'resume';
          if (writes && !identity.scopes.includes('write')) {
            throw new AppError(403, 'insufficient_scope', 'This token may only read');
          }
          let started: StartedReply;
          switch (frame.type) {
            case 'send':
              started = await deps.replies.send(userId, frame.conversationId, frame);
              break;
            case 'regenerate':
              started = await deps.replies.regenerate(userId, frame.messageId);
              break;
            case 'edit':
              started = await deps.replies.edit(userId, frame.messageId, frame);
              break;
            case 'cancel': {
              const message = await deps.replies.cancel(userId, frame.messageId);
              send({
                type: 'cancelled',
                messageId: message.id,
                status: message.status,
                ...(frame.ref ? { ref: frame.ref } : {}),
              });
              return;
            }
            case 'resume':
              await deps.replies.getReply(userId, frame.messageId);
              return follow(frame.messageId, frame.lastEventId ?? 0, frame.ref);
          }
          await follow(started.replyId, 0, frame.ref);
        }

        socket.on('message', (data: Buffer, isBinary: boolean) => {
          if (isBinary || data.length > MAX_FRAME_BYTES) {
            fail(new AppError(400, 'invalid_frame', 'Frames must be JSON text under 256 KiB'));
            return;
          }
          let parsed: z.ZodSafeParseResult<Frame>;
          try {
            parsed = frameSchema.safeParse(JSON.parse(data.toString('utf8')));
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
          handle(parsed.data).catch((err) => fail(err, parsed.data.ref));
        });
      },
    );
  };
