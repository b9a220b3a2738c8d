import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MEMORY_KINDS, MEMORY_LIMITS, type MemoryItem } from '../domain/memory.js';
import { AppError } from '../errors.js';
import { memoryDto, toMemoryDto } from '../presenters/memory.presenter.js';
import { requireIdentity } from '../security/authenticate.js';
import { MEMORY_PAGE_DEFAULT, MEMORY_PAGE_MAX, type MemoryService } from '../services/memory.service.js';
import { errorResponses, idParams } from './schemas.js';

const content = z.string().trim().min(1).max(MEMORY_LIMITS.contentChars);
const importance = z.number().min(0).max(1);
const avatarRef = z.uuid({ message: 'must be an avatar id (UUID)' });

/** The export file's shape (`GET /api/memories/export`). */
export const memoryExportDto = z
  .object({
    format: z.literal('lumina-memories'),
    version: z.literal(1),
    exportedAt: z.iso.datetime(),
    items: z.array(memoryDto),
  })
  .meta({ id: 'MemoryExport' });

const listAnswer = z.object({
  items: z.array(memoryDto),
  nextCursor: z.uuid().nullable().describe('Pass as `before` for the next page; null on the last one'),
});

/**
 * The export as a stream of JSON text, one page of rows at a time: a user's 200,000 memories
 * never sit in the server's heap at once.
 */
async function* exportJson(pages: AsyncGenerator<MemoryItem[]>, exportedAt: Date): AsyncGenerator<string> {
  yield `{"format":"lumina-memories","version":1,"exportedAt":${JSON.stringify(exportedAt.toISOString())},"items":[`;
  let first = true;
  for await (const page of pages) {
    const text = page.map((item) => JSON.stringify(toMemoryDto(item, exportedAt))).join(',');
    yield first ? text : `,${text}`;
    first = false;
  }
  yield ']}';
}

