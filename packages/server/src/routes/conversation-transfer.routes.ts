import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_CONVERSATION_FILE_BYTES } from '../conversation-formats/imported-conversation.js';
import { AppError, invalidRequest } from '../errors.js';
import { conversationDto, toConversationDto } from '../presenters/conversation.presenter.js';
import { requireIdentity } from '../security/authenticate.js';
import type {
  ConversationTransferService,
  UploadedConversationFile,
} from '../services/conversation-transfer.service.js';
import { errorResponses, idParams } from './schemas.js';

const MAX_FILES = 20;

const importResult = z.object({
  file: z.string(),
  ok: z.boolean(),
  format: z.enum(['lumina-json', 'sillytavern-jsonl', 'chatgpt-json']).optional(),
  conversationId: z.uuid().optional(),
  conversation: conversationDto.optional(),
  title: z.string().optional(),
  messages: z.number().int().optional(),
  error: z
    .object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() })
    .optional(),
});

/** Download a conversation as a file; import conversation files (multipart). */
export const conversationTransferRoutes =
  (transfer: ConversationTransferService): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['conversations'];
    // A file over the limit is cut off, not refused, so the other files still get their results.
    await app.register(multipart, {
      limits: { fileSize: MAX_CONVERSATION_FILE_BYTES, files: MAX_FILES, fields: 5 },
      throwFileSizeLimit: false,
    });

    app.get(
      '/api/conversations/:id/export',
      {
        schema: {
          tags,
          summary:
            'Download a conversation: Lumina JSON (the whole tree), Markdown or a SillyTavern chat (the visible branch)',
          description:
            '`json` (application/json, `.json`): every message of the tree, imports back losslessly. `md` (text/markdown, `.md`): the visible branch, for reading. `sillytavern` (application/jsonl, `.jsonl`): a SillyTavern chat file, a header line then one line per message of the visible branch, the other replies to the same message as its swipes; it imports into SillyTavern and back into Lumina.',
          params: idParams,
          querystring: z.object({
            format: z
              .enum(['json', 'md', 'sillytavern'])
              .default('json')
              .describe('`json`: Lumina JSON; `md`: Markdown; `sillytavern`: SillyTavern chat JSONL'),
          }),
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        const file = await transfer.export(userId, request.params.id, request.query.format);
        return reply
          .type(file.contentType)
          .header('content-disposition', contentDisposition(file.fileName))
          .header('cache-control', 'no-store')
          .send(file.body);
      },
    );

    app.post(
      '/api/conversations/import',
      {
        schema: {
          tags,
          summary:
            'Import conversations: Lumina JSON, SillyTavern chat JSONL or ChatGPT conversations.json (multipart, one or more `file` fields)',
          description:
            'The format is recognised from the content. An optional `avatarId` field attaches every conversation to that avatar; otherwise the avatar is matched by name among yours, or a minimal one is created. Each conversation is stored in one transaction; `results` has one entry per conversation (a ChatGPT export holds many) or per unreadable file.',
          consumes: ['multipart/form-data'],
          response: {
            201: z.object({ results: z.array(importResult) }),
            ...errorResponses(400, 401, 404, 413),
          },
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        if (!request.isMultipart())
          throw invalidRequest('Send the files as multipart/form-data in `file` fields');
        const files: UploadedConversationFile[] = [];
        let avatarId: string | undefined;
        for await (const part of withFileLimit(request.parts())) {
          if (part.type === 'field') {
            if (part.fieldname === 'avatarId' && typeof part.value === 'string' && part.value !== '') {
              const parsed = z.uuid().safeParse(part.value);
              if (!parsed.success) throw invalidRequest('`avatarId` must be an id (UUID)');
              avatarId = parsed.data;
            }
            continue;
          }
          const bytes = await part.toBuffer();
          files.push({ fileName: part.filename || 'upload', bytes, tooLarge: part.file.truncated });
        }
        if (files.length === 0) throw invalidRequest('No file was sent');
        const results = await transfer.importFiles(userId, files, { avatarId });
        return reply.status(201).send({
          results: results.map(({ conversation, ...result }) =>
            conversation
              ? { ...result, conversationId: conversation.id, conversation: toConversationDto(conversation) }
              : result,
          ),
        });
      },
    );
  };

/** More than MAX_FILES files is a clear 413 rather than the plugin's generic error. */
async function* withFileLimit<T>(parts: AsyncIterable<T>): AsyncIterable<T> {
  try {
    yield* parts;
  } catch (err) {
    if ((err as { code?: string }).code === 'FST_FILES_LIMIT')
      throw new AppError(413, 'too_many_files', `At most ${MAX_FILES} files can be imported at once`, {
        limit: MAX_FILES,
      });
    throw err;
  }
}

/** `attachment` with an ASCII fallback name and the exact UTF-8 one (RFC 6266 / 5987). */
function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
