import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { progressStream } from '../http/progress-stream.js';
import { sendServerSentEvents } from '../http/sse.js';
import { requireAdmin } from '../security/authenticate.js';
import type { LocalModelService } from '../services/local-model.service.js';
import { errorResponses } from './schemas.js';

const statusDto = z
  .object({
    engineInstalled: z.boolean(),
    modelsDir: z.string(),
    models: z.array(
      z.object({
        file: z.string(),
        sizeBytes: z.number().int(),
        architecture: z.string().nullable(),
        contextLength: z.number().int().nullable(),
      }),
    ),
  })
  .meta({ id: 'LocalModels' });

export const localModelRoutes =
  (local: LocalModelService): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['admin'];

    app.get(
      '/api/admin/local-models',
      {
        schema: {
          tags,
          summary: 'The embedded llama.cpp engine and the GGUF models on this machine',
          response: { 200: statusDto, ...errorResponses(401, 403) },
        },
      },
      async (request) => {
        requireAdmin(request);
        return local.status();
      },
    );

    app.post(
      '/api/admin/local-models/engine',
      {
        schema: {
          tags,
          summary:
            'Install the embedded engine (CPU build, ~85 MB from npm); output lines as SSE `progress`, then `done`',
          response: { ...errorResponses(401, 403) },
        },
      },
      async (request, reply) => {
        requireAdmin(request);
        await sendServerSentEvents(request, reply, (signal) =>
          progressStream(
            (onOutput) => local.install(onOutput, signal),
            (result) => ({ durationMs: Math.round(result.durationMs) }),
            0,
          ),
        );
      },
    );

    app.post(
      '/api/admin/local-models',
      {
        schema: {
          tags,
          summary: 'Download a GGUF model (https URL or hf:owner/repo/file.gguf) with resume and checksum',
          description:
            'SSE: `progress {receivedBytes, totalBytes, bytesPerSecond}` … then `done {fileName, sizeBytes, sha256}` or `error {code, message}`.',
          body: z.object({
            source: z.string().trim().min(4).max(2000),
            sha256: z
              .string()
              .regex(/^[0-9a-fA-F]{64}$/, { message: 'must be 64 hex characters' })
              .optional(),
          }),
          response: { ...errorResponses(400, 401, 403) },
        },
      },
      async (request, reply) => {
        requireAdmin(request);
        await sendServerSentEvents(request, reply, (signal) =>
          progressStream(
            (onProgress) => local.download(request.body, onProgress, signal),
            (model) => ({
              fileName: model.fileName,
              sizeBytes: model.sizeBytes,
              sha256: model.sha256,
              resumed: model.resumed,
            }),
          ),
        );
      },
    );
  };
