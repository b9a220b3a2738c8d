import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sendServerSentEvents } from '../http/sse.js';
import { streamPartSchema } from '../realtime/stream-parts.js';
import { requireIdentity } from '../security/authenticate.js';
import type { ImpersonateService } from '../services/impersonate.service.js';
import { errorResponses, idParams } from './schemas.js';

/** "Impersonate": the model writes the person's next message; streamed, never stored. */
export const impersonateRoutes =
  (deps: { impersonation: ImpersonateService }): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/api/conversations/:id/impersonate',
      {
        schema: {
          tags: ['conversations'],
          summary:
            'The model writes your next message (in your persona’s voice), streamed; nothing is stored',
          description:
            'Answers `text/event-stream`, one `StreamPart` per event (docs/conversations.md): `text-delta`… (the message), `usage`, then `finish`, always last; `error` before `finish` when the model failed. There is no `message-start`: nothing is stored, the client puts the text in its message box. The model is sent the conversation’s context up to `parentId` (default: the last message of the visible branch). Closing the request stops the model. The call is recorded in usage (purpose `impersonate`).',
          params: idParams,
          // No body at all means "after the visible branch", like an empty one.
          body: z.object({ parentId: z.uuid().optional() }).nullish(),
          response: {
            200: {
              description:
                "Your next message as Server-Sent Events, one `StreamPart` per event: `event:` is the part's `type`, `data:` the rest of the part as JSON, `id:` its sequence number. The stream ends after `finish`.",
              content: { 'text/event-stream': { schema: streamPartSchema } },
            },
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        // Prepared first, so "no model", a wrong parent or a reply still being written are plain HTTP errors.
        const produce = await deps.impersonation.start(userId, request.params.id, request.body ?? {});
        await sendServerSentEvents(request, reply, produce);
      },
    );
  };
