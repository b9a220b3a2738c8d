import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { lorebookDocument } from '../cards/lorebook-document.js';
import { avatarDto, toAvatarDto } from '../presenters/avatar.presenter.js';
import { requireIdentity } from '../security/authenticate.js';
import type { AvatarLorebookService } from '../services/avatar-lorebook.service.js';
import { errorResponses, idParams } from './schemas.js';

const LOREBOOK_BODY_LIMIT = 10 * 1024 * 1024;

/**
 * An avatar's World Info: a SillyTavern file in (`PUT /lorebook`) and out (`GET /lorebook`),
 * and the editable document the web editor reads and saves (`/lorebook/document`).
 */
export const avatarLorebookRoutes =
  (lorebooks: AvatarLorebookService): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['avatars'];

    app.put(
      '/api/avatars/:id/lorebook',
      {
        bodyLimit: LOREBOOK_BODY_LIMIT,
        schema: {
          tags,
          summary:
            'Attach World Info to your avatar: a SillyTavern World Info file or a character_book (JSON body)',
          description: 'Replaces the lorebook the avatar had.',
          params: idParams,
          body: z.record(z.string(), z.unknown()),
          response: {
            200: z.object({ avatar: avatarDto, warnings: z.array(z.string()) }),
            ...errorResponses(400, 401, 404, 413, 422),
          },
        },
      },
      async (request) => {
        const userId = requireIdentity(request).user.id;
        const { avatar, warnings } = await lorebooks.attach(userId, request.params.id, request.body);
        return { avatar: toAvatarDto(avatar, userId), warnings };
      },
    );

    app.get(
      '/api/avatars/:id/lorebook',
      {
        schema: {
          tags,
          summary: 'The avatar’s World Info as a SillyTavern World Info file (404 when it has none)',
          params: idParams,
        },
      },
      async (request, reply) => {
        const file = await lorebooks.worldInfoFile(requireIdentity(request).user.id, request.params.id);
        return reply
          .type('application/json')
          .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.fileName)}`)
          .header('cache-control', 'no-store')
          .send(file.body);
      },
    );

    app.delete(
      '/api/avatars/:id/lorebook',
      {
        schema: {
          tags,
          summary: 'Detach the World Info from your avatar',
          params: idParams,
          response: { 200: z.object({ avatar: avatarDto }), ...errorResponses(401, 404) },
        },
      },
      async (request) => {
        const userId = requireIdentity(request).user.id;
        return { avatar: toAvatarDto(await lorebooks.detach(userId, request.params.id), userId) };
      },
    );

    app.get(
      '/api/avatars/:id/lorebook/document',
      {
        schema: {
          tags,
          summary: 'The avatar’s lorebook for editing: book settings and every entry (404 when it has none)',
          params: idParams,
          response: { 200: z.object({ lorebook: lorebookDocument }), ...errorResponses(401, 404) },
        },
      },
      async (request) => ({
        lorebook: await lorebooks.document(requireIdentity(request).user.id, request.params.id),
      }),
    );

    app.put(
      '/api/avatars/:id/lorebook/document',
      {
        bodyLimit: LOREBOOK_BODY_LIMIT,
        schema: {
          tags,
          summary: 'Save an edited lorebook (creates one when the avatar has none)',
          description:
            'Send the document as read, with your changes: `extensions` and `extra` carry settings of other applications and must be sent back unchanged to keep them. Entries without an `id` get the next free number. Invalid regular-expression keys are kept as plain text and reported in `warnings`.',
          params: idParams,
          body: z.object({ lorebook: lorebookDocument }),
          response: {
            200: z.object({ avatar: avatarDto, lorebook: lorebookDocument, warnings: z.array(z.string()) }),
            ...errorResponses(400, 401, 404, 413),
          },
        },
      },
      async (request) => {
        const userId = requireIdentity(request).user.id;
        const saved = await lorebooks.replace(userId, request.params.id, request.body.lorebook);
        return { ...saved, avatar: toAvatarDto(saved.avatar, userId) };
      },
    );
  };
