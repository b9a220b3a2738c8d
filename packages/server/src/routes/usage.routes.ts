import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toUsageReportDto, usageReportDto } from '../presenters/usage-report.presenter.js';
import { USAGE_GROUPS } from '../repositories/usage-report.repository.js';
import { requireIdentity } from '../security/authenticate.js';
import type { UsageReportService } from '../services/usage-report.service.js';
import { dateRangeQuery, toDateRange } from './date-range.js';
import { errorResponses } from './schemas.js';

export const usageRoutes =
  (usage: UsageReportService): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/usage',
      {
        schema: {
          tags: ['models'],
          summary: 'Your model calls: tokens, cost and timings, grouped by model, day, avatar or purpose',
          querystring: z.object({
            groupBy: z.enum(USAGE_GROUPS).default('model'),
            ...dateRangeQuery,
          }),
          response: { 200: usageReportDto, ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const report = await usage.report(requireIdentity(request).user.id, {
          groupBy: request.query.groupBy,
          ...toDateRange(request.query),
        });
        return toUsageReportDto(report);
      },
    );
  };