/** List, write, edit, delete, forget, follow and export memories (docs/memory.md). */
export const memoryRoutes =
  (memories: MemoryService): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['memory'];

    app.get(
      '/api/memories',
      {
        schema: {
          tags,
          summary: 'Your memories, newest first: filter by avatar, kind, pin and text; page with `before`',
          description:
            'Only current memories unless `history=true` (then superseded and invalidated ones too). `q` matches whole words (web-search syntax: `"phrase"`, `-word`, `or`) and also parts of words. `avatarId` is one avatar’s own memories (or `shared` for those shared by your avatars); `visibleTo` is what that avatar sees under its memory policy.',
          querystring: z.object({
            avatarId: z
              .union([z.literal('shared'), avatarRef])
              .optional()
              .describe('An avatar’s own memories, or `shared`'),
            visibleTo: avatarRef
              .optional()
              .describe('What this avatar sees (its own, plus the shared ones when its policy is `shared`)'),
            kind: z.enum(MEMORY_KINDS).optional(),
            q: z
              .string()
              .max(200)
              .optional()
              .describe('Words (web-search syntax); the last one, with no space after it, also as a prefix'),
            history: z.stringbool().optional(),
            pinned: z.stringbool().optional(),
            limit: z.coerce.number().int().min(1).max(MEMORY_PAGE_MAX).default(MEMORY_PAGE_DEFAULT),
            before: z.uuid().optional().describe('The `nextCursor` of the previous page'),
          }),
          response: { 200: listAnswer, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const page = await memories.list(requireIdentity(request).user.id, request.query);
        const now = new Date();
        return { items: page.items.map((item) => toMemoryDto(item, now)), nextCursor: page.nextCursor };
      },
    );

    app.post(
      '/api/memories',
      {
        schema: {
          tags,
          summary: 'Write a memory by hand (origin `manual`, confidence 1)',
          description: `\`avatarId\`: one of your avatars (or one shared with everyone) to keep it as that avatar’s own; null or left out: shared with your avatars whose memory policy is \`shared\`. The text is trimmed, 1–${MEMORY_LIMITS.contentChars} characters. 409 \`memory_limit_reached\` at ${MEMORY_LIMITS.itemsPerUser.toLocaleString('en')} memories.`,
          body: z.object({
            content,
            kind: z.enum(MEMORY_KINDS),
            avatarId: avatarRef.nullable().optional(),
            importance: importance.optional(),
            pinned: z.boolean().optional(),
          }),
          response: { 201: z.object({ memory: memoryDto }), ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request, reply) => {
        const memory = await memories.create(requireIdentity(request).user.id, request.body);
        return reply.status(201).send({ memory: toMemoryDto(memory) });
      },
    );

    app.delete(
      '/api/memories',
      {
        schema: {
          tags,
          summary:
            'Forget everything: every memory you have, or with `avatarId` those one avatar keeps as its own',
          description:
            'Deletes for good (history too). Needs `?confirm=true` or the body `{"confirm": true}`, else 400 `confirmation_required`. With `avatarId`, the shared memories stay (your other avatars see them too).',
          querystring: z.object({
            avatarId: avatarRef.optional(),
            confirm: z.stringbool().optional(),
          }),
          body: z.object({ confirm: z.boolean().optional() }).nullish(),
          response: { 200: z.object({ deleted: z.int().min(0) }), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        if (request.query.confirm !== true && request.body?.confirm !== true) {
          throw new AppError(
            400,
            'confirmation_required',
            'Forgetting deletes memories for good: send confirm=true to go ahead',
          );
        }
        const userId = requireIdentity(request).user.id;
        return { deleted: await memories.forget(userId, request.query.avatarId) };
      },
    );

    app.get(
      '/api/memories/export',
      {
        schema: {
          tags,
          summary: 'Download all your memories as JSON, superseded and invalidated ones included',
          description: 'A file (`Content-Disposition: attachment`), newest first.',
          response: { 200: memoryExportDto, ...errorResponses(401) },
        },
      },
      async (request, reply) => {
        const userId = requireIdentity(request).user.id;
        const exportedAt = new Date();
        const day = exportedAt.toISOString().slice(0, 10);
        return (
          reply
            .type('application/json; charset=utf-8')
            .header('content-disposition', `attachment; filename="lumina-memories-${day}.json"`)
            .header('cache-control', 'no-store')
            // Fastify sends a stream as it is (no serializer): the text is written in the
            // MemoryExport shape by exportJson, page by page.
            .send(
              Readable.from(exportJson(memories.exportPages(userId), exportedAt)) as unknown as z.infer<
                typeof memoryExportDto
              >,
            )
        );
      },
    );

    app.get(
      '/api/memories/:id',
      {
        schema: {
          tags,
          summary: 'One memory',
          params: idParams,
          response: { 200: z.object({ memory: memoryDto }), ...errorResponses(401, 404) },
        },
      },
      async (request) => ({
        memory: toMemoryDto(await memories.get(requireIdentity(request).user.id, request.params.id)),
      }),
    );

    app.patch(
      '/api/memories/:id',
      {
        schema: {
          tags,
          summary: 'Edit a current memory: its text, kind, importance, pin or avatar',
          description:
            'A new text is embedded again in the background. A superseded or invalidated memory is history: 409 `memory_not_current`.',
          params: idParams,
          body: z.object({
            content: content.optional(),
            kind: z.enum(MEMORY_KINDS).optional(),
            importance: importance.optional(),
            pinned: z.boolean().optional(),
            avatarId: avatarRef.nullable().optional().describe('Move it to one avatar, or null to share it'),
          }),
          response: { 200: z.object({ memory: memoryDto }), ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request) => ({
        memory: toMemoryDto(
          await memories.update(requireIdentity(request).user.id, request.params.id, request.body),
        ),
      }),
    );

    app.delete(
      '/api/memories/:id',
      {
        schema: {
          tags,
          summary: 'Delete a memory for good (from every index at once: it is never recalled again)',
          params: idParams,
          response: { 204: z.null(), ...errorResponses(401, 404) },
        },
      },
      async (request, reply) => {
        await memories.remove(requireIdentity(request).user.id, request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/memories/:id/history',
      {
        schema: {
          tags,
          summary:
            'Every version of the fact this memory is one of (what it replaced and what replaced it), oldest first',
          params: idParams,
          response: { 200: z.object({ items: z.array(memoryDto) }), ...errorResponses(401, 404) },
        },
      },
      async (request) => {
        const items = await memories.history(requireIdentity(request).user.id, request.params.id);
        const now = new Date();
        return { items: items.map((item) => toMemoryDto(item, now)) };
      },
    );
  };
