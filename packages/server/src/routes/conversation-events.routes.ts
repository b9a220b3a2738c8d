import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError } from '../errors.js';
import { sendConversationEvents } from '../http/sse.js';
import { conversationEventSchema } from '../realtime/conversation-events.js';
import type { AuthEpochs } from '../security/auth-epoch.js';
import { reauthenticate, requireIdentity } from '../security/authenticate.js';
import type { ConversationEventsService } from '../services/conversation-events.service.js';
import type { IdentityService } from '../services/identity.service.js';
import { errorResponses, idParams } from './schemas.js';

export interface ConversationEventRoutesDeps {
  events: ConversationEventsService;
  identities: IdentityService;
  epochs: AuthEpochs;
  /** How often an open stream re-checks its credential (default 30 s; a revoke is heard at once). */
  recheckIntervalMs?: number;
}

/**
 * `GET /api/conversations/:id/events`: every reply of the conversation over one SSE connection
 * (docs/conversations.md, "Conversation events"). The stream has no end of its own, so its
 * credential is checked again, as an open WebSocket's is: when it stops working (logout,
 * revoke, disabled account) the stream ends, and reconnecting answers 401.
 */
export const conversationEventRoutes =
  (deps: ConversationEventRoutesDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/conversations/:id/events',
      {
        schema: {
          tags: ['conversations'],
          summary: 'Follow every reply of a conversation, live, over one stream',
          description:
            'Answers `text/event-stream`: one `ConversationEvent` per event (`event:` = the part’s type, `data:` = `{messageId, seq, part}`), for every reply being written in the conversation, from any tab or instance. No `id:` and no `Last-Event-ID`: the stream starts live (replies already being written are followed from their first part); to resume one reply, use `GET /api/messages/{messageId}/stream` with its `seq`.',
          params: idParams,
          response: {
            200: {
              description: 'Server-Sent Events, one `ConversationEvent` each.',
              content: { 'text/event-stream': { schema: conversationEventSchema } },
            },
            ...errorResponses(400, 401, 404),
          },
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        const events = await deps.events.open(userId, request.params.id);
        await sendConversationEvents(request, reply, (signal) => {
          const stream = new AbortController();
          const end = () => stream.abort();
          signal.addEventListener('abort', end, { once: true });
          const recheck = () =>
            void reauthenticate(request, deps.identities).catch((err) => {
              if (err instanceof AppError && err.status === 401) end();
              else request.log.warn({ err }, 'event stream credential check failed');
            });
          const stopListening = deps.epochs.onBump((bumped) => {
            if (bumped === userId) recheck();
          });
          const timer = setInterval(recheck, deps.recheckIntervalMs ?? 30_000);
          timer.unref();
          stream.signal.addEventListener('abort', () => {
            stopListening();
            clearInterval(timer);
            signal.removeEventListener('abort', end);
          });
          return events(stream.signal);
        });
      },
    );
  };
