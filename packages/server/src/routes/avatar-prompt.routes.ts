import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { avatarFields } from '../presenters/avatar.presenter.js';
import { requireIdentity } from '../security/authenticate.js';
import type { AvatarPromptService } from '../services/avatar-prompt.service.js';
import { errorResponses, idParams } from './schemas.js';

const promptSection = z.object({
  name: z.string(),
  title: z.string(),
  text: z.string(),
  tokens: z.number().int(),
});

/** The compiled system prompt of an avatar: as saved (GET), or with the editor's unsaved fields (POST). */
export const avatarPromptRoutes =
  (prompts: AvatarPromptService): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['avatars'];
    // Named when the routes register, which keeps the components of openapi.json in a stable order.
    const promptPreviewDto = z
      .object({
        text: z.string(),
        tokens: z.number().int(),
        sections: z.array(promptSection),
        postHistoryInstructions: promptSection.nullable(),
      })
      .meta({ id: 'PromptPreview' });

    app.get(
      '/api/avatars/:id/prompt-preview',
      {
        schema: {
          tags,
          summary: 'The system prompt this avatar compiles to for you, section by section with token counts',
          params: idParams,
          response: { 200: promptPreviewDto, ...errorResponses(401, 404) },
        },
      },
      async (request) => {
        const { user } = requireIdentity(request);
        return prompts.preview(user, request.params.id);
      },
    );

    app.post(
      '/api/avatars/:id/prompt-preview',
      {
        schema: {
          tags,
          summary:
            'The system prompt with unsaved changes: any avatar fields (as for PATCH) over the saved ones',
          description:
            'Nothing is saved. Fields are validated exactly as `PATCH /api/avatars/{id}` validates them, so a draft the editor could not save is refused the same way.',
          params: idParams,
          body: z.object(avatarFields).partial(),
          response: { 200: promptPreviewDto, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const { user } = requireIdentity(request);
        return prompts.preview(user, request.params.id, request.body);
      },
    );
  };
