import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { HealthService } from '../services/health.service.js';
import type { ListedEngine } from '../voice/engines/registry.js';

const check = z.object({
  status: z.enum(['ok', 'error']),
  latencyMs: z.number(),
  message: z.string().optional(),
});

export const healthReportSchema = z
  .object({
    status: z
      .enum(['ok', 'degraded', 'error'])
      .describe(
        'degraded: usable, but Redis does not answer and this instance runs on its local fallbacks (docs/security.md)',
      ),
    version: z.string(),
    uptimeSeconds: z.number(),
    checks: z.object({
      database: check.extend({ kind: z.enum(['pglite', 'postgres']), vector: z.boolean() }),
      redis: check.optional(),
      providers: z
        .record(
          z.string(),
          z.object({
            status: z.enum(['ok', 'error', 'unknown']),
            code: z.string().nullable(),
            message: z.string().nullable(),
            latencyMs: z.number().nullable(),
            checkedAt: z.string().nullable(),
          }),
        )
        .optional()
        .describe(
          'Providers configured for the whole instance; a failing provider does not make the server unusable',
        ),
      voice: z
        .object({
          engines: z.array(
            z.object({
              id: z.string(),
              kind: z.enum(['vad', 'stt', 'tts']),
              ready: z.boolean(),
              code: z.string().optional(),
              detail: z.string().optional(),
            }),
          ),
        })
        .optional()
        .describe(
          'Voice engines (docs/voice.md) and whether each can run now; not ready ones do not degrade',
        ),
    }),
  })
  .meta({ id: 'HealthReport' });

export const healthRoutes =
  (health: HealthService, voiceEngines?: () => Promise<ListedEngine[]>): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/health',
      {
        schema: {
          tags: ['service'],
          summary: 'Liveness and readiness: 200 when usable (ok or degraded), 503 otherwise',
          response: { 200: healthReportSchema, 503: healthReportSchema },
        },
      },
      async (_request, reply) => {
        let report = await health.check();
        if (voiceEngines) {
          const engines = await voiceEngines().catch((): ListedEngine[] => []);
          const voice = {
            engines: engines.map(({ id, kind, ready, code, detail }) => ({ id, kind, ready, code, detail })),
          };
          report = { ...report, checks: { ...report.checks, voice } } as typeof report;
        }
        // A degraded instance still serves every request, so a load balancer must keep it.
        return reply.status(report.status === 'error' ? 503 : 200).send(report);
      },
    );
  };
