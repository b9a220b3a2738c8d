import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { participantDto, toParticipantDto } from '../presenters/conversation.presenter.js';
import { requireIdentity } from '../security/authenticate.js';
import type { ParticipantService } from '../services/participant.service.js';
import { errorResponses, idParams } from './schemas.js';

const participantParams = idParams.extend({
  participantId: z.uuid({ message: 'must be an id (UUID)' }),
});

/** The avatars and people of a conversation (docs/conversations.md, "Participants and turns"). */
export const conversationParticipantRoutes =
  (deps: { participants: ParticipantService }): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['conversations'];
    const { participants } = deps;

    app.get(
      '/api/conversations/:id/participants',
      {
        schema: {
          tags,
          summary: 'Who takes part: its owner, its avatars, and people with their roles',
          params: idParams,
          response: {
            200: z.object({ participants: z.array(participantDto) }),
            ...errorResponses(400, 401, 404),
          },
        },
      },
      async (request) => {
        const userId = requireIdentity(request).user.id;
        const list = await participants.list(userId, request.params.id);
        return { participants: list.map(toParticipantDto) };
      },
    );

    app.post(
      '/api/conversations/:id/participants',
      {
        schema: {
          tags,
          summary: 'Bring one of your avatars into the conversation',
          params: idParams,
          body: z.object({ avatarId: z.uuid() }),
          response: {
            201: z.object({ participant: participantDto }),
            ...errorResponses(400, 401, 404, 409),
          },
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        const added = await participants.addAvatar(userId, request.params.id, request.body.avatarId);
        return reply.code(201).send({ participant: toParticipantDto(added) });
      },
    );

    app.delete(
      '/api/conversations/:id/participants/:participantId',
      {
        schema: {
          tags,
          summary: 'Remove an avatar or a person (not the conversation’s own avatar, not its owner)',
          params: participantParams,
          response: { 204: z.null(), ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        await participants.remove(userId, request.params.id, request.params.participantId);
        return reply.code(204).send(null);
      },
    );
  };
