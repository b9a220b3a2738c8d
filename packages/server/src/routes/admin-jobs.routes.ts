import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { requireAdmin } from '../security/authenticate.js';
import { errorResponses, idParams } from './schemas.js';

const queueStats = z
  .object({
    name: z.string(),
    waiting: z.number().int(),
    active: z.number().int(),
    completed: z.number().int(),
    failed: z.number().int(),
    delayed: z.number().int(),
  })
  .meta({ id: 'JobQueueStats' });

const jobFailure = z
  .object({
    id: z.string(),
    name: z.string(),
    data: z.unknown(),
    error: z.string(),
    attempts: z.number().int(),
    createdAt: z.iso.datetime(),
    failedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'JobFailure' });

const queueParams = z.object({ queue: z.string().regex(/^[a-z][a-z0-9-]{0,49}$/, 'must be a queue name') });
const failuresQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

/**
 * Background jobs for administrators: queues with their counts, the failures with their errors,
 * and retry / discard of a failed job. `jobs` is undefined when the server runs without the
 * durable queue (in-process tests): every route then answers 503 jobs_unavailable.
 */
export const adminJobRoutes =
  (jobs: JobQueue | undefined): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['admin'];
    const queue = () => {
      if (!jobs)
        throw new AppError(503, 'jobs_unavailable', 'Background jobs are not running on this server');
      return jobs;
    };

    app.get(
      '/api/admin/jobs',
      {
        schema: {
          tags,
          summary: 'Background job queues with how many jobs wait, run, completed, failed or are delayed',
          response: { 200: z.object({ queues: z.array(queueStats) }), ...errorResponses(401, 403, 503) },
        },
      },
      async (request) => {
        requireAdmin(request);
        return { queues: await queue().stats() };
      },
    );

    app.get(
      '/api/admin/jobs/:queue/failures',
      {
        schema: {
          tags,
          summary: 'The latest jobs of a queue that failed for good, newest first, with their errors',
          params: queueParams,
          querystring: failuresQuery,
          response: {
            200: z.object({ failures: z.array(jobFailure) }),
            ...errorResponses(400, 401, 403, 503),
          },
        },
      },
      async (request) => {
        requireAdmin(request);
        const failures = await queue().failures(request.params.queue, request.query.limit);
        return {
          failures: failures.map((f) => ({
            ...f,
            createdAt: f.createdAt.toISOString(),
            failedAt: f.failedAt?.toISOString() ?? null,
          })),
        };
      },
    );

    app.post(
      '/api/admin/jobs/:id/retry',
      {
        schema: {
          tags,
          summary: 'Give a failed job one more attempt',
          params: idParams,
          response: { 204: z.null(), ...errorResponses(400, 401, 403, 404, 409, 503) },
        },
      },
      async (request, reply) => {
        requireAdmin(request);
        await queue().retry(request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/admin/jobs/:id/discard',
      {
        schema: {
          tags,
          summary: 'Delete a failed job',
          params: idParams,
          response: { 204: z.null(), ...errorResponses(400, 401, 403, 404, 409, 503) },
        },
      },
      async (request, reply) => {
        requireAdmin(request);
        await queue().discard(request.params.id);
        return reply.status(204).send(null);
      },
    );
  };
