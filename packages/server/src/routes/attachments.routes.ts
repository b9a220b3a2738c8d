import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ATTACHMENT_LIMITS, attachmentKindOf } from '../domain/attachment.js';
import { AppError, invalidRequest } from '../errors.js';
import { attachmentDto, toAttachmentDto } from '../presenters/attachment.presenter.js';
import { requireIdentity } from '../security/authenticate.js';
import type { AttachmentService } from '../services/attachment.service.js';
import { errorResponses, idParams } from './schemas.js';

/** Sizes are said in decimal megabytes, as the web app writes them. */
const MB = 1_000_000;

/**
 * Served bytes are never run: no sniffing into HTML, a sandbox with nothing allowed should a
 * browser render one anyway, and an attachment's URL never changes content.
 */
const SERVED_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "sandbox; default-src 'none'",
  'cache-control': 'private, max-age=31536000, immutable',
};

/** Upload, read and delete attachments (docs/attachments.md). */
export const attachmentRoutes =
  (attachments: AttachmentService): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['attachments'];
    await app.register(multipart, {
      limits: { fileSize: ATTACHMENT_LIMITS.maxDocumentBytes, files: 1, fields: 5 },
    });

    app.post(
      '/api/attachments',
      {
        schema: {
          tags,
          summary: 'Upload an attachment: a picture or a document, multipart with one `file` field',
          description:
            `Pictures (PNG, JPEG, WebP, GIF; ≤ ${ATTACHMENT_LIMITS.maxImageBytes / MB} MB, ≤ ${ATTACHMENT_LIMITS.maxImagePixels / 1_000_000} megapixels) are stored rotated upright, without metadata, at most ${ATTACHMENT_LIMITS.maxImageSide} px on the long side (a GIF as its first frame, in PNG). ` +
            `Documents (PDF, DOCX, UTF-8 text / Markdown / CSV; ≤ ${ATTACHMENT_LIMITS.maxDocumentBytes / MB} MB) have their text read, at most ${ATTACHMENT_LIMITS.maxTextChars.toLocaleString('en')} characters (then \`truncated\`), PDFs up to ${ATTACHMENT_LIMITS.maxPdfPages} pages. ` +
            'The type comes from the bytes, never from the name or the Content-Type. A document without text is stored with `textChars` 0. ' +
            `An attachment no message uses is deleted after ${ATTACHMENT_LIMITS.unusedRetentionHours} hours. ` +
            'Errors: 413 `attachment_too_large`, 415 `attachment_unsupported_type`, 422 `attachment_unreadable` (damaged, password-protected PDF, zip bomb, too slow or too big to read; `details.reason`), 503 `service_busy` when too many documents are waiting to be read.',
          consumes: ['multipart/form-data'],
          response: {
            201: z.object({ attachment: attachmentDto }),
            ...errorResponses(400, 401, 413, 415, 422, 503),
          },
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        if (!request.isMultipart())
          throw invalidRequest('Send the file as multipart/form-data in a `file` field');
        const part = await request.file().catch((err: { code?: string }) => {
          if (err.code === 'FST_PARTS_LIMIT' || err.code === 'FST_FILES_LIMIT')
            throw invalidRequest('Send one file, in a `file` field, and nothing else');
          throw err;
        });
        if (!part) throw invalidRequest('No file was sent');
        if (part.fieldname !== 'file') throw invalidRequest('Send the file in a `file` field');
        const bytes = await part.toBuffer().catch((err: { code?: string }) => {
          if (err.code !== 'FST_REQ_FILE_TOO_LARGE') throw err;
          throw new AppError(
            413,
            'attachment_too_large',
            `Files may be at most ${ATTACHMENT_LIMITS.maxDocumentBytes / MB} MB (pictures ${ATTACHMENT_LIMITS.maxImageBytes / MB} MB)`,
            { limitBytes: ATTACHMENT_LIMITS.maxDocumentBytes },
          );
        });
        const attachment = await attachments.upload(userId, {
          bytes,
          fileName: part.filename,
          claimedType: part.mimetype,
        });
        return reply.status(201).send({ attachment: toAttachmentDto(attachment) });
      },
    );

    app.get(
      '/api/attachments/:id',
      {
        schema: {
          tags,
          summary: 'The attachment’s bytes (yours only)',
          description:
            'Pictures are served inline with their type; documents as a download (`Content-Disposition: attachment`). Always `X-Content-Type-Options: nosniff` and a sandboxing Content-Security-Policy; cacheable for a year (an attachment never changes).',
          params: idParams,
          response: { 200: z.unknown().describe('The bytes'), ...errorResponses(401, 404) },
        },
      },
      async (request, reply) => {
        const file = await attachments.content(requireIdentity(request).user.id, request.params.id);
        const image = attachmentKindOf(file.mediaType) === 'image';
        return reply
          .headers(SERVED_HEADERS)
          .header('etag', `"${file.sha256}"`)
          .header('content-disposition', contentDisposition(image ? 'inline' : 'attachment', file.name))
          .type(file.mediaType.startsWith('text/') ? `${file.mediaType}; charset=utf-8` : file.mediaType)
          .send(file.bytes);
      },
    );

    app.get(
      '/api/attachments/:id/text',
      {
        schema: {
          tags,
          summary: 'The text read from a document attachment (404 for pictures)',
          params: idParams,
          response: {
            200: z.object({ text: z.string(), truncated: z.boolean() }),
            ...errorResponses(401, 404),
          },
        },
      },
      async (request) => attachments.text(requireIdentity(request).user.id, request.params.id),
    );

    app.get(
      '/api/attachments/:id/meta',
      {
        schema: {
          tags,
          summary: 'An attachment’s description (name, type, size, pixels or characters)',
          params: idParams,
          response: { 200: z.object({ attachment: attachmentDto }), ...errorResponses(401, 404) },
        },
      },
      async (request) => ({
        attachment: toAttachmentDto(
          await attachments.get(requireIdentity(request).user.id, request.params.id),
        ),
      }),
    );

    app.delete(
      '/api/attachments/:id',
      {
        schema: {
          tags,
          summary: 'Delete an attachment no message uses (409 attachment_in_use otherwise)',
          params: idParams,
          response: { 204: z.null(), ...errorResponses(401, 404, 409) },
        },
      },
      async (request, reply) => {
        await attachments.remove(requireIdentity(request).user.id, request.params.id);
        return reply.status(204).send(null);
      },
    );
  };

/** With an ASCII fallback name and the exact UTF-8 one (RFC 6266 / 8187). */
function contentDisposition(type: 'inline' | 'attachment', fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(
    /['()*!]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
