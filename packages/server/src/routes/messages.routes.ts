import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { messageDto, toMessageDto } from '../presenters/conversation.presenter.js';
import { requireIdentity } from '../security/authenticate.js';
import type { ConversationService } from '../services/conversation.service.js';
import type { ReplyService } from '../services/reply.service.js';
import { replyStreamResponse, resumeReply, streamStartedReply } from './reply-stream.js';
import { attachmentIds, errorResponses, idParams } from './schemas.js';

const STREAM = 'Answers `text/event-stream`, one `StreamPart` per event (docs/conversations.md).';

export const messageRoutes =
  (deps: {
    conversations: ConversationService;
    replies: ReplyService;
    continueOnDisconnect: boolean;
  }): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['conversations'];
    const { replies } = deps;
    const stream = { response: { ...replyStreamResponse, ...errorResponses(400, 401, 403, 404, 409) } };

    app.post(
      '/api/messages/:id/regenerate',
      {
        schema: {
          tags,
          summary: 'Another reply: a sibling of this reply, or a new answer to this user message',
          description: STREAM,
          params: idParams,
          ...stream,
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        const started = await replies.regenerate(userId, request.params.id);
        await streamStartedReply(request, reply, replies, { ...started, userId }, deps.continueOnDisconnect);
      },
    );

    app.post(
      '/api/messages/:id/continue',
      {
        schema: {
          tags,
          summary:
            'Continue a reply where it stopped: a sibling that starts with its text and goes on (the original stays)',
          description: STREAM,
          params: idParams,
          ...stream,
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        const started = await replies.continue(userId, request.params.id);
        await streamStartedReply(request, reply, replies, { ...started, userId }, deps.continueOnDisconnect);
      },
    );

    app.post(
      '/api/messages/:id/edit',
      {
        schema: {
          tags,
          summary:
            'Edit: a user message gets a sibling with the new text and a new reply; a reply gets a sibling with the new text',
          description: STREAM,
          params: idParams,
          body: z.object({
            content: z.string(),
            attachments: attachmentIds
              .optional()
              .describe(
                'User messages: the attachments of the new version, in order; omitted keeps the original’s',
              ),
          }),
          response: { ...stream.response, ...errorResponses(422) },
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        const started = await replies.edit(userId, request.params.id, request.body);
        await streamStartedReply(request, reply, replies, { ...started, userId }, deps.continueOnDisconnect);
      },
    );

    app.post(
      '/api/messages/:id/cancel',
      {
        schema: {
          tags,
          summary: 'Stop a reply in flight (on any instance); the text so far is kept',
          params: idParams,
          response: { 200: z.object({ message: messageDto }), ...errorResponses(401, 404) },
        },
      },
      async (request) => ({
        message: toMessageDto(await replies.cancel(requireIdentity(request).user.id, request.params.id)),
      }),
    );

    app.get(
      '/api/messages/:id/stream',
      {
        schema: {
          tags,
          summary: 'Resume a reply: the parts after Last-Event-ID, then the live ones',
          description: `${STREAM} Send the last \`id:\` you saw as the \`Last-Event-ID\` header (or \`?lastEventId=\`). A finished reply answers with one \`message-start\` carrying its whole text, then \`finish\`.`,
          params: idParams,
          querystring: z.object({ lastEventId: z.coerce.number().int().min(0).optional() }),
          headers: z.object({ 'last-event-id': z.coerce.number().int().min(0).optional() }).loose(),
          response: { ...replyStreamResponse, ...errorResponses(400, 401, 404) },
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        const after = request.headers['last-event-id'] ?? request.query.lastEventId ?? 0;
        await resumeReply(request, reply, replies, userId, request.params.id, after);
      },
    );
  };
