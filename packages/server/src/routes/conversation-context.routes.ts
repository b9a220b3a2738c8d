import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  conversationContextDto,
  toConversationContextDto,
} from '../presenters/conversation-context.presenter.js';
import { requireIdentity } from '../security/authenticate.js';
import type { ConversationContextService } from '../services/conversation-context.service.js';
import { errorResponses, idParams } from './schemas.js';

/** What the next reply of a conversation would send, explained part by part. */
export const conversationContextRoutes =
  (context: Pick<ConversationContextService, 'preview'>): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/conversations/:id/context',
      {
        schema: {
          tags: ['conversations'],
          summary: 'What the next reply would be sent: parts, token counts, what is summarized or dropped',
          description:
            'The context assembled for the next reply on the visible branch (before the next message is added): the system prompt with activated lorebook entries, recalled memories, the running summary of older turns, the recent messages that fit the window minus the reply budget, and post-history instructions. Nothing is sent to a model.',
          params: idParams,
          response: { 200: conversationContextDto, ...errorResponses(401, 404) },
        },
      },
      async (request) => {
        const { user } = requireIdentity(request);
        return toConversationContextDto(await context.preview(user.id, request.params.id));
      },
    );
  };
