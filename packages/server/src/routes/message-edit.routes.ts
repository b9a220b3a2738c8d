import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  conversationDto,
  messageDto,
  toConversationDto,
  toMessageDto,
} from '../presenters/conversation.presenter.js';
import { requireIdentity } from '../security/authenticate.js';
import { DELETE_SCOPES, type MessageEditService } from '../services/message-edit.service.js';
import { errorResponses, idParams } from './schemas.js';

/** Editing a message in place and deleting messages: no model call, plain JSON answers. */
export const messageEditRoutes =
  (deps: { edits: MessageEditService }): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['conversations'];

    app.patch(
      '/api/messages/:id',
      {
        schema: {
          tags,
          summary: 'Edit a message in place: its text is replaced (no new alternative, no model call)',
          description:
            'For a settled message of any role (a reply’s typo fixed without a new alternative). Its text parts take the new text; its other parts (reasoning, tool calls and results, files) are kept where they are. `content` (and so search) follows. 409 `message_streaming` while it is being written. To keep the original, use `POST /api/messages/{id}/edit`, which adds a sibling instead.',
          params: idParams,
          body: z.object({ content: z.string() }),
          response: { 200: z.object({ message: messageDto }), ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => ({
        message: toMessageDto(
          await deps.edits.editInPlace(requireIdentity(request).user.id, request.params.id, request.body),
        ),
      }),
    );

    app.delete(
      '/api/messages/:id',
      {
        schema: {
          tags,
          summary:
            'Delete a message and everything below it (`scope=branch`), or only this message (`scope=message`)',
          description:
            '`scope=branch` (the default) deletes the message and every message below it, on every branch. `scope=message` deletes only this message: its replies move up to its parent (they become siblings of its siblings, or first messages); 409 `message_streaming` while it or a reply to it is being written. Either way the visible branch moves to a message that remains when it lost its leaf.',
          params: idParams,
          querystring: z.object({
            scope: z
              .enum(DELETE_SCOPES)
              .default('branch')
              .describe('`branch`: the message and everything below it; `message`: this message only'),
          }),
          response: {
            200: z.object({ conversation: conversationDto }),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request) => ({
        conversation: toConversationDto(
          await deps.edits.delete(requireIdentity(request).user.id, request.params.id, request.query.scope),
        ),
      }),
    );
  };
