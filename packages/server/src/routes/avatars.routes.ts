import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AVATAR_TEMPLATES } from '../avatars/templates.js';
import { AppError, invalidRequest } from '../errors.js';
import { avatarDto, avatarFields, toAvatarDto } from '../presenters/avatar.presenter.js';
import { requireIdentity } from '../security/authenticate.js';
import type { AvatarService } from '../services/avatar.service.js';
import { type AvatarImageService, MAX_IMAGE_BYTES } from '../services/avatar-image.service.js';
import {
  type AvatarSuggestionService,
  avatarSuggestionSchema,
} from '../services/avatar-suggestion.service.js';
import {
  ALREADY_IMPORTED,
  type AvatarTransferService,
  DUPLICATE_CHOICES,
  MAX_IMPORT_BYTES,
} from '../services/avatar-transfer.service.js';
import { errorResponses, idParams } from './schemas.js';

/** Card files in one import request. */
const MAX_IMPORT_FILES = 50;

const templateDto = z
  .object({
    id: z.string(),
    name: z.string(),
    nickname: z.string().nullable(),
    description: z.string(),
    traits: z.array(z.string()),
    tags: z.array(z.string()),
    greeting: z.string(),
    imageUrl: z.string(),
  })
  .meta({ id: 'AvatarTemplate' });

