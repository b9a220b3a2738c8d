import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireIdentity } from '../security/authenticate.js';
import type { MemoryEmbeddingService } from '../services/memory-embedding.service.js';
import { errorResponses } from './schemas.js';

const counts = z.object({ total: z.number().int(), embedded: z.number().int() });

const embeddingProgressDto = z
  .object({
    model: z
      .string()
      .nullable()
      .describe('The embedding model (`<provider>/<model>`); null: full-text recall only'),
    dimensions: z.number().int().nullable().describe("The model's vector size, once known"),
    memories: counts,
    messages: counts.describe('Messages chat history recall may use (settled, not incognito)'),
    documents: counts.describe('Chunks of knowledge documents'),
    running: z.boolean().describe('Items still lack a vector of the model and the background job makes them'),
  })
  .meta({ id: 'MemoryEmbeddingProgress' });

/** Background embedding: how far it is, and starting it over. */
export const memoryEmbeddingRoutes =
  (service: MemoryEmbeddingService): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['memory'];

    app.get(
      '/api/memories/embedding',
      {
        schema: {
          tags,
          summary:
            'How many of your memories, messages and document chunks have a vector of your embedding model',
          response: { 200: embeddingProgressDto, ...errorResponses(401) },
        },
      },
      async (request) => service.progress(requireIdentity(request).user.id),
    );

    app.post(
      '/api/memories/embedding/rebuild',
      {
        schema: {
          tags,
          summary:
            'Embeds again what lacks a vector of your embedding model; with `reset`, deletes all your vectors first',
          body: z
            .object({
              reset: z
                .boolean()
                .optional()
                .describe(
                  'Delete every vector first (when the model changed its vector size under the same name)',
                ),
            })
            .nullish(),
          response: { 202: embeddingProgressDto, ...errorResponses(400, 401, 503) },
        },
      },
      async (request, reply) => {
        const progress = await service.rebuild(requireIdentity(request).user.id, {
          reset: request.body?.reset === true,
        });
        return reply.code(202).send(progress);
      },
    );
  };
