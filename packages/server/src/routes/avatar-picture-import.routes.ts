import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { avatarDto, toAvatarDto } from '../presenters/avatar.presenter.js';
import { requireIdentity } from '../security/authenticate.js';
import type { AvatarPictureImportService } from '../services/avatar-picture-import.service.js';
import { errorResponses, idParams } from './schemas.js';

export const avatarPictureImportRoutes =
  (pictures: AvatarPictureImportService): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/api/avatars/:id/image/url',
      {
        schema: {
          tags: ['avatars'],
          summary: 'Set the picture from a URL (PNG, JPEG or WebP up to 5 MB); the server fetches it',
          description:
            'Only public addresses (and those an administrator allows with LUMINA_OUTBOUND_ALLOW) are fetched: others answer 400 outbound_address_blocked. The picture is checked, cropped to 512×512 and re-encoded like an upload.',
          params: idParams,
          body: z.object({
            url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2000),
          }),
          response: {
            200: z.object({ avatar: avatarDto }),
            ...errorResponses(400, 401, 404, 413, 415, 422, 502, 504),
          },
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        // A client that goes away stops the transfer.
        const cancel = new AbortController();
        reply.raw.on('close', () => {
          if (!reply.raw.writableFinished) cancel.abort();
        });
        const avatar = await pictures.importFromUrl(
          userId,
          request.params.id,
          request.body.url,
          cancel.signal,
        );
        return { avatar: toAvatarDto(avatar, userId) };
      },
    );
  };
