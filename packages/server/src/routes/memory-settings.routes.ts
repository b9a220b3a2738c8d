import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { requireIdentity } from '../security/authenticate.js';
import {
  type MemorySettingsService,
  userMemorySettingsPatchSchema,
  userMemorySettingsSchema,
} from '../services/memory-settings.service.js';
import { errorResponses } from './schemas.js';

/** Your memory settings: on or off, the extraction and embedding models, chat history recall. */
export const memorySettingsRoutes =
  (memorySettings: MemorySettingsService): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['memory'];

    app.get(
      '/api/settings/memory',
      {
        schema: {
          tags,
          summary: 'Your memory settings',
          response: { 200: userMemorySettingsSchema, ...errorResponses(401) },
        },
      },
      async (request) => memorySettings.memorySettingsFor(requireIdentity(request).user.id),
    );

    app.patch(
      '/api/settings/memory',
      {
        schema: {
          tags,
          summary: 'Change your memory settings (fields you leave out keep their value)',
          description:
            'Models are `<provider>/<model>` as GET /api/models lists them, or null (extraction: the conversation’s own model; embeddings: full-text recall only). A new embedding model re-embeds your memories in the background; until then recall uses full text for the items not yet embedded.',
          body: userMemorySettingsPatchSchema,
          response: { 200: userMemorySettingsSchema, ...errorResponses(400, 401) },
        },
      },
      async (request) => memorySettings.update(requireIdentity(request).user.id, request.body),
    );
  };
