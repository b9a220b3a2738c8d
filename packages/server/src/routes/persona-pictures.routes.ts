import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../errors.js';
import type { FileRepository } from '../repositories/file.repository.js';
import { requireIdentity } from '../security/authenticate.js';
import { type AvatarImageService, MAX_IMAGE_BYTES } from '../services/avatar-image.service.js';
import { type SettingsService, userSettingsSchema } from '../services/settings.service.js';
import { errorResponses, idParams } from './schemas.js';

/**
 * The pictures of a user's personas (settings `personas[].imageId`): checked and re-encoded like
 * avatar pictures (512×512 WebP), stored as `persona-image` files of their owner, shown by the
 * person's messages in conversations that speak as that persona.
 */
export const personaPictureRoutes =
  (deps: {
    settings: SettingsService;
    images: AvatarImageService;
    files: Pick<FileRepository, 'findForOwner'>;
  }): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['accounts'];
    // The picture arrives as the raw file; its content is checked by decoding, not by this header.
    app.addContentTypeParser(
      ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'application/octet-stream'],
      { parseAs: 'buffer' },
      (_request, body, done) => done(null, body),
    );

    app.get(
      '/api/settings/personas/:id/picture',
      {
        schema: {
          tags,
          summary: 'A persona’s picture (WebP); 404 when it has none',
          params: idParams,
          querystring: z.object({ v: z.string().max(64).optional() }),
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        const persona = (await deps.settings.get(userId)).personas.find((p) => p.id === request.params.id);
        if (!persona) throw notFound('persona');
        const file = persona.imageId ? await deps.files.findForOwner(userId, persona.imageId) : undefined;
        if (!file) throw notFound('picture');
        reply.header(
          'cache-control',
          request.query.v ? 'private, max-age=31536000, immutable' : 'private, no-cache',
        );
        return reply.type(file.mimeType).send(file.bytes);
      },
    );

    app.put(
      '/api/settings/personas/:id/picture',
      {
        bodyLimit: MAX_IMAGE_BYTES,
        schema: {
          tags,
          summary:
            'Set a persona’s picture (PNG, JPEG or WebP up to 5 MB, raw body); it is checked, cropped to 512×512 and re-encoded',
          params: idParams,
          response: {
            200: z.object({ settings: userSettingsSchema }),
            ...errorResponses(401, 404, 413, 415, 422),
          },
        },
      },
      async (request) => {
        const userId = requireIdentity(request).user.id;
        // The persona must exist before anything is decoded or stored.
        if (!(await deps.settings.get(userId)).personas.some((p) => p.id === request.params.id))
          throw notFound('persona');
        if (!Buffer.isBuffer(request.body))
          throw new AppError(
            415,
            'unsupported_media_type',
            'Send the picture as the raw body: PNG, JPEG or WebP',
          );
        const { fileId } = await deps.images.upload(userId, request.body, { kind: 'persona-image' });
        try {
          const { settings, replaced } = await deps.settings.setPersonaImage(
            userId,
            request.params.id,
            fileId,
          );
          if (replaced) await deps.images.removeFile(userId, replaced);
          return { settings };
        } catch (err) {
          // The persona went away meanwhile: the new picture is not kept.
          await deps.images.removeFile(userId, fileId);
          throw err;
        }
      },
    );

    app.delete(
      '/api/settings/personas/:id/picture',
      {
        schema: {
          tags,
          summary: 'Remove a persona’s picture',
          params: idParams,
          response: { 200: z.object({ settings: userSettingsSchema }), ...errorResponses(401, 404) },
        },
      },
      async (request) => {
        const userId = requireIdentity(request).user.id;
        const { settings, replaced } = await deps.settings.setPersonaImage(userId, request.params.id, null);
        if (replaced) await deps.images.removeFile(userId, replaced);
        return { settings };
      },
    );
  };
