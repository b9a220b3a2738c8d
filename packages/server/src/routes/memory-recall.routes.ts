import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MEMORY_KINDS, MEMORY_LIMITS, RECALL_ITEM_TYPES, type RecallItem } from '../domain/memory.js';
import type { MemoryRecall } from '../memory/recall.js';
import { requireIdentity } from '../security/authenticate.js';
import { errorResponses } from './schemas.js';

/** Characters of a recall query (a chat message's recall reads the message itself). */
export const RECALL_QUERY_CHARS = 2_000;

export const recallItemDto = z
  .object({
    type: z.enum(RECALL_ITEM_TYPES).describe('A memory, a past message of yours, or a document chunk'),
    id: z.uuid().describe('The memory’s, message’s or chunk’s id'),
    content: z.string(),
    score: z.number().describe('The fused score, higher is better; comparable within one answer only'),
    kind: z.enum(MEMORY_KINDS).optional().describe('Memories: the kind'),
    pinned: z.boolean().optional().describe('Memories: pinned (the profile, always first)'),
    sourceMessageId: z.uuid().optional().describe('A memory’s first source message, or the message itself'),
    conversationId: z.uuid().optional(),
    documentId: z.uuid().optional(),
    documentName: z.string().optional(),
    page: z
      .number()
      .int()
      .nullable()
      .optional()
      .describe('Document chunks: the 1-based page, null without pages'),
    createdAt: z.iso.datetime().describe('When it was said or stored (a memory: when it started to hold)'),
  })
  .meta({ id: 'RecallItem' });

const toRecallItemDto = (item: RecallItem): z.infer<typeof recallItemDto> => ({
  type: item.type,
  id: item.id,
  content: item.content,
  score: item.score,
  ...(item.kind ? { kind: item.kind } : {}),
  ...(item.pinned !== undefined ? { pinned: item.pinned } : {}),
  ...(item.sourceMessageId ? { sourceMessageId: item.sourceMessageId } : {}),
  ...(item.conversationId ? { conversationId: item.conversationId } : {}),
  ...(item.documentId ? { documentId: item.documentId } : {}),
  ...(item.documentName !== undefined ? { documentName: item.documentName } : {}),
  ...(item.type === 'document' ? { page: item.page ?? null } : {}),
  createdAt: item.createdAt.toISOString(),
});

/** `GET /api/memories/recall`: what the chat would recall for a text (docs/memory.md, "Recall"). */
export const memoryRecallRoutes =
  (recall: Pick<MemoryRecall, 'search'>): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/memories/recall',
      {
        schema: {
          tags: ['memory'],
          summary: 'What an avatar would recall for a text: pinned profile first, then the best `k` items',
          description:
            'Exactly what a chat message with this text would put in the memory section: your pinned memories (the profile), then the best `k` of your memories the avatar sees (its memory policy), your own messages in your conversations with it, and its documents’ chunks — full text (BM25) and vectors (your embedding model) fused by reciprocal rank, weighted by importance and recency. Superseded and deleted memories are never recalled. Empty when memory is off for you or for the avatar; 404 for an avatar you may not see.',
          querystring: z.object({
            avatarId: z.uuid({ message: 'must be an avatar id (UUID)' }),
            q: z.string().trim().min(1).max(RECALL_QUERY_CHARS),
            k: z.coerce
              .number()
              .int()
              .min(1)
              .max(MEMORY_LIMITS.recallMax)
              .default(MEMORY_LIMITS.recallDefault),
          }),
          response: { 200: z.object({ items: z.array(recallItemDto) }), ...errorResponses(400, 401, 404) },
        },
      },
      async (request, reply) => {
        const { avatarId, q, k } = request.query;
        const items = await recall.search(requireIdentity(request).user.id, { avatarId, query: q, k });
        // What is remembered about a person is theirs alone: never kept by a cache on the way.
        reply.header('cache-control', 'no-store');
        return { items: items.map(toRecallItemDto) };
      },
    );
  };
