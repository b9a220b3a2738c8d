import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { invalidRequest } from '../errors.js';
import { progressStream } from '../http/progress-stream.js';
import { sendServerSentEvents } from '../http/sse.js';
import {
  type CatalogEmbeddingModel,
  catalogDownload,
  EMBEDDING_CATALOG,
} from '../models/embedding-catalog.js';
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
    embeddingModels: z
      .array(
        z
          .object({
            key: z.string(),
            label: z.string(),
            fileName: z.string(),
            sizeBytes: z.number().int(),
            sha256: z.string(),
            dimensions: z.number().int(),
            license: z.string(),
            homepage: z.string(),
            downloaded: z.boolean().describe('The file is in the models directory'),
            modelId: z
              .string()
              .describe('The id to choose as memory embedding model once downloaded (`llama-cpp/<file>`)'),
          })
          .meta({ id: 'CatalogEmbeddingModel' }),
      )
      .describe(
        'Embedding models Lumina offers to download for the embedded engine; the first is the default',
      ),
  })
  .meta({ id: 'LocalModels' });

/** The embedded engine's provider id (app.ts registers it under this id). */
const ENGINE_PROVIDER_ID = 'llama-cpp';

export const localModelRoutes =
  (local: LocalModelService): FastifyPluginAsyncZod =>
  async (app) => {
    const catalog: readonly CatalogEmbeddingModel[] = EMBEDDING_CATALOG;
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
        const status = await local.status();
        const files = new Set(status.models.map((model) => model.file));
        return {
          ...status,
          embeddingModels: catalog.map((entry) => ({
            key: entry.key,
            label: entry.label,
            fileName: entry.fileName,
            sizeBytes: entry.sizeBytes,
            sha256: entry.sha256,
            dimensions: entry.dimensions,
            license: entry.license,
            homepage: entry.homepage,
            downloaded: files.has(entry.fileName),
            modelId: `${ENGINE_PROVIDER_ID}/${entry.fileName}`,
          })),
        };
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

    app.post(
      '/api/admin/local-models/embedding',
      {
        schema: {
          tags,
          summary:
            'Download an embedding model of the catalog (the default: nomic-embed-text v1.5) for the embedded engine, checked against its SHA-256',
          description:
            'SSE like `POST /api/admin/local-models`: `progress {receivedBytes, totalBytes, bytesPerSecond}` … then `done {fileName, sizeBytes, sha256, modelId}` or `error {code, message}` (`checksum_mismatch`, `model_exists`, `download_failed`, …).',
          body: z.object({
            key: z
              .string()
              .trim()
              .min(1)
              .max(100)
              .optional()
              .describe(
                'A catalog key from `GET /api/admin/local-models` `embeddingModels`; default: the first',
              ),
          }),
          response: { ...errorResponses(400, 401, 403) },
        },
      },
      async (request, reply) => {
        requireAdmin(request);
        const key = request.body.key;
        const entry = key === undefined ? catalog[0] : catalog.find((candidate) => candidate.key === key);
        if (!entry) {
          throw invalidRequest(`"${key}" is not an embedding model of the catalog`, {
            keys: catalog.map((candidate) => candidate.key),
          });
        }
        await sendServerSentEvents(request, reply, (signal) =>
          progressStream(
            (onProgress) => local.download(catalogDownload(entry), onProgress, signal),
            (model) => ({
              fileName: model.fileName,
              sizeBytes: model.sizeBytes,
              sha256: model.sha256,
              resumed: model.resumed,
              modelId: `${ENGINE_PROVIDER_ID}/${model.fileName}`,
            }),
          ),
        );
      },
    );
  };
