import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TOKEN_SCOPES } from '../domain/api-token.js';
import { apiTokenDto, toApiTokenDto } from '../presenters/api-token.presenter.js';
import { requireIdentity } from '../security/authenticate.js';
import type { ApiTokenService } from '../services/api-token.service.js';
import { errorResponses, idParams } from './schemas.js';

export const apiTokenRoutes =
  (tokens: ApiTokenService): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['accounts'];

    app.get(
      '/api/auth/tokens',
      {
        schema: {
          tags,
          summary: 'Your personal API tokens (never their secrets)',
          response: { 200: z.object({ tokens: z.array(apiTokenDto) }), ...errorResponses(401) },
        },
      },
      async (request) => ({
        tokens: (await tokens.list(requireIdentity(request).user.id)).map(toApiTokenDto),
      }),
    );

    app.post(
      '/api/auth/tokens',
      {
        schema: {
          tags,
          summary: 'Create a personal API token; its secret is shown only in this response',
          body: z.object({
            name: z.string().trim().min(1).max(100),
            scopes: z.array(z.enum(TOKEN_SCOPES)).min(1),
            expiresAt: z.iso
              .datetime({ offset: true })
              .nullish()
              .refine((v) => !v || Date.parse(v) > Date.now(), { message: 'must be in the future' }),
          }),
          response: {
            201: z.object({
              token: apiTokenDto,
              secret: z.string().describe('Send as "Authorization: Bearer <secret>"'),
            }),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      async (request, reply) => {
        const { name, scopes, expiresAt } = request.body;
        const created = await tokens.create(requireIdentity(request), {
          name,
          scopes,
          expiresAt: expiresAt ? new Date(expiresAt) : null,
        });
        return reply.status(201).send({ token: toApiTokenDto(created.token), secret: created.secret });
      },
    );

    app.delete(
      '/api/auth/tokens/:id',
      {
        schema: {
          tags,
          summary: 'Revoke one of your API tokens',
          params: idParams,
          response: { 204: z.null(), ...errorResponses(401, 404) },
        },
      },
      async (request, reply) => {
        await tokens.delete(requireIdentity(request).user.id, request.params.id);
        return reply.status(204).send(null);
      },
    );
  };
