import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireIdentity } from '../security/authenticate.js';
import { type ProviderService, USER_PROVIDER_KINDS } from '../services/provider.service.js';
import { errorResponses, idParams } from './schemas.js';

const health = z.object({
  status: z.enum(['ok', 'error', 'unknown']),
  code: z.string().nullable().describe('provider_auth_failed, model_not_found, provider_unavailable, …'),
  message: z.string().nullable(),
  latencyMs: z.number().nullable(),
  checkedAt: z.iso.datetime().nullable(),
});

export const providerDto = z
  .object({
    id: z.string().describe('The prefix of this provider’s model ids'),
    kind: z.string(),
    name: z.string(),
    scope: z.enum(['system', 'user']).describe('system: configured by the operator for everyone'),
    baseUrl: z.string().nullable(),
    local: z.boolean().describe('Whether data stays on this machine or network'),
    hasKey: z.boolean().describe('An API key is set (keys are never returned)'),
    enabled: z.boolean(),
    health,
  })
  .meta({ id: 'Provider' });

/** Instance providers have names for ids (`ollama`); the ones users add, and edit, have UUIDs. */
const providerParams = z.object({ id: z.string().min(1).max(100) });
const baseUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(500);
const apiKey = z.string().trim().min(1).max(2000);

export const providerRoutes =
  (providers: ProviderService): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['models'];

    app.get(
      '/api/providers',
      {
        schema: {
          tags,
          summary: 'Configured providers (the instance’s and your own) with their health',
          response: { 200: z.object({ providers: z.array(providerDto) }), ...errorResponses(401) },
        },
      },
      async (request) => ({ providers: await providers.list(requireIdentity(request).user.id) }),
    );

    app.post(
      '/api/providers',
      {
        schema: {
          tags,
          summary: 'Add a provider; its key is stored encrypted and probed at once',
          body: z.object({
            kind: z.enum(USER_PROVIDER_KINDS),
            name: z.string().trim().min(1).max(100),
            baseUrl: baseUrl.nullish(),
            apiKey: apiKey.nullish(),
          }),
          response: { 201: z.object({ provider: providerDto }), ...errorResponses(400, 401) },
        },
      },
      async (request, reply) => {
        const provider = await providers.create(requireIdentity(request).user.id, request.body);
        return reply.status(201).send({ provider });
      },
    );

    app.patch(
      '/api/providers/:id',
      {
        schema: {
          tags,
          summary: 'Rename, change the URL or key (null removes it), enable or disable',
          params: idParams,
          body: z.object({
            name: z.string().trim().min(1).max(100).optional(),
            baseUrl: baseUrl.nullish(),
            apiKey: apiKey.nullish(),
            enabled: z.boolean().optional(),
          }),
          response: { 200: z.object({ provider: providerDto }), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => ({
        provider: await providers.update(requireIdentity(request).user.id, request.params.id, request.body),
      }),
    );

    app.delete(
      '/api/providers/:id',
      {
        schema: {
          tags,
          summary: 'Remove one of your providers and its stored key',
          params: idParams,
          response: { 204: z.null(), ...errorResponses(401, 404) },
        },
      },
      async (request, reply) => {
        await providers.remove(requireIdentity(request).user.id, request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/providers/:id/check',
      {
        schema: {
          tags,
          summary: 'Probe a provider now',
          params: providerParams,
          response: { 200: z.object({ provider: providerDto }), ...errorResponses(401, 404) },
        },
      },
      async (request) => ({
        provider: await providers.check(requireIdentity(request).user.id, request.params.id),
      }),
    );
  };