export const avatarRoutes =
  (deps: {
    avatars: AvatarService;
    images: AvatarImageService;
    transfer: AvatarTransferService;
    suggestions: AvatarSuggestionService;
  }): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['avatars'];
    const { avatars, images, transfer } = deps;
    await app.register(multipart, {
      limits: { fileSize: MAX_IMPORT_BYTES, files: MAX_IMPORT_FILES, fields: 10 },
    });
    // Image uploads arrive as the raw file; the content is checked by decoding, not by this header.
    // The size limit is the picture route's own bodyLimit, so the 413 can state it.
    app.addContentTypeParser(
      ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'application/octet-stream'],
      { parseAs: 'buffer' },
      (_request, body, done) => done(null, body),
    );

    app.get(
      '/api/avatar-templates',
      {
        schema: {
          tags,
          summary: 'Built-in personalities to start from',
          response: { 200: z.object({ templates: z.array(templateDto) }), ...errorResponses(401) },
        },
      },
      async (request) => {
        requireIdentity(request);
        return {
          templates: AVATAR_TEMPLATES.map((t) => ({
            id: t.id,
            name: t.name,
            nickname: t.nickname,
            description: t.description,
            traits: t.traits,
            tags: t.tags,
            greeting: t.greeting,
            imageUrl: `/api/avatar-templates/${t.id}/image`,
          })),
        };
      },
    );

    app.get(
      '/api/avatar-templates/:templateId/image',
      { schema: { hide: true, params: z.object({ templateId: z.string().max(40) }) } },
      async (request, reply) => {
        const { generatedFace } = await import('../services/avatar-image.service.js');
        return reply
          .type('image/svg+xml')
          .header('cache-control', 'public, max-age=86400')
          .send(await generatedFace(`template:${request.params.templateId}`));
      },
    );

    app.get(
      '/api/avatars',
      {
        schema: {
          tags,
          summary: 'Your avatars and those shared with everyone on this server',
          querystring: z.object({
            q: z.string().trim().max(100).optional(),
            tag: z.string().trim().max(40).optional(),
            sort: z.enum(['recent', 'name', 'created']).default('recent'),
          }),
          response: { 200: z.object({ avatars: z.array(avatarDto) }), ...errorResponses(401) },
        },
      },
      async (request) => {
        const userId = requireIdentity(request).user.id;
        const { q, tag, sort } = request.query;
        const rows = await avatars.list(userId, { search: q, tag, sort });
        return { avatars: rows.map((a) => toAvatarDto(a, userId)) };
      },
    );

    app.post(
      '/api/avatars',
      {
        schema: {
          tags,
          summary: 'Create an avatar: blank (name and any fields) or from a template',
          body: z.union([
            z.object({ templateId: z.string().min(1).max(40) }),
            z
              .object({ ...avatarFields })
              .partial()
              .required({ name: true }),
          ]),
          response: { 201: z.object({ avatar: avatarDto }), ...errorResponses(400, 401, 404) },
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        const body = request.body;
        const avatar =
          'templateId' in body
            ? await avatars.createFromTemplate(userId, body.templateId)
            : await avatars.create(userId, body);
        return reply.status(201).send({ avatar: toAvatarDto(avatar, userId) });
      },
    );

    app.post(
      '/api/avatars/suggest',
      {
        schema: {
          tags,
          summary: 'Suggest traits, style sliders and a greeting from a backstory, using your model',
          description:
            'Failures the model causes are upstream faults, never 500: `model_bad_output` (502, the answer was not JSON or broke the schema), `provider_auth_failed` (502), `provider_protocol_error` (502), `provider_unavailable` (503), `provider_timeout` (504), `provider_rate_limited` (429); `model_not_found` is 404, `no_model_configured` 409.',
          body: z.object({
            backstory: z
              .string()
              .trim()
              .min(10, { message: 'tell a little more (at least 10 characters)' })
              .max(20_000),
            name: z.string().trim().max(100).optional(),
            model: z.string().min(3).max(300).optional(),
          }),
          response: {
            200: z.object({ suggestion: avatarSuggestionSchema, modelId: z.string() }),
            ...errorResponses(400, 401, 403, 404, 409, 429, 502, 503, 504),
          },
        },
      },
      async (request) => deps.suggestions.suggest(requireIdentity(request).user.id, request.body),
    );

    app.get(
      '/api/avatars/:id',
      {
        schema: {
          tags,
          summary: 'One avatar',
          params: idParams,
          response: { 200: z.object({ avatar: avatarDto }), ...errorResponses(401, 404) },
        },
      },
      async (request) => {
        const userId = requireIdentity(request).user.id;
        return { avatar: toAvatarDto(await avatars.get(userId, request.params.id), userId) };
      },
    );

    app.patch(
      '/api/avatars/:id',
      {
        schema: {
          tags,
          summary: 'Change any field of your avatar',
          params: idParams,
          body: z.object(avatarFields).partial(),
          response: { 200: z.object({ avatar: avatarDto }), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const userId = requireIdentity(request).user.id;
        return { avatar: toAvatarDto(await avatars.update(userId, request.params.id, request.body), userId) };
      },
    );

    app.delete(
      '/api/avatars/:id',
      {
        schema: {
          tags,
          summary: 'Delete your avatar',
          params: idParams,
          response: { 204: z.null(), ...errorResponses(401, 404) },
        },
      },
      async (request, reply) => {
        await avatars.remove(requireIdentity(request).user.id, request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/avatars/import',
      {
        schema: {
          tags,
          summary:
            'Import Character Cards (PNG/APNG, JSON V1–V3, CHARX) or Lumina XML: multipart, one or many `file` fields',
          description:
            'Each file is imported on its own, in one transaction; the result lists every file with its avatar or error. ' +
            `A file whose content you already imported (the same card, however it is packed) is not imported again unless \`onDuplicate\` says so: its result has \`error.code\` \`${ALREADY_IMPORTED}\` and \`duplicateOf\`, the avatar that import made. ` +
            'Send the file again with `onDuplicate=replace` to update that avatar in place (same id, conversations and memories kept; its voice, model and other Lumina-only settings stay unless the file carries them), or `keep-both` for a second avatar.',
          consumes: ['multipart/form-data'],
          querystring: z.object({
            onDuplicate: z
              .enum(DUPLICATE_CHOICES)
              .default('ask')
              .describe(
                '`ask`: report a duplicate and import nothing; `replace`: update the avatar the earlier import made; `keep-both`: import another avatar',
              ),
          }),
          response: {
            200: z.object({
              results: z.array(
                z.union([
                  z.object({
                    fileName: z.string(),
                    ok: z.literal(true),
                    avatar: avatarDto,
                    warnings: z.array(z.string()),
                    replaced: z
                      .boolean()
                      .describe('True when an avatar imported from the same content was updated in place'),
                  }),
                  z.object({
                    fileName: z.string(),
                    ok: z.literal(false),
                    error: z.object({
                      code: z.string(),
                      message: z.string(),
                      details: z.record(z.string(), z.unknown()).optional(),
                    }),
                    duplicateOf: z
                      .object({
                        id: z.uuid(),
                        name: z.string(),
                        createdAt: z.iso.datetime(),
                        updatedAt: z.iso.datetime(),
                      })
                      .optional()
                      .describe(
                        `With \`error.code\` \`${ALREADY_IMPORTED}\`: your avatar imported earlier from the same content`,
                      ),
                  }),
                ]),
              ),
            }),
            ...errorResponses(400, 401, 413),
          },
        },
      },
      async (request) => {
        const userId = requireIdentity(request).user.id;
        if (!request.isMultipart())
          throw invalidRequest('Send the files as multipart/form-data in `file` fields');
        const files: { fileName: string; bytes: Buffer }[] = [];
        const parts = request.files({ limits: { fileSize: MAX_IMPORT_BYTES, files: MAX_IMPORT_FILES } });
        for await (const part of tooManyFilesStated(parts)) {
          const bytes = await part.toBuffer().catch((err: { code?: string }) => {
            if (err.code === 'FST_REQ_FILE_TOO_LARGE') {
              throw new AppError(
                413,
                'card_too_large',
                `${part.filename} is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB`,
              );
            }
            throw err;
          });
          files.push({ fileName: part.filename || 'upload', bytes });
        }
        if (files.length === 0) throw invalidRequest('No file was sent');
        const results = await transfer.importMany(userId, files, request.query.onDuplicate);
        return {
          results: results.map((r) => {
            if (r.ok) return { ...r, avatar: toAvatarDto(r.avatar, userId) };
            const { duplicateOf, ...failed } = r;
            if (!duplicateOf) return failed;
            const { createdAt, updatedAt } = duplicateOf;
            return {
              ...failed,
              duplicateOf: {
                id: duplicateOf.id,
                name: duplicateOf.name,
                createdAt: createdAt.toISOString(),
                updatedAt: updatedAt.toISOString(),
              },
            };
          }),
        };
      },
    );

    app.get(
      '/api/avatars/:id/export',
      {
        schema: {
          tags,
          summary: 'Download an avatar as a Character Card (png, json, charx) or Lumina XML',
          params: idParams,
          querystring: z.object({ format: z.enum(['png', 'json', 'charx', 'xml']).default('png') }),
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        const file = await transfer.export(userId, request.params.id, request.query.format);
        return reply
          .type(file.contentType)
          .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.fileName)}`)
          .header('cache-control', 'no-store')
          .send(file.body);
      },
    );

    app.get(
      '/api/avatars/:id/image',
      {
        schema: {
          tags,
          summary: 'The avatar’s picture (uploaded WebP, or a generated SVG face)',
          params: idParams,
          querystring: z.object({ v: z.string().max(64).optional() }),
        },
      },
      async (request, reply) => {
        const avatar = await avatars.get(requireIdentity(request).user.id, request.params.id);
        const { contentType, body } = await images.image(avatar);
        // A versioned URL never changes content; an unversioned one must be revalidated.
        reply.header(
          'cache-control',
          request.query.v ? 'private, max-age=31536000, immutable' : 'private, no-cache',
        );
        return reply.type(contentType).send(body);
      },
    );

    app.put(
      '/api/avatars/:id/image',
      {
        bodyLimit: MAX_IMAGE_BYTES,
        schema: {
          tags,
          summary:
            'Upload a picture (PNG, JPEG or WebP up to 5 MB, raw body); it is checked, cropped to 512×512 and re-encoded',
          params: idParams,
          response: { 200: z.object({ avatar: avatarDto }), ...errorResponses(400, 401, 404, 413, 415, 422) },
        },
      },
      async (request) => {
        const userId = requireIdentity(request).user.id;
        const avatar = await avatars.getOwned(userId, request.params.id);
        // No body, or one of a type parsed as something else (JSON, text): not a picture.
        if (!Buffer.isBuffer(request.body))
          throw new AppError(
            415,
            'unsupported_media_type',
            'Send the picture as the raw body: PNG, JPEG or WebP',
          );
        const { fileId } = await images.upload(userId, request.body);
        const updated = await avatars.update(userId, avatar.id, { imageId: fileId });
        if (avatar.imageId) await images.removeFile(userId, avatar.imageId);
        return { avatar: toAvatarDto(updated, userId) };
      },
    );

    app.delete(
      '/api/avatars/:id/image',
      {
        schema: {
          tags,
          summary: 'Go back to the generated picture',
          params: idParams,
          response: { 200: z.object({ avatar: avatarDto }), ...errorResponses(401, 404) },
        },
      },
      async (request) => {
        const userId = requireIdentity(request).user.id;
        const avatar = await avatars.getOwned(userId, request.params.id);
        const updated = await avatars.update(userId, avatar.id, { imageId: null });
        if (avatar.imageId) await images.removeFile(userId, avatar.imageId);
        return { avatar: toAvatarDto(updated, userId) };
      },
    );
  };

/** The multipart plugin's bare "reach files limit" (413) as an error that states the limit. */
async function* tooManyFilesStated<T>(parts: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* parts;
  } catch (err) {
    if ((err as { code?: string }).code !== 'FST_FILES_LIMIT') throw err;
    throw new AppError(
      413,
      'too_many_files',
      `At most ${MAX_IMPORT_FILES} files can be imported in one request`,
      { limitFiles: MAX_IMPORT_FILES },
    );
  }
}
