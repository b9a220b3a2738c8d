import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KNOWLEDGE_LIMITS } from '../domain/memory.js';
import { AppError, invalidRequest } from '../errors.js';
import { knowledgeDocumentDto, toKnowledgeDocumentDto } from '../presenters/knowledge-document.presenter.js';
import { requireIdentity } from '../security/authenticate.js';
import type { KnowledgeService, KnowledgeUpload } from '../services/knowledge.service.js';
import { errorResponses, idParams } from './schemas.js';

/** Files one upload request may carry (each held in memory until all are checked). */
export const KNOWLEDGE_FILES_PER_UPLOAD = 10;
/** Bytes of one upload request, all its files together: what one request may hold in memory. */
export const KNOWLEDGE_UPLOAD_TOTAL_BYTES = 50_000_000;

const MB = 1_000_000;

const documentParams = idParams.extend({
  docId: z.uuid({ message: 'must be a document id (UUID)' }),
});

/** The original file is a download, never rendered: no sniffing, a sandbox should a browser try. */
const SERVED_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "sandbox; default-src 'none'",
  'cache-control': 'private, no-cache',
};

/** An avatar's knowledge documents (docs/knowledge.md): upload, indexing progress, the file, delete. */
export const avatarDocumentRoutes =
  (knowledge: KnowledgeService): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['knowledge'];
    await app.register(multipart, {
      limits: { fileSize: KNOWLEDGE_LIMITS.fileBytes, files: KNOWLEDGE_FILES_PER_UPLOAD, fields: 10 },
    });

    app.post(
      '/api/avatars/:id/documents',
      {
        schema: {
          tags,
          summary: 'Give your avatar documents to read: multipart, one or more `file` fields',
          description:
            `PDF, Word (.docx), Markdown, plain text and HTML (UTF-8), each at most ${KNOWLEDGE_LIMITS.fileBytes / MB} MB, at most ${KNOWLEDGE_FILES_PER_UPLOAD} per request and ${KNOWLEDGE_LIMITS.documentsPerAvatar} per avatar. ` +
            "PDF and DOCX are told by their bytes; text kinds by the name or the part's Content-Type. All files are added or none. " +
            'The documents answer `queued`; they are indexed in the background (poll GET .../documents for `status`, `chunkCount`, `embeddedCount`). ' +
            'Errors: 413 `file_too_large`, 415 `unsupported_file_type` (`details.fileName`), 409 `knowledge_limit_reached`, 404 for an avatar that is not yours (also one shared with you).',
          consumes: ['multipart/form-data'],
          params: idParams,
          response: {
            201: z.object({ documents: z.array(knowledgeDocumentDto) }),
            ...errorResponses(400, 401, 404, 409, 413, 415),
          },
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        await knowledge.checkAvatar(userId, request.params.id); // a stranger's avatar: 404 before any byte is read
        if (!request.isMultipart())
          throw invalidRequest('Send the files as multipart/form-data in `file` fields');
        const uploads: KnowledgeUpload[] = [];
        let received = 0;
        try {
          for await (const part of request.files()) {
            if (part.fieldname !== 'file' && part.fieldname !== 'files')
              throw invalidRequest('Send each file in a `file` field');
            const bytes = await part.toBuffer();
            received += bytes.length;
            if (received > KNOWLEDGE_UPLOAD_TOTAL_BYTES)
              throw new AppError(
                413,
                'payload_too_large',
                `Send at most ${KNOWLEDGE_UPLOAD_TOTAL_BYTES / MB} MB of files at once; send the rest in another upload`,
                { limitBytes: KNOWLEDGE_UPLOAD_TOTAL_BYTES },
              );
            uploads.push({ bytes, fileName: part.filename, claimedType: part.mimetype });
          }
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (code === 'FST_REQ_FILE_TOO_LARGE') {
            throw new AppError(
              413,
              'file_too_large',
              `Files may be at most ${KNOWLEDGE_LIMITS.fileBytes / MB} MB`,
              {
                limitBytes: KNOWLEDGE_LIMITS.fileBytes,
              },
            );
          }
          if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT')
            throw invalidRequest(
              `Send at most ${KNOWLEDGE_FILES_PER_UPLOAD} files at once, and nothing else`,
            );
          throw err;
        }
        if (uploads.length === 0) throw invalidRequest('No file was sent');
        const documents = await knowledge.upload(userId, request.params.id, uploads);
        return reply.status(201).send({ documents: documents.map(toKnowledgeDocumentDto) });
      },
    );

    app.get(
      '/api/avatars/:id/documents',
      {
        schema: {
          tags,
          summary: "Your avatar's documents with their indexing progress, oldest first",
          params: idParams,
          response: {
            200: z.object({ documents: z.array(knowledgeDocumentDto) }),
            ...errorResponses(401, 404),
          },
        },
      },
      async (request) => {
        const userId = requireIdentity(request).user.id;
        const documents = await knowledge.list(userId, request.params.id);
        return { documents: documents.map(toKnowledgeDocumentDto) };
      },
    );

    app.get(
      '/api/avatars/:id/documents/:docId',
      {
        schema: {
          tags,
          summary: "One of your avatar's documents",
          params: documentParams,
          response: { 200: z.object({ document: knowledgeDocumentDto }), ...errorResponses(401, 404) },
        },
      },
      async (request) => {
        const { id, docId } = request.params;
        const document = await knowledge.get(requireIdentity(request).user.id, id, docId);
        return { document: toKnowledgeDocumentDto(document) };
      },
    );

    app.get(
      '/api/avatars/:id/documents/:docId/file',
      {
        schema: {
          tags,
          summary: "The document's original file, as uploaded (a download)",
          description:
            'Always `Content-Disposition: attachment`, `X-Content-Type-Options: nosniff` and a sandboxing Content-Security-Policy.',
          params: documentParams,
          response: { 200: z.unknown().describe('The bytes'), ...errorResponses(401, 404) },
        },
      },
      async (request, reply) => {
        const { id, docId } = request.params;
        const file = await knowledge.file(requireIdentity(request).user.id, id, docId);
        return reply
          .headers(SERVED_HEADERS)
          .header('etag', `"${file.sha256}"`)
          .header('content-disposition', attachmentDisposition(file.name))
          .type(file.mediaType.startsWith('text/') ? `${file.mediaType}; charset=utf-8` : file.mediaType)
          .send(file.bytes);
      },
    );

    app.delete(
      '/api/avatars/:id/documents/:docId',
      {
        schema: {
          tags,
          summary: 'Delete a document: its chunks and its file go at once, recall never finds it again',
          params: documentParams,
          response: { 204: z.null(), ...errorResponses(401, 404) },
        },
      },
      async (request, reply) => {
        const { id, docId } = request.params;
        await knowledge.remove(requireIdentity(request).user.id, id, docId);
        return reply.status(204).send(null);
      },
    );
  };

/** `attachment` with an ASCII fallback name and the exact UTF-8 one (RFC 6266 / 8187). */
function attachmentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(
    /['()*!]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
