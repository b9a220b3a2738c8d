import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MESSAGE_ROLES } from '../domain/message-parts.js';
import { searchHitDto, searchJumpDto, toSearchHitDto } from '../presenters/search.presenter.js';
import { requireIdentity } from '../security/authenticate.js';
import type { SearchService } from '../services/search.service.js';
import { dateRangeQuery, toDateRange } from './date-range.js';
import { errorResponses, idParams } from './schemas.js';

export const searchRoutes =
  (search: SearchService): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['conversations'];

    app.get(
      '/api/search',
      {
        schema: {
          tags,
          summary: 'Full-text search over your messages, best matches first, with highlighted snippets',
          description:
            'Web-search syntax: `"exact phrase"`, `or`, `-exclude`; the last word also matches as a prefix while it is typed (no trailing space). Only the newest 1,000 matches are ranked (`truncated` says older ones exist).',
          querystring: z.object({
            q: z.string().max(200),
            avatarId: z.uuid().optional(),
            model: z
              .string()
              .max(300)
              .optional()
              .describe('Replies written by this model (`provider/model`)'),
            tag: z.string().max(40).optional().describe('A tag of the conversation'),
            role: z.enum(MESSAGE_ROLES).optional(),
            ...dateRangeQuery,
            cursor: z.string().max(200).optional(),
            limit: z.coerce.number().int().min(1).max(50).default(20),
          }),
          response: {
            200: z.object({
              hits: z.array(searchHitDto),
              nextCursor: z.string().nullable(),
              truncated: z.boolean().describe('Older matches exist beyond the ranked window'),
            }),
            ...errorResponses(400, 401),
          },
        },
      },
      async (request) => {
        const { from: _from, to: _to, ...query } = request.query;
        const result = await search.search(requireIdentity(request).user.id, {
          ...query,
          ...toDateRange(request.query),
        });
        return { ...result, hits: result.hits.map(toSearchHitDto) };
      },
    );

    app.get(
      '/api/search/jump/:id',
      {
        schema: {
          tags,
          summary: 'Where a message (a search hit) is, and the active leaf to set to show it',
          params: idParams,
          response: { 200: searchJumpDto, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => search.jump(requireIdentity(request).user.id, request.params.id),
    );
  };
