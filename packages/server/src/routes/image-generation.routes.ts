import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { avatarDto, toAvatarDto } from '../presenters/avatar.presenter.js';
import { requireIdentity } from '../security/authenticate.js';
import type { AvatarImageGenerationService } from '../services/avatar-image-generation.service.js';
import { errorResponses, idParams } from './schemas.js';

/** Whether pictures can be generated here, and generating one for an avatar. */
export const imageGenerationRoutes =
  (generation: AvatarImageGenerationService): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['avatars'];

    app.get(
      '/api/image-generation',
      {
        schema: {
          tags,
          summary: 'Whether this server can generate avatar pictures for you, and with which kind of service',
          response: {
            200: z
              .object({
                available: z.boolean(),
                backend: z.enum(['openai', 'automatic1111', 'comfyui']).nullable(),
                reason: z
                  .enum(['not_configured', 'local_only'])
                  .nullable()
                  .describe(
                    'Why it is not available: no service set up, or local-only mode with a cloud service',
                  ),
              })
              .meta({ id: 'ImageGenerationStatus' }),
            ...errorResponses(401),
          },
        },
      },
      async (request) => generation.status(requireIdentity(request).user.id),
    );

    app.post(
      '/api/avatars/:id/image/generate',
      {
        schema: {
          tags,
          summary:
            'Generate your avatar’s picture with the image service (from its description, or your prompt)',
          description:
            'Waits for the picture (up to IMAGE_GENERATION_TIMEOUT_MS), then stores it like an upload: 512×512 WebP. Closing the request cancels the generation.',
          params: idParams,
          // No body at all means "from the description", like an empty one.
          body: z.object({ prompt: z.string().trim().max(2000).optional() }).nullish(),
          response: {
            200: z.object({ avatar: avatarDto }),
            ...errorResponses(400, 401, 403, 404, 409, 502, 504),
          },
        },
      },
      async (request, reply) => {
        const { user } = requireIdentity(request);
        // A client that goes away (the Cancel button) cancels the work at the image service too.
        const cancel = new AbortController();
        reply.raw.on('close', () => {
          if (!reply.raw.writableFinished) cancel.abort();
        });
        const avatar = await generation.generate(user, request.params.id, request.body ?? {}, cancel.signal);
        return { avatar: toAvatarDto(avatar, user.id) };
      },
    );
  };
