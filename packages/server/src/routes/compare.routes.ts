import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { sendConversationEvents } from '../http/sse.js';
import { messageDto, toMessageDto } from '../presenters/conversation.presenter.js';
import { conversationEventSchema } from '../realtime/conversation-events.js';
import { requireIdentity } from '../security/authenticate.js';
import type { ReplyService } from '../services/reply.service.js';
import { followReplies } from '../services/turns/compare-stream.js';
import { replyStreamResponse, streamStartedReply } from './reply-stream.js';
import { attachmentIds, errorResponses, idParams } from './schemas.js';

const modelId = z.string().min(1).max(300);

/**
 * Compare and merge (issue 15; docs/conversations.md "Compare"): one message answered by 2–6
 * models at once, streamed together; one more answer merged from some of them; stopping them all.
 */
export const compareRoutes =
  (deps: { replies: ReplyService; continueOnDisconnect: boolean }): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['conversations'];
    const { replies } = deps;

    app.post(
      '/api/conversations/:id/compare',
      {
        schema: {
          tags,
          summary: 'Compare: send a message answered by 2–6 models at once, and stream every reply',
          description:
            'Answers `text/event-stream`: one `ConversationEvent` per event (`event:` = the part’s type, `data:` = `{messageId, seq, part}`), the parts of every reply interleaved as they are written. Each reply’s stream starts with `message-start` (the first reply’s is preceded by the stored user message’s) and ends with `finish`; the stream ends when every reply has. Each reply is a sibling in the same turn, written by its model alone (no fallback), with `metadata.compare = {model, index}`; the user message has `metadata.compare = {models}`. Headers: `x-lumina-message-id` (the user message), `x-lumina-reply-ids` (the replies, in the order of `models`). The first reply streams as soon as it runs; a reply that could not start (its model vanished after the check) gets an `error` part and `finish {status: error}` and is not stored. Resume one reply with `GET /api/messages/{messageId}/stream`; stop them all with `POST /api/messages/{id}/cancel-replies`.',
          params: idParams,
          body: z.object({
            content: z.string().describe('May be empty when the message has attachments'),
            parentId: z.uuid().optional(),
            attachments: attachmentIds
              .optional()
              .describe('Uploaded attachments (POST /api/attachments) sent with the text, in order'),
            models: z
              .array(modelId)
              .max(16)
              .describe(
                '2–6 distinct `provider/model` ids, one reply each, in column order (else 400 `compare_models_invalid`)',
              ),
          }),
          response: {
            200: {
              description: 'Server-Sent Events, one `ConversationEvent` each.',
              content: { 'text/event-stream': { schema: conversationEventSchema } },
            },
            ...errorResponses(400, 401, 403, 404, 409, 422),
          },
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        const started = await replies.compare(userId, request.params.id, request.body);
        const ids = started.replies.map((r) => r.replyId);
        const byId = new Map(started.replies.map((r) => [r.replyId, r]));
        reply.header('x-lumina-message-id', started.questionId);
        reply.header('x-lumina-reply-ids', ids.join(','));
        // The first column streams at once; each other one as soon as it has started.
        async function* follow(replyId: string, signal: AbortSignal) {
          try {
            await byId.get(replyId)!.started;
          } catch (err) {
            const code = err instanceof AppError ? err.code : 'internal_error';
            const message = err instanceof AppError ? err.message : 'This model’s reply could not be started';
            yield { seq: 1, part: { type: 'error' as const, code, message } };
            yield {
              seq: 2,
              part: { type: 'finish' as const, status: 'error' as const, finishReason: null, timings: null },
            };
            return;
          }
          yield* replies.followStarted(replyId, signal);
        }
        await sendConversationEvents(request, reply, async function* (signal) {
          const finished = new Set<string>();
          try {
            for await (const event of followReplies(ids, follow, signal)) {
              if (event.part.type === 'finish') finished.add(event.messageId);
              yield event;
            }
          } finally {
            if (signal.aborted && finished.size < ids.length && !deps.continueOnDisconnect)
              await replies.cancelReplies(userId, started.questionId).catch(() => {});
          }
        });
      },
    );

    app.post(
      '/api/messages/:id/merge',
      {
        schema: {
          tags,
          summary: 'Merge: a chosen model writes one answer to this user message from some of its replies',
          description:
            'Answers `text/event-stream` like a regenerate: one `StreamPart` per event. The merged reply is another sibling in the same turn, written by `model` alone, with `metadata.merge = {model, from}` naming the replies it read. The replies must answer this message, be finished and not empty (else `merge_reply_invalid`).',
          params: idParams,
          body: z.object({
            model: modelId.describe('The `provider/model` that writes the merged answer'),
            replyIds: z
              .array(z.uuid())
              .max(16)
              .describe('2–6 replies to this message, in the order to read them'),
          }),
          response: { ...replyStreamResponse, ...errorResponses(400, 401, 403, 404, 409, 422) },
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        const started = await replies.merge(userId, request.params.id, request.body);
        await streamStartedReply(request, reply, replies, { ...started, userId }, deps.continueOnDisconnect);
      },
    );

    app.post(
      '/api/messages/:id/consensus',
      {
        schema: {
          tags,
          summary:
            'Consensus: a judge model writes the agreed answer from 3–5 replies to this user message and lists the points of disagreement',
          description:
            'Answers `text/event-stream` like a regenerate: one `StreamPart` per event. The judge (`model`, alone) reads the replies, quoted as data and labelled A1…An in the order of `replyIds`, and writes the answer they agree on followed by a "## Points of disagreement" section whose points cite the answers concerned as `[A1]`…`[A5]`. The reply is another sibling in the same turn with `metadata.consensus = {model, from}` (`from[n-1]` is the reply `[An]` cites). The replies must answer this message, be finished and not empty (else `merge_reply_invalid`, 409 while one is still being written). Stop it like any reply, or with `POST /api/messages/{id}/cancel-replies`.',
          params: idParams,
          body: z.object({
            model: modelId.describe('The `provider/model` that judges the answers'),
            replyIds: z
              .array(z.uuid())
              .max(16)
              .describe('3–5 replies to this message, in the order A1…An (else 400 `merge_reply_invalid`)'),
          }),
          response: { ...replyStreamResponse, ...errorResponses(400, 401, 403, 404, 409, 422) },
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        const started = await replies.consensus(userId, request.params.id, request.body);
        await streamStartedReply(request, reply, replies, { ...started, userId }, deps.continueOnDisconnect);
      },
    );

    app.post(
      '/api/messages/:id/cancel-replies',
      {
        schema: {
          tags,
          summary: 'Stop every reply to this user message still being written (all columns of a compare)',
          params: idParams,
          response: { 200: z.object({ messages: z.array(messageDto) }), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => ({
        messages: (await replies.cancelReplies(requireIdentity(request).user.id, request.params.id)).map(
          (m) => toMessageDto(m),
        ),
      }),
    );
  };
